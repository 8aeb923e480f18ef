// Transfer progress: counters the pipeline bumps, and the rates and ETA derived from them over a
// sliding window (a whole-run average hides a stall; the last few seconds show it).

export interface TransferProgress {
  /** Bytes read from the source streams. */
  bytesRead: number;
  /** Bytes of chunks the repository did not have yet (before compression). */
  bytesNew: number;
  /** Bytes uploaded to the location (packs, compressed and encrypted). */
  bytesUploaded: number;
  chunks: number;
  newChunks: number;
  packs: number;
  /** Total bytes expected, when the sources' sizes are known. */
  bytesTotal?: number;
  /** Read rate over the last few seconds, bytes per second. */
  bytesPerSecond: number;
  /** Seconds left at the current rate, when bytesTotal is known. */
  etaSeconds?: number;
  elapsedSeconds: number;
}

interface Sample {
  at: number;
  bytesRead: number;
}

const WINDOW_MS = 5000;

export class ProgressMeter {
  bytesRead = 0;
  bytesNew = 0;
  bytesUploaded = 0;
  chunks = 0;
  newChunks = 0;
  packs = 0;
  bytesTotal: number | undefined;
  private readonly started: number;
  private samples: Sample[] = [];

  constructor(private readonly now: () => number = Date.now) {
    this.started = now();
    this.samples.push({ at: this.started, bytesRead: 0 });
  }

  snapshot(): TransferProgress {
    const at = this.now();
    this.samples.push({ at, bytesRead: this.bytesRead });
    this.samples = this.samples.filter((s) => at - s.at <= WINDOW_MS || s === this.samples[this.samples.length - 1]);
    const oldest = this.samples[0]!;
    const span = (at - oldest.at) / 1000;
    const bytesPerSecond = span > 0 ? (this.bytesRead - oldest.bytesRead) / span : 0;
    const remaining = this.bytesTotal !== undefined ? Math.max(0, this.bytesTotal - this.bytesRead) : undefined;
    return {
      bytesRead: this.bytesRead,
      bytesNew: this.bytesNew,
      bytesUploaded: this.bytesUploaded,
      chunks: this.chunks,
      newChunks: this.newChunks,
      packs: this.packs,
      bytesTotal: this.bytesTotal,
      bytesPerSecond,
      etaSeconds: remaining !== undefined && bytesPerSecond > 0 ? remaining / bytesPerSecond : undefined,
      elapsedSeconds: (at - this.started) / 1000,
    };
  }
}

/** Calls `report` at most every `intervalMs` while running, and once more at stop. */
export function throttledReporter(meter: ProgressMeter, report: ((p: TransferProgress) => void) | undefined, intervalMs = 250): { stop(): void } {
  if (!report) return { stop() {} };
  const timer = setInterval(() => report(meter.snapshot()), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      report(meter.snapshot());
    },
  };
}
