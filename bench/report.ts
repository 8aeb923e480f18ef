// Pure formatting of the benchmark's results: per-target tables of the metrics, Lifeboat's ratios to
// restic and kopia, and the targets from the issue (printed, never enforced). MB = 10^6 bytes.
import type { TargetKind, ToolName } from "./peers";

export interface RunMetrics {
  tool: ToolName;
  target: TargetKind;
  /** Bytes of the tar stream each backup read. */
  streamBytes: number;
  backupSeconds: number;
  incrementalSeconds: number;
  restoreSeconds: number;
  repositoryBytes: number;
  /** Peak RSS of the backing-up process, the larger of the initial and the incremental backup. */
  backupPeakRssBytes: number;
  restorePeakRssBytes: number;
  restoreVerified: boolean;
  /** Lifeboat only: the same runs timed inside the engine (without Node's and tsx's start-up). */
  engineBackupSeconds?: number;
  engineIncrementalSeconds?: number;
  engineRestoreSeconds?: number;
}

export type Direction = "higher" | "lower";

export interface Ratio {
  metric: "backup" | "incremental" | "restore" | "size" | "rss";
  peer: "restic" | "kopia";
  target: TargetKind;
  /** backup/restore: Lifeboat MB/s ÷ peer MB/s; incremental: peer s ÷ Lifeboat s (speedup); size, rss: Lifeboat ÷ peer. */
  value: number;
  goal?: { op: ">=" | "<="; value: number };
  met?: boolean;
}

export const MB = 1e6;
export const mbps = (bytes: number, seconds: number) => bytes / MB / seconds;

/** The issue's targets, as ratios (Lifeboat vs the peer); absent means "report only". */
const GOALS: Partial<Record<`${Ratio["metric"]}:${Ratio["peer"]}`, { op: ">=" | "<="; value: number }>> = {
  "backup:restic": { op: ">=", value: 2 },
  "backup:kopia": { op: ">=", value: 1.5 },
  "incremental:restic": { op: ">=", value: 2 },
  "restore:restic": { op: ">=", value: 2 },
  "size:restic": { op: "<=", value: 1.05 },
};

/** Lifeboat's absolute goal: peak RSS of a backup. */
export const RSS_GOAL_BYTES = 300 * MB;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * One run per tool and target from several rounds: the median of each time and of the repository
 * size, the largest peak RSS (a ceiling is a worst case), and verified only if every restore was.
 */
export function medianOfRounds(rounds: RunMetrics[][]): RunMetrics[] {
  const first = rounds[0] ?? [];
  return first.map((run) => {
    const same = rounds.map((round) => round.find((r) => r.tool === run.tool && r.target === run.target)).filter((r): r is RunMetrics => r !== undefined);
    const mid = (pick: (r: RunMetrics) => number | undefined) => {
      const values = same.map(pick).filter((v): v is number => v !== undefined);
      return values.length ? median(values) : undefined;
    };
    return {
      ...run,
      backupSeconds: mid((r) => r.backupSeconds)!,
      incrementalSeconds: mid((r) => r.incrementalSeconds)!,
      restoreSeconds: mid((r) => r.restoreSeconds)!,
      repositoryBytes: mid((r) => r.repositoryBytes)!,
      backupPeakRssBytes: Math.max(...same.map((r) => r.backupPeakRssBytes)),
      restorePeakRssBytes: Math.max(...same.map((r) => r.restorePeakRssBytes)),
      restoreVerified: same.every((r) => r.restoreVerified),
      ...(run.tool === "lifeboat" ? { engineBackupSeconds: mid((r) => r.engineBackupSeconds), engineIncrementalSeconds: mid((r) => r.engineIncrementalSeconds), engineRestoreSeconds: mid((r) => r.engineRestoreSeconds) } : {}),
    };
  });
}

/** Lifeboat's run with its times taken inside the engine, when the child reported them. */
export function engineTimed(run: RunMetrics): RunMetrics {
  return {
    ...run,
    backupSeconds: run.engineBackupSeconds ?? run.backupSeconds,
    incrementalSeconds: run.engineIncrementalSeconds ?? run.incrementalSeconds,
    restoreSeconds: run.engineRestoreSeconds ?? run.restoreSeconds,
  };
}

/**
 * Lifeboat ÷ each peer on the same target. With `engine`, Lifeboat's times are the ones taken
 * inside its engine (the peers' stay the wall time of their commands).
 */
export function ratios(runs: RunMetrics[], opts: { engine?: boolean } = {}): Ratio[] {
  const out: Ratio[] = [];
  for (const wall of runs.filter((r) => r.tool === "lifeboat")) {
    const lb = opts.engine ? engineTimed(wall) : wall;
    for (const peer of runs.filter((r) => r.target === lb.target && r.tool !== "lifeboat")) {
      const p = peer.tool as Ratio["peer"];
      const values: Array<[Ratio["metric"], number]> = [
        ["backup", mbps(lb.streamBytes, lb.backupSeconds) / mbps(peer.streamBytes, peer.backupSeconds)],
        ["incremental", peer.incrementalSeconds / lb.incrementalSeconds],
        ["restore", mbps(lb.streamBytes, lb.restoreSeconds) / mbps(peer.streamBytes, peer.restoreSeconds)],
        ["size", lb.repositoryBytes / peer.repositoryBytes],
        ["rss", lb.backupPeakRssBytes / peer.backupPeakRssBytes],
      ];
      for (const [metric, value] of values) {
        const goal = GOALS[`${metric}:${p}`];
        out.push({ metric, peer: p, target: lb.target, value, ...(goal ? { goal, met: goal.op === ">=" ? value >= goal.value : value <= goal.value } : {}) });
      }
    }
  }
  return out;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd()).join("\n");
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => `${n.toFixed(2)}×`;

const METRICS: Array<{ key?: Ratio["metric"]; label: string; value: (r: RunMetrics) => string }> = [
  { key: "backup", label: "backup MB/s", value: (r) => f1(mbps(r.streamBytes, r.backupSeconds)) },
  { key: "incremental", label: "incremental s (1% changed)", value: (r) => r.incrementalSeconds.toFixed(2) },
  { key: "restore", label: "restore MB/s", value: (r) => f1(mbps(r.streamBytes, r.restoreSeconds)) },
  { key: "size", label: "repository MB", value: (r) => f1(r.repositoryBytes / MB) },
  { key: "rss", label: "backup peak RSS MB", value: (r) => f1(r.backupPeakRssBytes / MB) },
  { label: "restore peak RSS MB", value: (r) => f1(r.restorePeakRssBytes / MB) },
];

const RATIO_HEADINGS: Record<Ratio["metric"], string> = {
  backup: "(speed)",
  incremental: "(speedup)",
  restore: "(speed)",
  size: "(size)",
  rss: "(RSS)",
};

function goalText(r: Ratio | undefined): string {
  if (!r?.goal) return "";
  return `${r.goal.op === ">=" ? "≥" : "≤"}${r.goal.value}× ${r.met ? "met" : "MISSED"}`;
}

/** One table per target: a column per tool, then Lifeboat ÷ each peer with the goal, if any. */
export function formatReport(runs: RunMetrics[]): string {
  const all = ratios(runs);
  const sections: string[] = [];
  for (const target of [...new Set(runs.map((r) => r.target))]) {
    const here = runs.filter((r) => r.target === target);
    const peers = here.filter((r) => r.tool !== "lifeboat").map((r) => r.tool);
    const hasLifeboat = here.some((r) => r.tool === "lifeboat");
    const head = ["", ...here.map((r) => r.tool), ...(hasLifeboat ? peers.flatMap((p) => [`LB/${p}`, "goal"]) : [])];
    const rows = [head];
    for (const m of METRICS) {
      const row = [`${m.label}`, ...here.map(m.value)];
      if (hasLifeboat && m.key) {
        for (const p of peers) {
          const r = all.find((x) => x.target === target && x.peer === p && x.metric === m.key);
          row.push(r ? `${f2(r.value)} ${RATIO_HEADINGS[m.key]}` : "", goalText(r));
        }
      }
      rows.push(row);
    }
    rows.push(["restore verified (sha256)", ...here.map((r) => (r.restoreVerified ? "yes" : "NO"))]);
    const lb = here.find((r) => r.tool === "lifeboat");
    const lines = [`== ${target} ==`, table(rows)];
    if (lb) {
      lines.push(`Lifeboat peak RSS ${f1(lb.backupPeakRssBytes / MB)} MB — goal ≤ ${RSS_GOAL_BYTES / MB} MB: ${lb.backupPeakRssBytes <= RSS_GOAL_BYTES ? "met" : "MISSED"}`);
      if (lb.engineBackupSeconds !== undefined) {
        const eng = engineTimed(lb);
        lines.push(`Lifeboat timed inside the engine (repository open → commit/last byte; no Node/tsx start-up or exit): backup ${f1(mbps(eng.streamBytes, eng.backupSeconds))} MB/s, `
          + `incremental ${eng.incrementalSeconds.toFixed(2)} s, restore ${f1(mbps(eng.streamBytes, eng.restoreSeconds))} MB/s`);
        const engineRatios = ratios(runs, { engine: true }).filter((r) => r.target === target && ["backup", "incremental", "restore"].includes(r.metric));
        for (const p of peers) {
          const text = engineRatios.filter((r) => r.peer === p).map((r) => `${r.metric} ${f2(r.value)}${r.goal ? ` (${goalText(r)})` : ""}`).join(", ");
          lines.push(`  engine-timed Lifeboat ÷ ${p}: ${text}`);
        }
      }
    }
    sections.push(lines.join("\n"));
  }
  return sections.join("\n\n");
}
