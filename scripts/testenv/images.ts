// Builds the test images without a registry or a Docker engine: a root filesystem assembled from this
// machine's Debian packages, packed as one layer into an OCI image layout tarball that
// `ctr images import` loads into a cluster's containerd.
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, cpSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createGzip } from "node:zlib";
import { fileURLToPath } from "node:url";
import { IMAGE_NAMES, type ImageKey } from "./pins";

const here = dirname(fileURLToPath(import.meta.url));

export interface ImageConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  User?: string;
  WorkingDir?: string;
}

export interface ImageDefinition {
  key: ImageKey;
  /** Everything the image's content depends on; a change rebuilds it. */
  inputs(): string;
  populate(rootfs: string): void;
  config: ImageConfig;
}

export const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const dpkgVersion = (pkg: string) =>
  execFileSync("dpkg-query", ["-W", "-f=${Version}", pkg], { encoding: "utf8" }).trim();
const ownSources = () =>
  ["images.ts", "images/pause.c", "images/postgres-entrypoint.sh"].map((f) => readFileSync(join(here, f), "utf8")).join("\0");

const PASSWD = [
  "root:x:0:0:root:/root:/bin/sh",
  "postgres:x:999:999:PostgreSQL:/var/lib/postgresql:/bin/sh",
  "nobody:x:65534:65534:nobody:/nonexistent:/bin/false",
].join("\n") + "\n";
const GROUP = ["root:x:0:", "postgres:x:999:", "nogroup:x:65534:"].join("\n") + "\n";

function baseDirs(rootfs: string): void {
  for (const d of ["bin", "etc", "root", "tmp", "proc", "sys", "dev", "var/run", "usr/bin", "usr/sbin", "sbin"]) {
    mkdirSync(join(rootfs, d), { recursive: true });
  }
  chmodSync(join(rootfs, "tmp"), 0o1777);
  writeFileSync(join(rootfs, "etc/passwd"), PASSWD);
  writeFileSync(join(rootfs, "etc/group"), GROUP);
}

/** busybox-static with a link for every applet, at the paths busybox itself lists. */
function addBusybox(rootfs: string): void {
  baseDirs(rootfs);
  cpSync("/bin/busybox", join(rootfs, "bin/busybox"));
  const applets = execFileSync("/bin/busybox", ["--list-full"], { encoding: "utf8" }).split("\n").filter(Boolean);
  for (const applet of applets) {
    const target = join(rootfs, applet);
    if (applet === "bin/busybox" || existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync("/bin/busybox", target);
  }
}

/** Shared libraries (and the dynamic loader) that `ldd` resolves for the given ELF files. */
export function sharedLibraries(files: string[]): Set<string> {
  const libs = new Set<string>();
  for (const file of files) {
    let out: string;
    try {
      out = execFileSync("ldd", [file], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      continue; // not a dynamic executable
    }
    for (const line of out.split("\n")) {
      const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
      if (m?.[1]) libs.add(m[1]);
    }
  }
  return libs;
}

function walkFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkFiles(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

const PG = "/usr/lib/postgresql/15";

export const IMAGES: Record<ImageKey, ImageDefinition> = {
  pause: {
    key: "pause",
    inputs: () => ownSources() + execFileSync("gcc", ["--version"], { encoding: "utf8" }),
    populate(rootfs) {
      mkdirSync(rootfs, { recursive: true });
      execFileSync("gcc", ["-static", "-Os", "-s", "-o", join(rootfs, "pause"), join(here, "images/pause.c")]);
    },
    config: { Entrypoint: ["/pause"], User: "65535:65535" },
  },
  busybox: {
    key: "busybox",
    inputs: () => ownSources() + dpkgVersion("busybox-static"),
    populate: addBusybox,
    config: { Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
  },
  postgres: {
    key: "postgres",
    inputs: () => ownSources() + dpkgVersion("postgresql-15") + dpkgVersion("busybox-static"),
    populate(rootfs) {
      addBusybox(rootfs);
      // The server and client without the LLVM JIT (its libLLVM alone is larger than the rest).
      cpSync(PG, join(rootfs, PG), {
        recursive: true,
        filter: (src) => !src.includes("/lib/bitcode") && !/llvmjit/.test(src),
      });
      cpSync("/usr/share/postgresql/15", join(rootfs, "usr/share/postgresql/15"), { recursive: true });
      cpSync("/usr/share/zoneinfo", join(rootfs, "usr/share/zoneinfo"), { recursive: true, dereference: true });
      for (const lib of sharedLibraries(walkFiles(join(rootfs, PG)))) {
        if (lib.startsWith(join(rootfs, PG))) continue;
        const dest = join(rootfs, lib);
        mkdirSync(dirname(dest), { recursive: true });
        cpSync(lib, dest, { dereference: true });
      }
      mkdirSync(join(rootfs, "usr/local/bin"), { recursive: true });
      cpSync(join(here, "images/postgres-entrypoint.sh"), join(rootfs, "usr/local/bin/postgres-entrypoint.sh"));
      chmodSync(join(rootfs, "usr/local/bin/postgres-entrypoint.sh"), 0o755);
      mkdirSync(join(rootfs, "var/lib/postgresql/data"), { recursive: true });
    },
    config: {
      Entrypoint: ["/usr/local/bin/postgres-entrypoint.sh"],
      Env: [
        `PATH=${PG}/bin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
        "PGDATA=/var/lib/postgresql/data",
        "TZ=UTC",
        "LANG=C",
      ],
    },
  },
};

export function imageInputsKey(def: ImageDefinition): string {
  return sha256(`${IMAGE_NAMES[def.key]}\0${JSON.stringify(def.config)}\0${def.inputs()}`);
}

/** Packs a root filesystem as a reproducible gzip layer; returns the digests OCI needs. */
async function writeLayer(rootfs: string, out: string): Promise<{ digest: string; diffId: string; size: number }> {
  const tar = spawn("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner", "-C", rootfs, "-cf", "-", "."], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const diffHash = createHash("sha256");
  const blobHash = createHash("sha256");
  const gzip = createGzip({ level: 6 });
  const file = createWriteStream(out);
  gzip.on("data", (chunk: Buffer) => blobHash.update(chunk));
  const done = new Promise<void>((resolve, reject) => {
    file.on("finish", resolve);
    file.on("error", reject);
    gzip.on("error", reject);
    tar.on("error", reject);
    tar.on("exit", (code) => { if (code !== 0) reject(new Error(`tar exited with ${code}`)); });
  });
  tar.stdout.on("data", (chunk: Buffer) => diffHash.update(chunk));
  tar.stdout.pipe(gzip).pipe(file);
  await done;
  return { digest: `sha256:${blobHash.digest("hex")}`, diffId: `sha256:${diffHash.digest("hex")}`, size: statSync(out).size };
}

function writeBlob(blobs: string, content: string): { digest: string; size: number } {
  const hex = sha256(content);
  writeFileSync(join(blobs, hex), content);
  return { digest: `sha256:${hex}`, size: Buffer.byteLength(content) };
}

/** Builds one image as an OCI layout tarball at `outFile`, using `work` as scratch space. */
export async function buildImage(def: ImageDefinition, outFile: string, work: string): Promise<void> {
  rmSync(work, { recursive: true, force: true });
  const rootfs = join(work, "rootfs");
  const layout = join(work, "layout");
  const blobs = join(layout, "blobs", "sha256");
  mkdirSync(rootfs, { recursive: true });
  mkdirSync(blobs, { recursive: true });
  def.populate(rootfs);

  const layerTmp = join(work, "layer.tar.gz");
  const layer = await writeLayer(rootfs, layerTmp);
  cpSync(layerTmp, join(blobs, layer.digest.slice("sha256:".length)));

  const name = IMAGE_NAMES[def.key];
  const config = writeBlob(blobs, JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: def.config,
    rootfs: { type: "layers", diff_ids: [layer.diffId] },
    history: [{ created_by: `lifeboat testenv image builder (${def.key})` }],
  }));
  const manifest = writeBlob(blobs, JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer.digest, size: layer.size }],
  }));
  writeFileSync(join(layout, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(layout, "index.json"), JSON.stringify({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      ...manifest,
      annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.split(":")[1] },
    }],
  }));
  mkdirSync(dirname(outFile), { recursive: true });
  execFileSync("tar", ["--sort=name", "--mtime=@0", "--owner=0", "--group=0", "-C", layout, "-cf", outFile, "oci-layout", "index.json", "blobs"]);
  rmSync(work, { recursive: true, force: true });
}
