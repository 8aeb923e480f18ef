// What a long command shows while it works, on stderr so stdout stays clean for results and
// `-o json`: step lines ("resources: app, db") whenever output is for humans, and one progress line
// redrawn in place with \r only when stderr is a terminal (in a log file the redraws would be noise).
import type { TransferProgress } from "../transfer/progress";
import { formatBytes, formatDuration, formatRate } from "./format";

export interface Reporter {
  /** A step of the job starting, printed on its own line. */
  step(name: string, detail?: string): void;
  /** Byte progress of a transfer, redrawn in place. */
  transfer(label: string, progress: TransferProgress): void;
  /** A count of items done, redrawn in place. */
  count(label: string, done: number, detail?: string): void;
  /** A line that must not be overwritten (a warning while the bar is shown). */
  note(text: string): void;
  /** Clears the progress line. */
  end(): void;
}

interface Sink {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const BAR_WIDTH = 20;

/** The progress line for a transfer. Pure. */
export function transferLine(label: string, p: TransferProgress): string {
  // Before the first byte (objects still being listed) a rate of 0 B/s would only alarm.
  if (p.bytesRead === 0) return `${label}  ${formatDuration(p.elapsedSeconds)} elapsed`;
  const parts = [label];
  if (p.bytesTotal) {
    const fraction = Math.min(1, p.bytesRead / p.bytesTotal);
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${Math.floor(fraction * 100)}%`);
    parts.push(`${formatBytes(p.bytesRead)} / ${formatBytes(p.bytesTotal)}`);
  } else {
    parts.push(formatBytes(p.bytesRead));
  }
  parts.push(formatRate(p.bytesPerSecond));
  parts.push(p.etaSeconds !== undefined ? `ETA ${formatDuration(p.etaSeconds)}` : `${formatDuration(p.elapsedSeconds)} elapsed`);
  return parts.join("  ");
}

export const silentReporter: Reporter = { step() {}, transfer() {}, count() {}, note() {}, end() {} };

export function createReporter(sink: Sink, opts: { steps: boolean }): Reporter {
  if (!opts.steps) return silentReporter;
  const live = sink.isTTY === true;
  let shown = false;
  let lastDraw = 0;
  const clear = () => {
    if (shown) sink.write("\r\x1b[2K");
    shown = false;
  };
  const draw = (line: string) => {
    if (!live) return;
    // Redrawing faster than a terminal refreshes only costs CPU.
    const now = Date.now();
    if (shown && now - lastDraw < 100) return;
    lastDraw = now;
    const width = (sink.columns ?? 100) - 1;
    sink.write(`\r\x1b[2K${line.length > width ? line.slice(0, width) : line}`);
    shown = true;
  };
  return {
    step(name, detail) {
      clear();
      sink.write(`${name}${detail ? `: ${detail}` : ""}\n`);
    },
    transfer: (label, p) => draw(transferLine(label, p)),
    count: (label, done, detail) => draw(`${label}  ${done}${detail ? `  ${detail}` : ""}`),
    note(text) {
      clear();
      sink.write(`${text}\n`);
    },
    end: clear,
  };
}
