import { useId } from "react";
import type { MigrationRunView } from "../../shared/api";
import { formatDuration, formatTime } from "../format";

export interface RpoPoint {
  endedAt: string;
  ok: boolean;
  /** Age of the destination's recovery point when the run ended, in seconds. */
  ageSeconds: number;
}

/**
 * Each run's recovery point age at its end: a run that succeeded leaves a recovery point
 * endedAt − capturedAt old; one that failed leaves the previous success's, so its age counts the time
 * since that success's capture. Oldest first. Pure.
 */
export function rpoPoints(history: MigrationRunView[]): RpoPoint[] {
  const runs = [...history].sort((a, b) => Date.parse(a.endedAt) - Date.parse(b.endedAt));
  let lastGood: MigrationRunView | undefined;
  return runs.map((run) => {
    const end = Date.parse(run.endedAt);
    const since = run.ok || !lastGood ? Date.parse(run.capturedAt) : Date.parse(lastGood.capturedAt);
    if (run.ok) lastGood = run;
    return { endedAt: run.endedAt, ok: run.ok, ageSeconds: Math.max(0, (end - since) / 1000) };
  });
}

const W = 600;
const H = 170;
const PAD = { left: 56, right: 12, top: 14, bottom: 28 };

/** A bar per migration run (oldest → newest): the recovery point age when it ended, against the RPO target (dashed). */
export function RpoTimelineChart({ history, rpoTargetSeconds, name, max = 40 }: { history: MigrationRunView[]; rpoTargetSeconds?: number; name: string; max?: number }) {
  const titleId = useId();
  const points = rpoPoints(history).slice(-max);
  if (points.length === 0) return <p>No runs yet: the RPO timeline appears after the first run.</p>;
  const failed = points.filter((p) => !p.ok).length;
  const within = rpoTargetSeconds === undefined ? undefined : points.filter((p) => p.ok && p.ageSeconds <= rpoTargetSeconds).length;
  const latest = points[points.length - 1]!;
  const summary = [
    `Recovery point age at the end of each of the last ${points.length} run${points.length === 1 ? "" : "s"} of ${name}`,
    rpoTargetSeconds !== undefined ? `against an RPO target of ${formatDuration(rpoTargetSeconds)}: ${within} within target` : "",
    `${failed} failed`,
    `latest ${formatDuration(latest.ageSeconds)} (${latest.ok ? "succeeded" : "failed"})`,
  ].filter(Boolean).join(", ");

  const top = Math.max(rpoTargetSeconds ?? 0, ...points.map((p) => p.ageSeconds), 1) * 1.15;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const slot = plotW / points.length;
  const barW = Math.max(2, Math.min(28, slot * 0.7));

  return (
    <svg className="lb-chart" viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-labelledby={titleId} preserveAspectRatio="xMidYMid meet" style={{ maxHeight: 220 }}>
      <title id={titleId}>{summary}</title>
      <line className="axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
      <line className="axis" x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={y(0)} />
      <text x={PAD.left - 4} y={y(0)} textAnchor="end" dominantBaseline="middle">0</text>
      <text x={PAD.left - 4} y={PAD.top + 4} textAnchor="end" dominantBaseline="middle">{formatDuration(top)}</text>
      {points.map((p, i) => {
        const x = PAD.left + i * slot + (slot - barW) / 2;
        return (
          <rect key={`${p.endedAt}-${i}`} className={p.ok ? "bar" : "bar-bad"} x={x} y={y(p.ageSeconds)} width={barW} height={Math.max(1, y(0) - y(p.ageSeconds))}>
            <title>{`${formatTime(p.endedAt)}: ${p.ok ? "succeeded" : "failed"}, recovery point ${formatDuration(p.ageSeconds)} old`}</title>
          </rect>
        );
      })}
      {rpoTargetSeconds !== undefined && (
        <>
          <line className="target" x1={PAD.left} x2={W - PAD.right} y1={y(rpoTargetSeconds)} y2={y(rpoTargetSeconds)} />
          <text x={W - PAD.right} y={y(rpoTargetSeconds) - 4} textAnchor="end">{`RPO target ${formatDuration(rpoTargetSeconds)}`}</text>
        </>
      )}
      <text x={PAD.left} y={H - 8}>{formatTime(points[0]!.endedAt)}</text>
      <text x={W - PAD.right} y={H - 8} textAnchor="end">{formatTime(latest.endedAt)}</text>
    </svg>
  );
}
