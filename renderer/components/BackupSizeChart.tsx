import { useId } from "react";
import type { BackupView } from "../../shared/api";
import { formatBytes, formatTime } from "../format";

const W = 720;
const H = 220;
const PAD = { left: 64, right: 12, top: 12, bottom: 36 };
const MAX_BARS = 40;

/**
 * Backup sizes over time: for each backup its logical size (bytes) and what it added to the
 * location (storedBytes), as grouped bars. Readable without the picture: an aria-label summary on the
 * SVG and a visually hidden table of the same numbers.
 */
export function BackupSizeChart({ backups, label = "Backup sizes" }: { backups: BackupView[]; label?: string }) {
  const titleId = useId();
  const points = [...backups].sort((a, b) => a.time.localeCompare(b.time)).slice(-MAX_BARS);
  if (points.length === 0) return <p>No backups to chart yet.</p>;
  const max = Math.max(1, ...points.flatMap((b) => [b.bytes, b.storedBytes]));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / points.length;
  const barW = Math.max(2, Math.min(18, (slot - 4) / 2));
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const labelEvery = Math.ceil(points.length / 8);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const largest = points.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const summary =
    `${label}: ${points.length} backup${points.length === 1 ? "" : "s"} from ${formatTime(first.time)} to ${formatTime(last.time)}. ` +
    `Largest ${largest.name} at ${formatBytes(largest.bytes)}; latest ${formatBytes(last.bytes)}, of which ${formatBytes(last.storedBytes)} stored.`;

  return (
    <figure className="lb-figure">
      <ul className="lb-legend" aria-hidden="true">
        <li><span className="lb-swatch bar" />Size (bytes backed up)</li>
        <li><span className="lb-swatch bar-stored" />Stored (added to the location)</li>
      </ul>
      <svg className="lb-chart" viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        <title id={titleId}>{summary}</title>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line className="axis" x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} />
            <text x={PAD.left - 6} y={y(max * f) + 4} textAnchor="end">{formatBytes(max * f)}</text>
          </g>
        ))}
        {points.map((b, i) => {
          const x = PAD.left + i * slot + (slot - 2 * barW) / 2;
          return (
            <g key={`${b.location}/${b.id}`}>
              <rect className="bar" x={x} y={y(b.bytes)} width={barW} height={Math.max(0, PAD.top + plotH - y(b.bytes))}>
                <title>{`${b.name}, ${formatTime(b.time)}: ${formatBytes(b.bytes)}`}</title>
              </rect>
              <rect className="bar-stored" x={x + barW} y={y(b.storedBytes)} width={barW} height={Math.max(0, PAD.top + plotH - y(b.storedBytes))}>
                <title>{`${b.name}, ${formatTime(b.time)}: ${formatBytes(b.storedBytes)} stored`}</title>
              </rect>
              {i % labelEvery === 0 && (
                <text x={PAD.left + i * slot + slot / 2} y={H - PAD.bottom + 16} textAnchor="middle">
                  {new Date(b.time).toLocaleDateString(undefined, { month: "short", day: "numeric" })}
                </text>
              )}
            </g>
          );
        })}
        <line className="axis" x1={PAD.left} x2={W - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} />
      </svg>
      <table className="lb-sr-only">
        <caption>{label}, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Backup</th>
            <th scope="col">Time</th>
            <th scope="col">Size</th>
            <th scope="col">Stored</th>
          </tr>
        </thead>
        <tbody>
          {points.map((b) => (
            <tr key={`${b.location}/${b.id}`}>
              <td>{b.name} ({b.location})</td>
              <td>{formatTime(b.time)}</td>
              <td>{formatBytes(b.bytes)}</td>
              <td>{formatBytes(b.storedBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
