// `npm run bench`: Lifeboat's data path against restic and kopia on the same tar stream, on a local
// folder and on MinIO. Options (flags, or the env variables in brackets):
//   --size 1GiB                     dataset size [BENCH_SIZE]
//   --targets folder,minio          [BENCH_TARGETS]
//   --tools lifeboat,restic,kopia   [BENCH_TOOLS]
//   --rounds 3                      rounds, each with fresh repositories; figures are medians [BENCH_ROUNDS]
//   --page-reporting off|keep       stop the VM's free page reporting while it runs (see memory.ts) [BENCH_PAGE_REPORTING]
// Prints a table per target and writes bench/results/latest.json. Everything it creates (temp dir,
// MinIO, buckets) is removed at the end, also when it fails or is interrupted.
import { execFileSync, spawn } from "node:child_process";
import { build as esbuild, type BuildOptions } from "esbuild";
import { benchDr, formatDrBench, type DrBenchResult } from "./dr";
import { benchKubernetes, formatKubernetesBench, type KubernetesBenchResult } from "./kubernetes";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { LocationConfig } from "../main/locations";
import { paths } from "../scripts/testenv/pins";
import { ENGINE_EXTERNALS } from "../scripts/engine-externals";
import { THREAD_SCRIPTS } from "../main/transfer/thread-scripts";
import { startMinio, type MinioServer } from "../test/support/objectstores";
import { holdFreedMemory, PAGE_REPORTING_ORDER, touchMemory } from "./memory";
import { generateDataset, GiB, modifyDataset, parseSize, tarDigest } from "./dataset";
import { bucketSize, folderSize, kopia, KOPIA_COMPRESSION, killRunning, measure, onCommandStart, restic, RESTIC, versionOf, type BackupResult, type Measured, type Target, type TargetKind, type ToolName, type ToolRunner } from "./peers";
import { formatReport, mbps, medianOfRounds, ratios, RSS_GOAL_BYTES, type RunMetrics } from "./report";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..");
const TOOLS: ToolName[] = ["lifeboat", "restic", "kopia"];
const TARGETS: TargetKind[] = ["folder", "minio"];
const PASSWORD = "lifeboat-bench-password";

function listOption<T extends string>(value: string | undefined, allowed: T[], what: string): T[] {
  if (!value) return allowed;
  const items = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`unknown ${what} "${item}"; choose from ${allowed.join(", ")}`);
  return allowed.filter((a) => items.includes(a));
}

function options() {
  const { values } = parseArgs({
    options: { size: { type: "string" }, targets: { type: "string" }, tools: { type: "string" }, rounds: { type: "string" }, "page-reporting": { type: "string" } },
    strict: true,
  });
  const rounds = Number(values.rounds ?? process.env.BENCH_ROUNDS ?? "3");
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a whole number ≥ 1, not "${values.rounds ?? process.env.BENCH_ROUNDS}"`);
  const pageReporting = values["page-reporting"] ?? process.env.BENCH_PAGE_REPORTING ?? "off";
  if (pageReporting !== "off" && pageReporting !== "keep") throw new Error(`--page-reporting must be off or keep, not "${pageReporting}"`);
  return {
    rounds,
    pageReporting,
    size: parseSize(values.size ?? process.env.BENCH_SIZE ?? "1GiB"),
    targets: listOption(values.targets ?? process.env.BENCH_TARGETS, TARGETS, "target"),
    tools: listOption(values.tools ?? process.env.BENCH_TOOLS, TOOLS, "tool"),
  };
}

/**
 * Lifeboat is measured as it ships: bundled JavaScript (like the Electron build), not TypeScript
 * compiled on the fly by tsx, which would add start-up time and a larger heap the peers do not pay.
 * The bundle lives in bench/.build so the native modules resolve from node_modules. It is split at
 * the engine's dynamic imports, as a one-shot command should ship: a folder backup does not parse
 * the AWS and Azure SDKs (3 MB of the 3.9 MB bundle; V8 took 0.15-0.2 s to compile it at every start).
 */
const buildDir = join(here, ".build");
const childBundle = join(buildDir, "lifeboat-child.mjs");

async function buildLifeboatChild(): Promise<void> {
  const common: BuildOptions = { bundle: true, platform: "node", target: "node20", format: "esm", external: ENGINE_EXTERNALS, logLevel: "warning",
    banner: { js: "import { createRequire as __lbRequire } from 'node:module'; const require = __lbRequire(import.meta.url);" } };
  rmSync(buildDir, { recursive: true, force: true });
  await esbuild({ ...common, entryPoints: { "lifeboat-child": join(here, "lifeboat-child.ts") }, outdir: buildDir, splitting: true, outExtension: { ".js": ".mjs" }, chunkNames: "chunk-[hash]" });
  // The engine loads its thread scripts from beside the bundle (main/transfer/pool.ts, workerEntry).
  for (const [source, bundle] of Object.entries(THREAD_SCRIPTS)) {
    await esbuild({ ...common, entryPoints: [join(repoRoot, "main", "transfer", `${source}.ts`)], outfile: join(buildDir, `${bundle}.mjs`) });
  }
}

/** Lifeboat through bench/lifeboat-child.ts, measured exactly like the peers (see peers.ts, measure). */
function lifeboat(target: Target, home: string): ToolRunner {
  mkdirSync(home, { recursive: true });
  const location: LocationConfig = target.kind === "folder"
    ? { kind: "folder", path: target.path }
    : { kind: "s3", endpoint: target.endpoint, region: target.region, bucket: target.bucket, accessKeyId: target.accessKey, secretAccessKey: target.secretKey };
  let calls = 0;
  const child = async (mode: string, arg: string[], extra: { hashStdout?: boolean; tarFrom?: string }) => {
    const resultFile = join(home, `result-${calls++}.json`);
    const run = await measure({
      argv: [process.execPath, childBundle, mode, JSON.stringify(location), ...arg],
      env: { LB_BENCH_PASSWORD: PASSWORD, LB_BENCH_RESULT: resultFile },
      verifyEnv: { LB_BENCH_RESULT: "/dev/null" }, // the timed run's result stays
      cwd: repoRoot,
      scratch: home,
      label: `lifeboat-${mode}`,
      ...extra,
    });
    const result = JSON.parse(readFileSync(resultFile, "utf8")) as { seconds?: number; snapshot?: string; newBytes?: number; maxRssBytes: number };
    return { run, result };
  };
  return {
    tool: "lifeboat",
    target,
    async init() {
      await child("init", [], {});
    },
    async backup(datasetDir): Promise<BackupResult> {
      // The tar stream on stdin, from the same pipeline as the peers'.
      const { run, result } = await child("backup", ["-"], { tarFrom: datasetDir });
      return { ...run, snapshot: result.snapshot!, newBytes: result.newBytes, engineSeconds: result.seconds, selfReportedPeakRssBytes: result.maxRssBytes };
    },
    async restore(snapshot): Promise<LifeboatMeasured> {
      const { run, result } = await child("restore", [snapshot], { hashStdout: true });
      return { ...run, engineSeconds: result.seconds, selfReportedPeakRssBytes: result.maxRssBytes };
    },
    repositorySize: () => (target.kind === "folder" ? folderSize(target.path, home) : bucketSize(target)),
  };
}

async function createBucket(minio: MinioServer, bucket: string): Promise<void> {
  const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
}

/**
 * A watcher that outlives this process: once it is gone, however it ended, kills the measured
 * commands still running and removes the benchmark's directories. Needed because `tsx` answers a
 * Ctrl-C its child does not acknowledge within 30 ms with SIGKILL, which no handler here can catch.
 * It acts on what the list file names: `group <pgid>` (killed only while its command line still
 * names our temp dir, so a reused id is never touched), `path <dir>` and `write <value> <file>` (a
 * kernel setting put back). After a normal cleanup the list is gone and the watcher just exits.
 */
function startReaper(tmp: string): { add(kind: "group" | "path" | "write", value: string | number): void; done(): void } {
  const list = `${tmp}.cleanup`;
  writeFileSync(list, `path ${tmp}\n`);
  const script = [
    `while kill -0 "$1" 2>/dev/null; do sleep 1; done`,
    `[ -f "$2" ] || exit 0`,
    `for g in $(sed -n 's/^group //p' "$2"); do grep -qaF -- "$3" /proc/"$g"/cmdline 2>/dev/null && kill -KILL -- -"$g" 2>/dev/null; done`,
    `sed -n 's/^path //p' "$2" | while IFS= read -r p; do rm -rf -- "$p"; done`,
    `sed -n 's/^write //p' "$2" | while read -r v f; do echo "$v" > "$f"; done`,
    `rm -f -- "$2"`,
  ].join("\n");
  spawn("bash", ["-c", script, "lifeboat-bench-reaper", String(process.pid), list, tmp], { detached: true, stdio: "ignore" }).unref();
  return {
    add: (kind, value) => appendFileSync(list, `${kind} ${value}\n`),
    done: () => rmSync(list, { force: true }),
  };
}

/** Memory touched once when free page reporting is stopped: about what a round's steps allocate, never more than a quarter of what is free. */
const WARM_BYTES = Math.min(4 * GiB, Math.floor(freemem() / 4));
const WARM_GIB = `${(WARM_BYTES / GiB).toFixed(1)} GiB`;

const load = () => loadavg().map((n) => Math.round(n * 100) / 100);
const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** Flushes the previous step's writes, so they do not land in the next measurement. */
const settle = () => execFileSync("sync");

/**
 * Empties the page cache before a restore (root only), so every tool reads its repository from disk,
 * as a restore does days after its backup. Left as it was, the cache would hold whatever each tool's
 * backup left there: all of restic's and kopia's repository, none of Lifeboat's packs (written
 * around the cache on a local disk) — a difference in caching, not in restoring. False when it cannot.
 */
function dropPageCache(): boolean {
  settle();
  try {
    writeFileSync("/proc/sys/vm/drop_caches", "1");
    return true;
  } catch {
    return false;
  }
}

/** Reads the dataset into the page cache, so each tool's backup reads it from memory after a restore emptied the cache. */
function warmDataset(dir: string): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) readFileSync(join(entry.parentPath, entry.name));
  }
}

/** Lifeboat's child also reports its own timing (inside the engine) and process.resourceUsage().maxRSS. */
type LifeboatMeasured = Measured & { engineSeconds?: number; selfReportedPeakRssBytes?: number };

interface Phase {
  seconds: number;
  mbps: number;
  peakRssBytes: number;
  loadavgBefore: number[];
  engineSeconds?: number;
  selfReportedPeakRssBytes?: number;
  newBytes?: number;
}

function phase(bytes: number, m: LifeboatMeasured & { newBytes?: number }, before: number[]): Phase {
  const { engineSeconds, selfReportedPeakRssBytes, newBytes } = m;
  return {
    seconds: m.seconds, mbps: mbps(bytes, m.seconds), peakRssBytes: m.peakRssBytes, loadavgBefore: before,
    ...(engineSeconds !== undefined ? { engineSeconds } : {}),
    ...(selfReportedPeakRssBytes !== undefined ? { selfReportedPeakRssBytes } : {}),
    ...(newBytes !== undefined ? { newBytes } : {}),
  };
}

async function main(): Promise<void> {
  const opts = options();
  // The AWS SDK warns that releases after January 2027 need Node 22; noise in a benchmark's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const startedAt = new Date().toISOString();
  const loadStart = load();
  log(`lifeboat bench: ${opts.size / GiB} GiB, targets ${opts.targets.join(",")}, tools ${opts.tools.join(",")}; load average ${loadStart.join(" ")} (${cpus().length} CPUs)`);

  const kopiaBin = paths.bin("kopia");
  const required: Array<[string, boolean]> = [
    ["/usr/bin/time", true],
    [RESTIC, opts.tools.includes("restic")],
    [kopiaBin, opts.tools.includes("kopia")],
    [paths.bin("minio"), opts.targets.includes("minio")],
  ];
  const missing = required.filter(([path, needed]) => needed && !existsSync(path)).map(([path]) => path);
  if (missing.length) throw new Error(`missing ${missing.join(", ")} (restic and /usr/bin/time come from Debian; kopia and minio from \`npm run testenv -- ensure\`)`);
  const versions = {
    node: process.version,
    tar: await versionOf(["tar", "--version"]),
    ...(opts.tools.includes("restic") ? { restic: await versionOf([RESTIC, "version"]) } : {}),
    ...(opts.tools.includes("kopia") ? { kopia: await versionOf([kopiaBin, "--version"]) } : {}),
  };

  if (opts.tools.includes("lifeboat")) await buildLifeboatChild();
  const tmp = mkdtempSync(join(tmpdir(), "lifeboat-bench-"));
  const reaper = startReaper(tmp);
  onCommandStart((pgid) => reaper.add("group", pgid));
  const memoryHold = opts.pageReporting === "off" ? holdFreedMemory() : undefined;
  if (memoryHold) {
    reaper.add("write", `${memoryHold.original} ${PAGE_REPORTING_ORDER}`);
    log(`free page reporting stopped (page_reporting_order ${memoryHold.original} → ${memoryHold.held}) until the end; touching ${WARM_GIB} once`);
    touchMemory(WARM_BYTES);
  }
  let minio: MinioServer | undefined;
  let cleaning: Promise<void> | undefined;
  // One cleanup, whoever asks first (the end of main, a failure, a signal); everyone waits for it.
  const cleanup = () => (cleaning ??= (async () => {
    killRunning();
    await minio?.destroy().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    memoryHold?.release();
    reaper.done();
  })());
  const onSignal = (signal: NodeJS.Signals) => {
    if (!cleaning) log(`${signal}: stopping and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    log(`generating the dataset in ${tmp}/data`);
    const data = await generateDataset(join(tmp, "data"), opts.size);
    const original = await tarDigest(data.dir);
    log(`dataset: ${data.files.length} files, tar stream ${original.bytes} bytes, sha256 ${original.sha256.slice(0, 16)}…`);

    if (opts.targets.includes("minio")) {
      minio = await startMinio();
      reaper.add("path", dirname(minio.dataDir));
      log(`MinIO at ${minio.endpoint}`);
    }

    /** Fresh repositories for every tool on every target, for one round; the tools take turns going first. */
    const runnersFor = async (round: number): Promise<ToolRunner[]> => {
      const runners: ToolRunner[] = [];
      const order = opts.tools.map((_, i) => opts.tools[(i + round) % opts.tools.length]!);
      for (const kind of opts.targets) {
        for (const tool of order) {
          const home = join(tmp, "homes", `${round}-${kind}-${tool}`);
          let target: Target;
          if (kind === "folder") {
            const path = join(tmp, "repos", `${round}-${tool}`);
            mkdirSync(path, { recursive: true });
            target = { kind, path };
          } else {
            const bucket = `bench-${round}-${tool}`;
            await createBucket(minio!, bucket);
            target = { kind, endpoint: minio!.endpoint, region: minio!.region, bucket, accessKey: minio!.accessKey, secretKey: minio!.secretKey };
          }
          runners.push(tool === "lifeboat" ? lifeboat(target, home) : tool === "restic" ? restic(target, home) : kopia(kopiaBin, target, home));
        }
      }
      return runners;
    };

    // Every round: phase 1, every tool's first backup of the data; phase 2, after 1% of the data
    // changed, every tool's incremental backup, a restore of it, and the repository's size. The
    // machine's speed varies from minute to minute (by 15% for the same run here), so the report
    // takes each figure's median over the rounds.
    /** Whether every timed restore started with the page cache emptied (see dropPageCache). */
    let coldRestores = true;
    const rounds: RunMetrics[][] = [];
    const detail: unknown[] = [];
    const changes: unknown[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      if (opts.rounds > 1) log(`round ${round + 1} of ${opts.rounds}`);
      const runners = await runnersFor(round);
      const initial = round === 0 ? original : await tarDigest(data.dir);
      const first = new Map<ToolRunner, { result: BackupResult; phase: Phase }>();
      for (const r of runners) {
        log(`${r.tool} on ${r.target.kind}: init, backup`);
        await r.init();
        settle();
        const before = load();
        const result = await r.backup(data.dir);
        first.set(r, { result, phase: phase(initial.bytes, result, before) });
        log(`  backup ${result.seconds.toFixed(2)} s (${mbps(initial.bytes, result.seconds).toFixed(1)} MB/s), peak RSS ${(result.peakRssBytes / 1e6).toFixed(0)} MB`);
      }

      const change = await modifyDataset(data, 0.01, round === 0 ? undefined : `lifeboat-bench:change:${round}`);
      const changed = await tarDigest(data.dir);
      changes.push({ ...change, tarBytes: changed.bytes, tarSha256: changed.sha256 });
      log(`changed ${change.bytes} bytes (${((100 * change.bytes) / initial.bytes).toFixed(2)}%) in ${change.regions} regions of ${change.files} files; tar stream ${changed.bytes} bytes`);

      const runs: RunMetrics[] = [];
      for (const r of runners) {
        log(`${r.tool} on ${r.target.kind}: incremental backup, restore`);
        warmDataset(data.dir);
        settle();
        const beforeInc = load();
        const inc = await r.backup(data.dir);
        log(`  incremental ${inc.seconds.toFixed(2)} s, peak RSS ${(inc.peakRssBytes / 1e6).toFixed(0)} MB`);
        coldRestores = dropPageCache() && coldRestores;
        const beforeRestore = load();
        const restored: LifeboatMeasured = await r.restore(inc.snapshot);
        const verified = restored.sha256 === changed.sha256;
        log(`  restore ${restored.seconds.toFixed(2)} s (${mbps(changed.bytes, restored.seconds).toFixed(1)} MB/s), ${verified ? "sha256 matches the tar" : "SHA-256 MISMATCH"}`);
        const size = await r.repositorySize();
        const b1 = first.get(r)!;
        runs.push({
          tool: r.tool,
          target: r.target.kind,
          streamBytes: initial.bytes,
          backupSeconds: b1.result.seconds,
          incrementalSeconds: inc.seconds,
          restoreSeconds: restored.seconds,
          repositoryBytes: size.bytes,
          backupPeakRssBytes: Math.max(b1.result.peakRssBytes, inc.peakRssBytes),
          restorePeakRssBytes: restored.peakRssBytes,
          restoreVerified: verified,
          ...(r.tool === "lifeboat" ? { engineBackupSeconds: b1.result.engineSeconds, engineIncrementalSeconds: inc.engineSeconds, engineRestoreSeconds: restored.engineSeconds } : {}),
        });
        detail.push({
          round,
          tool: r.tool,
          target: r.target.kind,
          backup: b1.phase,
          incremental: phase(changed.bytes, inc, beforeInc),
          restore: { ...phase(changed.bytes, restored, beforeRestore), sha256: restored.sha256, bytes: verified ? changed.bytes : undefined, verified },
          repository: size,
        });
      }
      rounds.push(runs);
    }
    const runs = medianOfRounds(rounds);

    const loadEnd = load();
    const report = formatReport(runs);
    const notes = [
      ...(opts.rounds > 1 ? [`Each figure is the median of ${opts.rounds} rounds (peak RSS: the largest); every round has fresh repositories, its own 1% change, and a different tool going first. Every round's figures are in the JSON.`] : []),
      `MB = 10^6 bytes. backup MB/s = tar stream bytes ÷ wall seconds of the whole pipeline \`tar | tool\` (tar included; for Lifeboat also Node's start-up; Lifeboat runs bundled, as it ships).`,
      `restore MB/s: the stream written to /dev/null, the same for every tool; a second, untimed restore piped into OpenSSL checks its SHA-256. ${coldRestores ? "Each timed restore starts with the page cache emptied (sync; drop_caches), so every tool reads its repository from disk (MinIO: MinIO reads from disk)." : "The page cache could NOT be emptied before restores (not root): each tool restored from whatever its backup left cached."}`,
      `Peak RSS: GNU time's %M (the kernel's ru_maxrss) of the tool's process; Lifeboat runs in a child Node process (worker threads included).`,
      `Repository size: bytes of the repository's files (folder) or objects (MinIO) after both backups.`,
      `kopia: policy --global --compression=${KOPIA_COMPRESSION}, automatic maintenance off; restic: repository v2 (compression auto); Lifeboat: zstd level 1.`,
      memoryHold
        ? `Free page reporting (the VM handing freed memory to its host, after which first touches cost 300-600 MB/s) was stopped for the run and ${WARM_GIB} touched once (--page-reporting keep leaves it on; see bench/memory.ts).`
        : `Free page reporting: ${opts.pageReporting === "keep" ? "left as it is (--page-reporting keep)" : "not present or not changeable here"}.`,
      `Load average (1, 5, 15 min): ${loadStart.join(" ")} at start, ${loadEnd.join(" ")} at the end, on ${cpus().length} CPUs.`,
    ];
    console.log(`\n${report}\n\n${notes.join("\n")}`);
    if (runs.some((r) => !r.restoreVerified)) process.exitCode = 1;

    // Kubernetes resources: backup and restore of a namespace of 5,000 objects (BENCH_K8S=0 skips it).
    let kubernetes: KubernetesBenchResult | undefined;
    if (opts.tools.includes("lifeboat") && process.env.BENCH_K8S !== "0") {
      log("kubernetes: a namespace of 5,000 objects on a real API server");
      kubernetes = await benchKubernetes(tmp);
      console.log(`\n${formatKubernetesBench(kubernetes)}`);
      if (kubernetes.restored.failed > 0) process.exitCode = 1;
    }

    // DR: RPO under a 1-minute policy with 1% of the data changing per minute, activation RTO (BENCH_DR=0 skips it).
    let dr: DrBenchResult | undefined;
    if (opts.tools.includes("lifeboat") && process.env.BENCH_DR !== "0") {
      log("dr: a 20-object application replicated on a 1-minute policy between two real clusters");
      dr = await benchDr();
      console.log(`\n${formatDrBench(dr)}`);
    }

    const resultsDir = join(here, "results");
    mkdirSync(resultsDir, { recursive: true });
    const json = {
      startedAt,
      finishedAt: new Date().toISOString(),
      options: { sizeBytes: opts.size, targets: opts.targets, tools: opts.tools, rounds: opts.rounds, pageReporting: opts.pageReporting },
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), loadavgStart: loadStart, loadavgEnd: loadEnd },
      versions,
      dataset: { files: data.files.length, bytes: data.bytes, tarBytes: original.bytes, tarSha256: original.sha256, changes },
      settings: {
        restic: "init --repository-version 2 (compression auto); backup --stdin --stdin-filename data.tar; dump <snapshot> /data.tar; --cache-dir per repository",
        kopia: `policy set --global --compression=${KOPIA_COMPRESSION}; maintenance set --enable-quick=false --enable-full=false; snapshot create --stdin-file=data.tar -; show <root>/data.tar; --config-file, --cache-directory, --log-dir per repository`,
        lifeboat: "Repository.init defaults (zstd level 1, 32 MiB packs); backupStream of tar's stdout; restoreStream to stdout; in a child process",
        peakRss: "GNU /usr/bin/time -f %M around the tool's process (ru_maxrss)",
        pageReporting: memoryHold ? `stopped (page_reporting_order ${memoryHold.original} → ${memoryHold.held}), ${WARM_GIB} touched once` : opts.pageReporting === "keep" ? "kept" : "absent or not changeable",
        restorePageCache: coldRestores ? "emptied (sync; drop_caches) before each timed restore" : "not emptied (not root): as each tool's backup left it",
        rssGoalBytes: RSS_GOAL_BYTES,
      },
      runs,
      rounds,
      ratios: ratios(runs),
      engineTimedRatios: ratios(runs, { engine: true }),
      detail,
      report,
      kubernetes,
      dr,
    };
    writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify(json, null, 2)}\n`);
    log(`wrote ${join(resultsDir, "latest.json")}`);
  } finally {
    await cleanup();
  }
}

try {
  await main();
} catch (err) {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
