// Host resources of a test cluster, allocated per numbered slot so that several clusters (and several
// test processes) can run side by side: a directory tree, a network namespace joined to the host by a
// veth pair, and cgroup roots. `sweepSlot` removes all of it, whoever left it behind.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, readlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DATA_ROOT, RUN_ROOT } from "../../scripts/testenv/pins";
import { isAlive, sh } from "./proc";

export const MAX_SLOTS = 60;

export interface Slot {
  n: number;
  /** Sockets, configs, PKI, kubelet state: small, on /run. */
  runDir: string;
  /** Container images, etcd, volumes: on disk. */
  dataDir: string;
  netnsName: string;
  netnsPath: string;
  /** Host side of the veth pair; the API server listens here so the node can reach it. */
  hostIp: string;
  /** Node side of the veth pair, inside the namespace: the kubelet's node IP. */
  nodeIp: string;
  podSubnet: string;
  cgroupRoot: string;
}

interface SlotOwner {
  pid: number;
  name: string;
  startedAt: string;
}

const slotsDir = () => join(RUN_ROOT, "slots");
const ownerFile = (n: number) => join(slotsDir(), `${n}.owner`);
const sweepingFile = (n: number) => join(slotsDir(), `${n}.sweeping`);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function slotFor(n: number): Slot {
  return {
    n,
    runDir: join(slotsDir(), String(n)),
    dataDir: join(DATA_ROOT, String(n)),
    netnsName: `lbt${n}`,
    netnsPath: `/var/run/netns/lbt${n}`,
    hostIp: `10.201.${n}.1`,
    nodeIp: `10.201.${n}.2`,
    podSubnet: `10.202.${n}.0/24`,
    cgroupRoot: `/lifeboat-${n}`,
  };
}

function readJson(file: string): SlotOwner | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SlotOwner;
  } catch {
    return undefined;
  }
}

export const readOwner = (n: number) => readJson(ownerFile(n));

/**
 * Claims the lowest free slot for `name`. A slot whose owner died is not reused here: its reaper,
 * the test run's global setup or `testenv clean` sweeps it first (see sweepIfOwnerGone).
 */
export function claimSlot(name: string, ownerPid = process.pid): Slot {
  mkdirSync(slotsDir(), { recursive: true });
  for (let n = 1; n <= MAX_SLOTS; n++) {
    if (existsSync(ownerFile(n)) || existsSync(sweepingFile(n))) continue;
    try {
      const fd = openSync(ownerFile(n), "wx");
      writeFileSync(fd, JSON.stringify({ pid: ownerPid, name, startedAt: new Date().toISOString() } satisfies SlotOwner));
      closeSync(fd);
    } catch {
      continue; // another process took it first
    }
    if (existsSync(sweepingFile(n))) {
      rmSync(ownerFile(n), { force: true }); // a sweep started between our check and our claim
      continue;
    }
    sweepSlot(n); // whatever a released owner may have missed
    startReaper(n, ownerPid);
    return slotFor(n);
  }
  throw new Error(`all ${MAX_SLOTS} test cluster slots are in use; run \`npm run testenv -- clean\``);
}

/**
 * A detached watcher that sweeps the slot as soon as its owner dies without releasing it (a test
 * process killed with SIGKILL, say): our own children die with their parent, but containerd's shims
 * and the containers they run are detached by design and would otherwise keep running.
 */
function startReaper(n: number, ownerPid: number): void {
  const script = 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; grep -q "\\"pid\\":$1," "$2" 2>/dev/null && exec "$3" "$4" sweep-slot "$5" --owner "$1"';
  const tsx = join(repoRoot, "node_modules", ".bin", "tsx");
  const cli = join(repoRoot, "scripts", "testenv", "cli.ts");
  spawn("sh", ["-c", script, "lifeboat-testenv-reaper", String(ownerPid), ownerFile(n), tsx, cli, String(n)], { detached: true, stdio: "ignore" }).unref();
}

export function releaseSlot(slot: Slot): void {
  sweepSlot(slot.n);
  rmSync(ownerFile(slot.n), { force: true });
}

/**
 * Sweeps slot `n` if its owner is gone (and, given `expectedPid`, is that process). The owner file
 * is first renamed atomically, so of several sweepers exactly one proceeds, and no new owner can
 * claim the slot until the sweep has finished.
 */
export function sweepIfOwnerGone(n: number, expectedPid?: number): boolean {
  const owner = readOwner(n);
  if (!owner || isAlive(owner.pid) || (expectedPid !== undefined && owner.pid !== expectedPid)) return false;
  try {
    renameSync(ownerFile(n), sweepingFile(n));
  } catch {
    return false; // another sweeper won
  }
  if (readJson(sweepingFile(n))?.pid !== owner.pid) {
    renameSync(sweepingFile(n), ownerFile(n)); // a new owner slipped in between: not ours to sweep
    return false;
  }
  try {
    sweepSlot(n);
  } finally {
    rmSync(sweepingFile(n), { force: true });
  }
  return true;
}

export function listSlots(): Array<{ n: number; owner: SlotOwner; alive: boolean }> {
  if (!existsSync(slotsDir())) return [];
  return readdirSync(slotsDir())
    .map((f) => /^(\d+)\.owner$/.exec(f)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .flatMap((n) => {
      const owner = readOwner(n);
      return owner ? [{ n, owner, alive: isAlive(owner.pid) }] : [];
    });
}

// ---------------------------------------------------------------------------------------------------
// Network: a namespace per node, joined to the host by a veth pair on a private /24.

export function createNodeNetwork(slot: Slot): void {
  const host = `lbh${slot.n}`;
  const node = `lbn${slot.n}`;
  sh("ip", ["netns", "add", slot.netnsName]);
  sh("ip", ["link", "add", host, "type", "veth", "peer", "name", node]);
  sh("ip", ["link", "set", node, "netns", slot.netnsName]);
  sh("ip", ["addr", "add", `${slot.hostIp}/24`, "dev", host]);
  sh("ip", ["link", "set", host, "up"]);
  const inNs = (...args: string[]) => sh("ip", ["-n", slot.netnsName, ...args]);
  inNs("addr", "add", `${slot.nodeIp}/24`, "dev", node);
  inNs("link", "set", node, "up");
  inNs("link", "set", "lo", "up");
  inNs("route", "add", "default", "via", slot.hostIp);
}

// ---------------------------------------------------------------------------------------------------
// cgroup v1: the kubelet's cgroupRoot must exist in every hierarchy, and a new cpuset cgroup is
// unusable until cpus and mems are copied from its parent.

const CGROUP_BASE = "/sys/fs/cgroup";

function cgroupHierarchies(): string[] {
  if (!existsSync(CGROUP_BASE)) return [];
  return readdirSync(CGROUP_BASE)
    .map((d) => join(CGROUP_BASE, d))
    .filter((d) => d !== join(CGROUP_BASE, "unified") && existsSync(join(d, "cgroup.procs")));
}

export function createCgroupRoot(slot: Slot): void {
  for (const h of cgroupHierarchies()) {
    const dir = join(h, slot.cgroupRoot);
    mkdirSync(dir, { recursive: true });
    if (h.endsWith("/cpuset")) {
      for (const f of ["cpuset.cpus", "cpuset.mems"]) writeFileSync(join(dir, f), readFileSync(join(h, f), "utf8"));
    }
  }
}

function cgroupPids(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) pids.push(...cgroupPids(join(dir, entry.name)));
  }
  try {
    pids.push(...readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n").filter(Boolean).map(Number));
  } catch { /* gone meanwhile */ }
  return pids;
}

function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeCgroupTree(join(dir, entry.name));
  }
  try { rmSync(dir, { recursive: false, force: true }); } catch { /* rmdir below */ }
  sh("rmdir", [dir], { allowFail: true });
}

// ---------------------------------------------------------------------------------------------------
// Sweeping: kill, unmount, remove.

/** Processes that belong to a slot: in its cgroups, or naming its directories or namespace. */
function slotProcesses(slot: Slot): number[] {
  const pids = new Set<number>();
  for (const h of cgroupHierarchies()) for (const pid of cgroupPids(join(h, slot.cgroupRoot))) pids.add(pid);
  const markers = [slot.runDir + "/", slot.dataDir + "/", slot.netnsPath];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!pid || pid === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (markers.some((m) => cmdline.includes(m))) pids.add(pid);
      else if (readlinkSync(`/proc/${pid}/ns/net`) === netnsId(slot)) pids.add(pid);
    } catch { /* exited meanwhile */ }
  }
  pids.delete(process.pid);
  return [...pids];
}

let netnsIds = new Map<string, string>();
function netnsId(slot: Slot): string | undefined {
  if (!existsSync(slot.netnsPath)) return undefined;
  if (!netnsIds.has(slot.netnsPath)) {
    // The inode of the bind-mounted namespace file is the namespace's identity, as /proc/PID/ns/net shows it.
    const ino = sh("stat", ["-L", "-c", "%i", slot.netnsPath]).trim();
    netnsIds.set(slot.netnsPath, `net:[${ino}]`);
  }
  return netnsIds.get(slot.netnsPath);
}

function mountsUnder(prefixes: string[]): string[] {
  const lines = readFileSync("/proc/self/mountinfo", "utf8").split("\n");
  const points = lines
    .map((l) => l.split(" ")[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\040/g, " "))
    .filter((p) => prefixes.some((pre) => p === pre || p.startsWith(pre + "/")));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

export function sweepSlot(n: number): void {
  const slot = slotFor(n);
  netnsIds = new Map();
  for (let round = 0; round < 10; round++) {
    const pids = slotProcesses(slot);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try { process.kill(pid, "SIGKILL"); } catch { /* already gone */ }
    }
    sh("sleep", ["0.2"]);
  }
  for (const point of mountsUnder([slot.runDir, slot.dataDir])) {
    // A busy mount (a process still exiting) is detached lazily rather than left behind.
    if (sh("umount", [point], { allowFail: true }) === "" && mountsUnder([point]).includes(point)) sh("umount", ["-l", point], { allowFail: true });
  }
  if (existsSync(slot.netnsPath)) sh("ip", ["netns", "del", slot.netnsName], { allowFail: true });
  sh("ip", ["link", "del", `lbh${n}`], { allowFail: true });
  for (const h of cgroupHierarchies()) removeCgroupTree(join(h, slot.cgroupRoot));
  // libcni caches each attachment's result under a fixed directory, named after our network.
  const cniCache = "/var/lib/cni/results";
  if (existsSync(cniCache)) {
    const sandboxes = join(slot.runDir, "containerd", "io.containerd.grpc.v1.cri", "sandboxes");
    const ours = [`lifeboat-${n}-`, ...(existsSync(sandboxes) ? readdirSync(sandboxes).map((id) => `cni-loopback-${id}-`) : [])];
    for (const f of readdirSync(cniCache)) if (ours.some((p) => f.startsWith(p))) rmSync(join(cniCache, f), { force: true });
  }
  rmSync(slot.runDir, { recursive: true, force: true });
  rmSync(slot.dataDir, { recursive: true, force: true });
}

/** Sweeps every slot whose owner is gone; with `all`, every slot (for `testenv clean`). */
export function sweepStale(all = false): number[] {
  const swept: number[] = [];
  for (const { n, alive } of listSlots()) {
    if (alive && all) {
      sweepSlot(n);
      rmSync(ownerFile(n), { force: true });
      swept.push(n);
    } else if (sweepIfOwnerGone(n)) {
      swept.push(n);
    }
  }
  return swept;
}
