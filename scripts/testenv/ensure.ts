// Prepares the test environment: Debian packages, the Go-built binaries and the OCI test images.
// Idempotent and safe to interrupt: every artifact is built in a scratch directory and moved into the
// cache only when complete, then recorded in a stamp keyed by everything it was built from.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, closeSync, unlinkSync, readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DEBIAN_PACKAGES, ETCD_VERSION, KOPIA_VERSION, KUBERNETES_VERSION, LOCAL_PATH_PROVISIONER_VERSION, MINIO_VERSION,
  EXTERNAL_PROVISIONER_VERSION, EXTERNAL_SNAPSHOTTER_VERSION, IMAGE_NAMES, cacheRoot, paths, type ImageKey,
} from "./pins";
import { IMAGES, buildImage, imageInputsKey, sha256 } from "./images";
import { isAlive } from "../../test/support/proc";

const here = dirname(fileURLToPath(import.meta.url));
const goModule = (name: string) => join(here, "go", name);

function log(msg: string): void {
  process.stderr.write(`[testenv] ${msg}\n`);
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const res = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], cwd: opts.cwd, env: { ...process.env, ...opts.env } });
  if (res.error) throw new Error(`${cmd}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${res.status ?? res.signal}`);
}

// ---------------------------------------------------------------------------------------------------
// A cross-process lock, so two `npm test` runs never build into the same cache at once.

async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(file, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = Number(readFileSync(file, "utf8").trim());
      if (!holder || !isAlive(holder)) {
        rmSync(file, { force: true }); // left by an interrupted run
        continue;
      }
      if (!announced) log(`waiting for another preparation (pid ${holder}) to finish`);
      announced = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    try { unlinkSync(file); } catch { /* already gone */ }
  }
}


// ---------------------------------------------------------------------------------------------------
// Debian packages

function missingPackages(): string[] {
  return DEBIAN_PACKAGES.filter((pkg) => {
    const res = spawnSync("dpkg-query", ["-W", "-f=${Status}", pkg], { encoding: "utf8" });
    return res.status !== 0 || !res.stdout.includes("install ok installed");
  });
}

function ensurePackages(): void {
  const missing = missingPackages();
  if (missing.length === 0) return log("Debian packages: present");
  if (process.getuid?.() !== 0) {
    throw new Error(`Debian packages missing (${missing.join(", ")}); run as root or install them: apt-get install ${missing.join(" ")}`);
  }
  // Installing postgresql-15 must not create and start a system cluster: we only copy its files into an image.
  mkdirSync("/etc/postgresql-common/createcluster.d", { recursive: true });
  writeFileSync("/etc/postgresql-common/createcluster.d/lifeboat-testenv.conf", "create_main_cluster = false\n");
  log(`installing Debian packages: ${missing.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  // An earlier, interrupted install leaves dpkg half-configured and apt refusing to work until this runs.
  run("dpkg", ["--configure", "-a"], { env });
  run("apt-get", ["update", "-qq"], { env });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env });
  // Debian's containerd package may start a system containerd; the clusters run their own instances.
  spawnSync("sh", ["-c", "command -v service >/dev/null && service containerd stop >/dev/null 2>&1 || true"]);
}

// ---------------------------------------------------------------------------------------------------
// Cached components

interface Component {
  name: string;
  /** Hash of every input; a different key rebuilds the component. */
  key(): string;
  outputs(): string[];
  /** Builds into `scratch`, returning the files there that become `outputs()` (same order). */
  build(scratch: string): Promise<string[]>;
}

const goEnv = { GOTOOLCHAIN: "local", CGO_ENABLED: "0", GOFLAGS: "-mod=readonly" };

function moduleFilesKey(dir: string): string {
  return ["go.mod", "go.sum"].map((f) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : "")).join("\0");
}

function goVersion(): string {
  return execFileSync("go", ["env", "GOVERSION"], { encoding: "utf8", env: { ...process.env, GOTOOLCHAIN: "local" } }).trim();
}

function kubernetesLdflags(): string {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split(".");
  const pkgs = ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"];
  const vars = { gitVersion: KUBERNETES_VERSION, gitMajor: major, gitMinor: minor, gitTreeState: "clean", buildDate: "1970-01-01T00:00:00Z" };
  return ["-s", "-w", ...pkgs.flatMap((p) => Object.entries(vars).map(([k, v]) => `-X ${p}.${k}=${v}`))].join(" ");
}

const KUBE_COMMANDS = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kubectl"];

/** A Go build from a helper module in scripts/testenv/go/<module>. */
function goModuleComponent(name: string, module: string, packages: string[], binaries: string[], ldflags = "-s -w"): Component {
  return {
    name,
    key: () => sha256([name, goVersion(), ldflags, packages.join(","), moduleFilesKey(goModule(module))].join("\0")),
    outputs: () => binaries.map((b) => paths.bin(b)),
    async build(scratch) {
      run("go", ["build", "-trimpath", "-ldflags", ldflags, "-o", `${scratch}/`, ...packages], { cwd: goModule(module), env: goEnv });
      return binaries.map((b) => join(scratch, b));
    },
  };
}

/** Every Go source file of a helper module that has its own code (not just a tools.go). */
function moduleSourceKey(dir: string): string {
  const hash = createHash("sha256");
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".go")) hash.update(`${p.slice(dir.length)}\0${readFileSync(p, "utf8")}\0`);
    }
  };
  walk(dir);
  return hash.digest("hex");
}

/** Fails early when pins.ts and the helper module's go.mod name different versions of `modulePath`. */
function checkRequired(module: string, modulePath: string, version: string): void {
  const lines = readFileSync(join(goModule(module), "go.mod"), "utf8").split("\n");
  const required = lines.some((l) => l.trim().replace(/^require\s+/, "").split(/\s+/).slice(0, 2).join(" ") === `${modulePath} ${version}`);
  if (!required) throw new Error(`scripts/testenv/go/${module}/go.mod does not require ${modulePath} ${version} as pins.ts says`);
}

/** The CSI driver of the test environment: our own code in scripts/testenv/go/csi-hostpath. */
function csiDriverComponent(): Component {
  const module = "csi-hostpath";
  const ldflags = "-s -w";
  return {
    name: "csi-hostpath driver",
    key: () => sha256(["csi-hostpath driver", goVersion(), ldflags, moduleFilesKey(goModule(module)), moduleSourceKey(goModule(module))].join("\0")),
    outputs: () => [paths.bin("csi-hostpath")],
    async build(scratch) {
      run("go", ["build", "-trimpath", "-ldflags", ldflags, "-o", join(scratch, "csi-hostpath"), "."], { cwd: goModule(module), env: goEnv });
      return [join(scratch, "csi-hostpath")];
    },
  };
}

const SNAPSHOTTER = "github.com/kubernetes-csi/external-snapshotter";
/** The CRDs snapshot-controller serves, as shipped in the external-snapshotter client module. */
const SNAPSHOT_CRDS = ["volumesnapshotclasses", "volumesnapshotcontents", "volumesnapshots"].map((k) => `snapshot.storage.k8s.io_${k}.yaml`);

/** csi-snapshotter and snapshot-controller, plus the snapshot CRDs from the same release's client module. */
function snapshotterComponent(): Component {
  const module = "csi-snapshotter";
  const ldflags = "-s -w";
  const commands = ["csi-snapshotter", "snapshot-controller"];
  const name = `external-snapshotter ${EXTERNAL_SNAPSHOTTER_VERSION}`;
  return {
    name,
    key: () => {
      checkRequired(module, `${SNAPSHOTTER}/v8`, EXTERNAL_SNAPSHOTTER_VERSION);
      checkRequired(module, `${SNAPSHOTTER}/client/v8`, EXTERNAL_SNAPSHOTTER_VERSION);
      return sha256([name, goVersion(), ldflags, commands.join(","), SNAPSHOT_CRDS.join(","), moduleFilesKey(goModule(module))].join("\0"));
    },
    outputs: () => [...commands.map((c) => paths.bin(c)), paths.manifest("snapshot-crds.yaml")],
    async build(scratch) {
      run("go", ["build", "-trimpath", "-ldflags", ldflags, "-o", `${scratch}/`, ...commands.map((c) => `${SNAPSHOTTER}/v8/cmd/${c}`)], { cwd: goModule(module), env: goEnv });
      const clientDir = execFileSync("go", ["list", "-m", "-f", "{{.Dir}}", `${SNAPSHOTTER}/client/v8`], {
        cwd: goModule(module), encoding: "utf8", env: { ...process.env, ...goEnv },
      }).trim();
      const crds = SNAPSHOT_CRDS.map((f) => readFileSync(join(clientDir, "config", "crd", f), "utf8").trim().replace(/^---\n/, "")).join("\n---\n");
      writeFileSync(join(scratch, "snapshot-crds.yaml"), `# ${SNAPSHOTTER}/client/v8 ${EXTERNAL_SNAPSHOTTER_VERSION}: config/crd\n${crds}\n`);
      return [...commands.map((c) => join(scratch, c)), join(scratch, "snapshot-crds.yaml")];
    },
  };
}

function provisionerComponent(): Component {
  const c = goModuleComponent(`csi-provisioner ${EXTERNAL_PROVISIONER_VERSION}`, "csi-provisioner", ["github.com/kubernetes-csi/external-provisioner/v5/cmd/csi-provisioner"], ["csi-provisioner"]);
  const key = () => {
    checkRequired("csi-provisioner", "github.com/kubernetes-csi/external-provisioner/v5", EXTERNAL_PROVISIONER_VERSION);
    return c.key();
  };
  return { ...c, key };
}

/** `go install module@version` for modules that allow it. */
function goInstallComponent(name: string, modulePath: string, version: string, binary: string): Component {
  return {
    name,
    key: () => sha256([name, goVersion(), modulePath, version].join("\0")),
    outputs: () => [paths.bin(binary)],
    async build(scratch) {
      run("go", ["install", "-trimpath", "-ldflags", "-s -w", `${modulePath}@${version}`], {
        env: { ...goEnv, GOFLAGS: "", GOBIN: scratch },
      });
      return [join(scratch, modulePath.split("/").pop() ?? binary)];
    },
  };
}

function imageComponent(key: ImageKey): Component {
  const def = IMAGES[key];
  return {
    name: `image ${IMAGE_NAMES[key]}`,
    key: () => imageInputsKey(def),
    outputs: () => [paths.image(key)],
    async build(scratch) {
      const out = join(scratch, `${key}.oci.tar`);
      await buildImage(def, out, join(scratch, "work"));
      return [out];
    },
  };
}

export const COMPONENTS: Component[] = [
  goModuleComponent(`kubernetes ${KUBERNETES_VERSION}`, "kubernetes", KUBE_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`), KUBE_COMMANDS, kubernetesLdflags()),
  goModuleComponent(`etcd ${ETCD_VERSION}`, "etcd", ["."], ["etcd"]),
  goInstallComponent(`minio ${MINIO_VERSION}`, "github.com/minio/minio", MINIO_VERSION, "minio"),
  goModuleComponent(`kopia ${KOPIA_VERSION}`, "kopia", ["github.com/kopia/kopia"], ["kopia"]),
  goInstallComponent(`local-path-provisioner ${LOCAL_PATH_PROVISIONER_VERSION}`, "github.com/rancher/local-path-provisioner", LOCAL_PATH_PROVISIONER_VERSION, "local-path-provisioner"),
  snapshotterComponent(),
  provisionerComponent(),
  csiDriverComponent(),
  imageComponent("pause"),
  imageComponent("busybox"),
  imageComponent("postgres"),
];

function stampFile(c: Component): string {
  return join(paths.stamps(), c.name.replace(/[^a-zA-Z0-9._-]+/g, "_"));
}

function isCurrent(c: Component, key: string): boolean {
  const stamp = stampFile(c);
  return existsSync(stamp) && readFileSync(stamp, "utf8") === key && c.outputs().every(existsSync);
}

async function ensureComponent(c: Component): Promise<void> {
  const key = c.key();
  if (isCurrent(c, key)) return log(`${c.name}: cached`);
  const started = Date.now();
  log(`${c.name}: building`);
  const scratch = join(paths.tmp(), `${c.name.replace(/[^a-zA-Z0-9._-]+/g, "_")}-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    const built = await c.build(scratch);
    const outputs = c.outputs();
    for (const [i, file] of built.entries()) {
      const dest = outputs[i];
      if (!dest || !existsSync(file)) throw new Error(`${c.name}: build did not produce ${file}`);
      mkdirSync(dirname(dest), { recursive: true });
      renameSync(file, dest); // atomic within the cache's file system
    }
    mkdirSync(paths.stamps(), { recursive: true });
    writeFileSync(stampFile(c), key);
    log(`${c.name}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function checkGo(): void {
  const res = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8", env: { ...process.env, GOTOOLCHAIN: "local" } });
  if (res.status !== 0) throw new Error("Go is required to build Kubernetes, etcd, MinIO and kopia (https://go.dev/dl); `go` was not found");
  const m = /go(\d+)\.(\d+)/.exec(res.stdout);
  if (!m || Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 24)) {
    throw new Error(`Go 1.24 or newer is required to build Kubernetes ${KUBERNETES_VERSION}; found ${res.stdout.trim()}`);
  }
}

export async function ensureTestEnv(): Promise<void> {
  const started = Date.now();
  await withLock(join(cacheRoot(), ".lock"), async () => {
    ensurePackages();
    checkGo();
    for (const c of COMPONENTS) await ensureComponent(c);
    // Scratch left by interrupted runs of this or other processes that are gone.
    if (existsSync(paths.tmp())) {
      for (const entry of readdirSync(paths.tmp())) {
        const pid = Number(/-(\d+)$/.exec(entry)?.[1]);
        if (!pid || !isAlive(pid)) rmSync(join(paths.tmp(), entry), { recursive: true, force: true });
      }
    }
  });
  log(`ready in ${((Date.now() - started) / 1000).toFixed(0)} s (cache: ${cacheRoot()})`);
}
