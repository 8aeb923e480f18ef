// Chunk boundaries found in a segment as its bytes arrive, and complete chunks grouped into batches
// for the workers. Shared by the engine's stream loop (chunk-stream.ts) and the fd reader thread
// (fd-reader.ts), which fill segments in different ways. Positions are offsets in the segment.
import type { StreamCutter } from "../repo/chunker";

export class SegmentChunks {
  /** Where the current, unfinished chunk starts. */
  chunkStart = 0;
  /** Complete chunks not yet emitted span [batchStart, ends[last]). */
  private batchStart = 0;
  private ends: number[] = [];

  constructor(
    private readonly cutter: StreamCutter,
    private readonly batchBytes: number,
    /** Takes a batch: flat [start, end, …] of consecutive complete chunks. */
    private readonly emit: (ranges: number[]) => void,
  ) {}

  /** A new segment, whose data (the carried unfinished chunk first) starts at `start`. */
  begin(start: number): void {
    this.chunkStart = this.batchStart = start;
    this.ends = [];
  }

  /**
   * The segment `full` is full up to `end`: its unfinished chunk (shorter than the maximum) is copied
   * to the end of `next`'s headroom, so every chunk stays contiguous, and `next` begins there.
   * Returns where `next`'s data starts. Emit first: the batch belongs to the full segment.
   */
  carryInto(full: Uint8Array, end: number, next: Uint8Array, headroom: number): number {
    const start = headroom - (end - this.chunkStart);
    next.set(full.subarray(this.chunkStart, end), start);
    this.begin(start);
    return start;
  }

  /** Cuts `data[from, to)`: bytes that sit at `at` onwards in the segment. */
  scan(data: Uint8Array, from: number, to: number, at: number): void {
    for (let i = from; ; ) {
      const end = this.cutter.next(data, i, to);
      if (end < 0) return;
      this.chunkStart = at + (end - from);
      this.ends.push(this.chunkStart);
      if (this.chunkStart - this.batchStart >= this.batchBytes) this.flush();
      i = end;
    }
  }

  /** Emits the complete chunks found since the last batch, if any. */
  flush(): void {
    if (this.ends.length === 0) return;
    const ranges: number[] = [];
    let from = this.batchStart;
    for (const end of this.ends) {
      ranges.push(from, end);
      from = end;
    }
    this.ends = [];
    this.batchStart = this.chunkStart;
    this.emit(ranges);
  }

  /** The stream ended at `end`: whatever follows the last boundary is its last chunk. */
  finish(end: number): void {
    if (end > this.chunkStart) {
      this.chunkStart = end;
      this.ends.push(end);
    }
    this.flush();
  }
}
