// Lifeboat's data path in a process of its own, so the benchmark measures its peak RSS (worker
// threads included: they live in this process) the same way as restic's and kopia's, untouched by
// the driver. Run by bench/run.ts as:
//   node --import tsx bench/lifeboat-child.ts init    <location JSON>
//   node --import tsx bench/lifeboat-child.ts backup  <location JSON> -   (a tar on stdin)
//   node --import tsx bench/lifeboat-child.ts restore <location JSON> <snapshot id>   (the stream to stdout)
// Password in LB_BENCH_PASSWORD; a JSON result line is written to the file named by LB_BENCH_RESULT.
// Diagnostics on stderr: LB_BENCH_THREADS=1 (CPU time of each thread), LB_BENCH_MEM=1 (memory at the
// peak), LB_BENCH_PHASES=1 (where a backup's or a restore's time went).
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { openLocation, parseLocationConfig } from "../main/locations";
import { Repository } from "../main/repo/repository";
import { BackupSession } from "../main/transfer/backup";
import { closeTransferPool } from "../main/transfer/pool";
import { restoreChunks } from "../main/transfer/restore";

const [mode, locationJson, arg] = process.argv.slice(2);
const password = process.env.LB_BENCH_PASSWORD;
const resultFile = process.env.LB_BENCH_RESULT;
if (!mode || !locationJson || !password || !resultFile) {
  throw new Error("usage: lifeboat-child.ts init|backup|restore <location JSON> [- (backup: a tar on stdin) | snapshot id], with LB_BENCH_PASSWORD and LB_BENCH_RESULT set");
}
// LB_BENCH_MEM=1: the engine thread's memory figures at the moment of the peak RSS.
if (process.env.LB_BENCH_MEM) {
  const peak: Record<string, number> = {};
  const timer = setInterval(() => {
    const m = process.memoryUsage() as unknown as Record<string, number>;
    if (m.rss! > (peak.rss ?? 0)) Object.assign(peak, m);
  }, 20);
  timer.unref();
  process.on("exit", () => console.error("at peak rss (MB):", Object.entries(peak).map(([k, v]) => `${k} ${(v / 1e6).toFixed(0)}`).join(", ")));
}
const location = openLocation(parseLocationConfig(JSON.parse(locationJson)));

/** CPU seconds of each thread of this process (LB_BENCH_THREADS=1): where the time went. */
function threadTimes(): string {
  const hz = 100; // USER_HZ: /proc reports clock ticks
  return readdirSync("/proc/self/task").map((t) => {
    const stat = readFileSync(`/proc/self/task/${t}/stat`, "utf8");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { comm, u: +f[11]! / hz, s: +f[12]! / hz };
  }).filter((x) => x.u + x.s > 0.05).map((x) => `${x.comm} u${x.u.toFixed(2)} s${x.s.toFixed(2)}`).join(" | ");
}

function finish(result: Record<string, unknown>): void {
  if (process.env.LB_BENCH_THREADS) console.error(threadTimes());
  // maxRSS is in KiB; the same kernel counter GNU time reports for the process.
  writeFileSync(resultFile!, `${JSON.stringify({ ...result, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

async function backup(): Promise<void> {
  const started = performance.now();
  const repo = await Repository.open(location, password!);
  const opened = performance.now();
  const session = await BackupSession.start(repo, { tags: { backup: "bench" } });
  const started2 = performance.now();
  // The tar on stdin is read from its file descriptor, as restic and kopia read it.
  await session.addStream("data.tar", { fd: 0 });
  const streamed = performance.now();
  const snap = await session.commit();
  if (process.env.LB_BENCH_PHASES) console.error(`open ${(opened - started).toFixed(0)} ms, session ${(started2 - opened).toFixed(0)} ms, stream ${(streamed - started2).toFixed(0)} ms, commit ${(performance.now() - streamed).toFixed(0)} ms`);
  const seconds = (performance.now() - started) / 1000;
  finish({ snapshot: snap.id, seconds, bytes: snap.streams[0]!.size, newBytes: snap.summary.newBytes, storedBytes: snap.summary.storedBytes });
}

async function restore(snapshotId: string): Promise<void> {
  const started = performance.now();
  const repo = await Repository.open(location, password!);
  const opened = performance.now();
  const snap = await repo.readSnapshot(snapshotId);
  const stream = snap.streams.find((s) => s.name === "data.tar");
  if (!stream) throw new Error(`snapshot ${snapshotId} has no stream data.tar`);
  const read = performance.now();
  let first: number | undefined;
  // Each piece is written out before the next is asked for, so the restore may reuse its memory.
  for await (const piece of restoreChunks(repo, stream, { transient: true })) {
    first ??= performance.now();
    await new Promise<void>((resolve, reject) => process.stdout.write(piece, (err) => (err ? reject(err) : resolve())));
  }
  if (process.env.LB_BENCH_PHASES) console.error(`loaded ${started.toFixed(0)} ms, open ${(opened - started).toFixed(0)} ms, snapshot ${(read - opened).toFixed(0)} ms, first byte ${((first ?? read) - read).toFixed(0)} ms, stream ${(performance.now() - (first ?? read)).toFixed(0)} ms`);
  finish({ seconds: (performance.now() - started) / 1000, bytes: stream.size });
}

try {
  if (mode === "init") {
    await Repository.init(location, password);
    finish({});
  } else if (mode === "backup" && arg === "-") {
    await backup();
  } else if (mode === "restore" && arg) {
    await restore(arg);
  } else {
    throw new Error(`unknown mode "${mode}" or a wrong argument`);
  }
} finally {
  await closeTransferPool();
}
