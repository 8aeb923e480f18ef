// Content-defined chunking, FastCDC with a 32-bit gear hash and normalized chunking
// (Xia et al., USENIX ATC 2016). Boundaries depend only on the bytes around them, so an insertion
// or deletion changes only the chunks it touches and the rest of the stream deduplicates.
import { createHmac } from "node:crypto";

export const CHUNKER_NAME = "fastcdc-gear32-v1";

export interface ChunkerParams {
  min: number;
  avg: number;
  max: number;
}

export const DEFAULT_CHUNKER: ChunkerParams = { min: 512 * 1024, avg: 1024 * 1024, max: 8 * 1024 * 1024 };

export interface Chunker {
  params: ChunkerParams;
  /**
   * Where the chunk starting at `start` ends, scanning `buf[start, end)`. Returns -1 when the chunk
   * may continue past `end` and more data is needed; with `final`, the data ends at `end`.
   */
  cut(buf: Uint8Array, start: number, end: number, final: boolean): number;
  /**
   * The same cut, reading `src` only by copying the bytes it scans into `window`, one window-full at
   * a time. For memory that is slow to scan in place (a SharedArrayBuffer, in V8's optimized code):
   * the bytes a chunk's minimum skips are never copied, and the copy stays small and cache-hot.
   */
  cutWindowed(src: Uint8Array, start: number, end: number, final: boolean, window: Uint8Array): number;
}

/** The 256-entry gear table, derived from the repository's secret seed. */
export function gearTable(seed: Uint8Array): Uint32Array {
  const table = new Uint32Array(256);
  for (let block = 0; block < 32; block++) {
    const bytes = createHmac("sha256", seed).update(`gear-${block}`).digest();
    for (let i = 0; i < 8; i++) table[block * 8 + i] = bytes.readUInt32LE(i * 4);
  }
  return table;
}

/** A mask of the `bits` highest bits: the gear hash's top bits depend on the last 32 bytes. */
function topBits(bits: number): number {
  return ~((1 << (32 - bits)) - 1) | 0;
}

export function validateChunkerParams(p: ChunkerParams): void {
  const pow2 = (n: number) => Number.isInteger(Math.log2(n));
  if (!(p.min > 0 && p.min < p.avg && p.avg < p.max) || !pow2(p.avg) || p.avg < 256) {
    throw new Error(`invalid chunker parameters ${JSON.stringify(p)}: need 0 < min < avg < max and avg a power of two ≥ 256`);
  }
}

export function createChunker(seed: Uint8Array, params: ChunkerParams = DEFAULT_CHUNKER): Chunker {
  validateChunkerParams(params);
  // The same bits as signed integers: the sum below wraps to 32 bits either way, and int32 loads
  // keep V8's arithmetic in integer registers.
  const gear = new Int32Array(gearTable(seed).buffer);
  const bits = Math.log2(params.avg);
  // Normalized chunking: a stricter mask before the average size, a looser one after it, which
  // concentrates chunk sizes around the average.
  const maskStrict = topBits(bits);
  const maskLoose = topBits(bits - 2);
  const { min, avg, max } = params;

  return {
    params,
    cut(buf, start, end, final) {
      const available = end - start;
      if (available <= min) return final ? end : -1;
      const stop = Math.min(end, start + max);
      const normal = Math.min(stop, start + avg);
      let h = 0;
      let i = start + min;
      for (; i < normal; i++) {
        h = ((h << 1) + gear[buf[i]!]!) | 0;
        if ((h & maskStrict) === 0) return i + 1;
      }
      for (; i < stop; i++) {
        h = ((h << 1) + gear[buf[i]!]!) | 0;
        if ((h & maskLoose) === 0) return i + 1;
      }
      if (stop === start + max) return stop; // maximum size reached
      return final ? end : -1;
    },
    cutWindowed(src, start, end, final, window) {
      const available = end - start;
      if (available <= min) return final ? end : -1;
      const stop = Math.min(end, start + max);
      const normal = Math.min(stop, start + avg);
      let h = 0;
      for (let from = start + min; from < stop; from += window.length) {
        const to = Math.min(stop, from + window.length);
        window.set(src.subarray(from, to));
        // i runs over window positions; the stream position is from + i.
        const strictTo = Math.max(0, Math.min(normal, to) - from);
        const n = to - from;
        // Locals and a loop unrolled by four: measured at 1.3–1.7 GB/s in a worker in every run, where
        // the plain loop ran at either about 550 or about 950 MB/s depending on how V8 compiled it.
        const g = gear;
        const w = window;
        let i = 0;
        let mask = maskStrict;
        for (let limit = strictTo; ; limit = n, mask = maskLoose) {
          for (; i + 4 <= limit; i += 4) {
            h = ((h << 1) + g[w[i]!]!) | 0;
            if ((h & mask) === 0) return from + i + 1;
            h = ((h << 1) + g[w[i + 1]!]!) | 0;
            if ((h & mask) === 0) return from + i + 2;
            h = ((h << 1) + g[w[i + 2]!]!) | 0;
            if ((h & mask) === 0) return from + i + 3;
            h = ((h << 1) + g[w[i + 3]!]!) | 0;
            if ((h & mask) === 0) return from + i + 4;
          }
          for (; i < limit; i++) {
            h = ((h << 1) + g[w[i]!]!) | 0;
            if ((h & mask) === 0) return from + i + 1;
          }
          if (limit === n) break;
        }
      }
      if (stop === start + max) return stop; // maximum size reached
      return final ? end : -1;
    },
  };
}

/** Cuts a whole buffer into chunks; returns the end offset of each chunk (for tests and tools). */
export function chunkAll(chunker: Chunker, data: Uint8Array): number[] {
  const ends: number[] = [];
  let start = 0;
  while (start < data.length) {
    const end = chunker.cut(data, start, data.length, true);
    ends.push(end);
    start = end;
  }
  return ends;
}
