// `npm run testenv -- <command>`: prepare the test environment, or run clusters by hand for exploring.
//
//   ensure                       build or verify everything the tests need (idempotent, cached)
//   up [NAME] [--no-node] [--images postgres] [--csi]
//                                start a cluster in the background; prints its kubeconfig path
//                                (--csi: also the CSI hostpath driver with VolumeSnapshots)
//   down [NAME|--all]            stop clusters started with `up`
//   status                       clusters running on this machine (tests' and yours)
//   clean                        stop and remove every test cluster on this machine
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { join } from "node:path";
import { ensureTestEnv } from "./ensure";
import { RUN_ROOT, paths, type ImageKey } from "./pins";
import { isAlive } from "../../test/support/proc";

const manualDir = join(RUN_ROOT, "manual");
const infoFile = (name: string) => join(manualDir, `${name}.json`);

interface ManualCluster {
  name: string;
  pid: number;
  kubeconfig: string;
  server: string;
  node: boolean;
  logDir: string;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function positional(args: string[]): string | undefined {
  return args.find((a, i) => !a.startsWith("--") && !(i > 0 && args[i - 1] === "--images"));
}


function readInfo(name: string): ManualCluster | undefined {
  try {
    return JSON.parse(readFileSync(infoFile(name), "utf8")) as ManualCluster;
  } catch {
    return undefined;
  }
}

/** Runs in the background process that owns a manual cluster until `down` signals it. */
async function hold(name: string, node: boolean, images: ImageKey[], csi = false): Promise<void> {
  const { startCluster } = await import("../../test/support/cluster");
  const cluster = await startCluster({ name, node, images, csi });
  const kubeconfig = join(manualDir, `${name}.kubeconfig`);
  copyFileSync(cluster.kubeconfigPath, kubeconfig);
  const info: ManualCluster = { name, pid: process.pid, kubeconfig, server: cluster.server, node, logDir: cluster.logDir };
  writeFileSync(infoFile(name), JSON.stringify(info, null, 2));
  const shutdown = () => {
    void cluster.stop().finally(() => {
      rmSync(infoFile(name), { force: true });
      rmSync(kubeconfig, { force: true });
      process.exit(0);
    });
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  setInterval(() => undefined, 1 << 30); // stay alive until signalled
}

async function up(args: string[]): Promise<void> {
  const name = positional(args) ?? "dev";
  const node = !args.includes("--no-node");
  const images = (flag(args, "--images")?.split(",").filter(Boolean) ?? []) as ImageKey[];
  const csi = args.includes("--csi");
  const existing = readInfo(name);
  if (existing && isAlive(existing.pid)) {
    console.log(`cluster "${name}" is already running\nexport KUBECONFIG=${existing.kubeconfig}`);
    return;
  }
  await ensureTestEnv();
  mkdirSync(manualDir, { recursive: true });
  rmSync(infoFile(name), { force: true });
  const log = join(manualDir, `${name}.log`);
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "hold", name, node ? "--node" : "--no-node", "--images", images.join(","), ...(csi ? ["--csi"] : [])], {
    detached: true,
    stdio: ["ignore", openSync(log, "w"), openSync(log, "a")],
  });
  child.unref();
  const started = Date.now();
  while (!existsSync(infoFile(name))) {
    if (child.exitCode !== null || !isAlive(child.pid!)) throw new Error(`cluster "${name}" failed to start:\n${readFileSync(log, "utf8").trim()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const info = readInfo(name)!;
  console.log([
    `cluster "${name}" is up in ${((Date.now() - started) / 1000).toFixed(1)} s (${node ? "control plane and a node" : "control plane only"}${csi ? ", CSI driver" : ""})`,
    `  API server: ${info.server}`,
    `  logs:       ${info.logDir}`,
    "",
    `export KUBECONFIG=${info.kubeconfig}`,
    `${paths.bin("kubectl")} get nodes`,
    "",
    `stop it with: npm run testenv -- down ${name}`,
  ].join("\n"));
}

async function down(args: string[]): Promise<void> {
  const names = args.includes("--all") || !positional(args)
    ? (existsSync(manualDir) ? readdirSync(manualDir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)) : [])
    : [positional(args)!];
  if (names.length === 0) console.log("no clusters started with `up` are running");
  for (const name of names) {
    const info = readInfo(name);
    if (!info || !isAlive(info.pid)) {
      rmSync(infoFile(name), { force: true });
      console.log(`cluster "${name}" is not running`);
      continue;
    }
    process.kill(info.pid, "SIGTERM");
    while (isAlive(info.pid)) await new Promise((r) => setTimeout(r, 200));
    console.log(`cluster "${name}" stopped`);
  }
}

async function status(): Promise<void> {
  const { listSlots } = await import("../../test/support/host");
  const slots = listSlots();
  if (slots.length === 0) return console.log("no test clusters are running");
  for (const { n, owner, alive } of slots) {
    console.log(`slot ${n}: ${owner.name} (pid ${owner.pid}, started ${owner.startedAt})${alive ? "" : " — owner gone, will be swept"}`);
  }
}

async function clean(): Promise<void> {
  await down(["--all"]);
  const { sweepStale } = await import("../../test/support/host");
  const swept = sweepStale(true);
  console.log(swept.length ? `removed test cluster slots ${swept.join(", ")}` : "nothing to clean");
}

async function main(): Promise<void> {
  const [command = "help", ...args] = process.argv.slice(2);
  switch (command) {
    case "ensure": return ensureTestEnv();
    case "up": return up(args);
    case "down": return down(args);
    case "status": return status();
    case "clean": return clean();
    case "sweep-slot": {
      // Run by a slot's reaper once the slot's owner has died.
      const { sweepIfOwnerGone } = await import("../../test/support/host");
      sweepIfOwnerGone(Number(args[0]), flag(args, "--owner") ? Number(flag(args, "--owner")) : undefined);
      return;
    }
    case "hold": return hold(args[0]!, args.includes("--node"), (flag(args, "--images")?.split(",").filter(Boolean) ?? []) as ImageKey[], args.includes("--csi"));
    default:
      console.log("usage: npm run testenv -- ensure | up [NAME] [--no-node] [--images postgres] [--csi] | down [NAME|--all] | status | clean");
      process.exitCode = command === "help" ? 0 : 2;
  }
}

main().catch((err: unknown) => {
  console.error(`testenv: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
