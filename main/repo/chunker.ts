// Content-defined chunking, FastCDC with a 32-bit gear hash and normalized chunking
// (Xia et al., USENIX ATC 2016). Boundaries depend only on the bytes around them, so an insertion
// or deletion changes only the chunks it touches and the rest of the stream deduplicates.
import { createHmac } from "node:crypto";

export const CHUNKER_NAME = "fastcdc-gear32-v1";

/** Word loads below read bytes in memory order only on little-endian machines (all Lifeboat targets). */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

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

/** What both cutters derive from the seed and parameters (validated). */
function cutterSetup(seed: Uint8Array, params: ChunkerParams) {
  validateChunkerParams(params);
  const bits = Math.log2(params.avg);
  return {
    // The same bits as signed integers: the sum wraps to 32 bits either way, and int32 loads keep
    // V8's arithmetic in integer registers.
    gear: new Int32Array(gearTable(seed).buffer),
    // Normalized chunking: a stricter mask before the average size, a looser one after it, which
    // concentrates chunk sizes around the average.
    maskStrict: topBits(bits),
    maskLoose: topBits(bits - 2),
    ...params,
  };
}

export function createChunker(seed: Uint8Array, params: ChunkerParams = DEFAULT_CHUNKER): Chunker {
  const { gear, maskStrict, maskLoose, min, avg, max } = cutterSetup(seed, params);

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
  };
}

/**
 * The same boundaries as Chunker.cut, found in a stream that arrives in pieces of any size: the
 * state (bytes into the current chunk, gear hash) carries from one piece to the next, so no byte is
 * scanned twice and nothing needs to be contiguous. Used on the engine thread as data is read.
 */
export interface StreamCutter {
  /**
   * Scans piece[from, to); returns the offset just past the first chunk end found there (the next
   * chunk starts there), or -1 when the current chunk goes on past `to`.
   */
  next(piece: Uint8Array, from: number, to: number): number;
  /** Bytes of the current, unfinished chunk. */
  readonly pending: number;
}

export function createStreamCutter(seed: Uint8Array, params: ChunkerParams = DEFAULT_CHUNKER): StreamCutter {
  const { gear, maskStrict, maskLoose, min, avg, max } = cutterSetup(seed, params);
  let length = 0; // bytes of the current chunk seen so far
  let h = 0;

  /** Hashes buf[i, limit) against `mask`; the index of the first byte ending a chunk, or -1. */
  const scan = (buf: Uint8Array, i: number, limit: number, mask: number): number => {
    const g = gear;
    let x = h;
    // Bytes up to a 4-byte boundary of the underlying memory, then whole words, then the rest.
    const aligned = LITTLE_ENDIAN ? Math.min(limit, i + ((4 - ((buf.byteOffset + i) & 3)) & 3)) : limit;
    for (; i < aligned; i++) {
      x = ((x << 1) + g[buf[i]!]!) | 0;
      if ((x & mask) === 0) return (h = x), i;
    }
    const wordsEnd = i + ((limit - i) & ~3);
    if (i < wordsEnd) {
      // One 32-bit load per four bytes (fewer bounds checks): a 1 GiB stream cut in 460-760 ms here
      // where byte loads took 700-1200 ms, and the cutter is the stage a piped backup waits on.
      const words = new Uint32Array(buf.buffer, buf.byteOffset + i, (wordsEnd - i) >> 2);
      for (let w = 0; w < words.length; w++) {
        const v = words[w]!;
        x = ((x << 1) + g[v & 255]!) | 0;
        if ((x & mask) === 0) return (h = x), i + 4 * w;
        x = ((x << 1) + g[(v >>> 8) & 255]!) | 0;
        if ((x & mask) === 0) return (h = x), i + 4 * w + 1;
        x = ((x << 1) + g[(v >>> 16) & 255]!) | 0;
        if ((x & mask) === 0) return (h = x), i + 4 * w + 2;
        x = ((x << 1) + g[v >>> 24]!) | 0;
        if ((x & mask) === 0) return (h = x), i + 4 * w + 3;
      }
      i = wordsEnd;
    }
    for (; i < limit; i++) {
      x = ((x << 1) + g[buf[i]!]!) | 0;
      if ((x & mask) === 0) return (h = x), i;
    }
    h = x;
    return -1;
  };

  const endChunk = (at: number): number => {
    length = 0;
    h = 0;
    return at;
  };

  return {
    get pending() {
      return length;
    },
    next(piece, from, to) {
      let i = from;
      if (length < min) {
        // The first `min` bytes of a chunk are never hashed (cut-point skipping).
        const skip = Math.min(min - length, to - i);
        i += skip;
        length += skip;
        if (i === to) return -1;
      }
      if (length < avg) {
        const limit = Math.min(to, i + (avg - length));
        const hit = scan(piece, i, limit, maskStrict);
        if (hit >= 0) return endChunk(hit + 1);
        length += limit - i;
        i = limit;
        if (i === to) return -1;
      }
      const limit = Math.min(to, i + (max - length));
      const hit = scan(piece, i, limit, maskLoose);
      if (hit >= 0) return endChunk(hit + 1);
      length += limit - i;
      return length === max ? endChunk(limit) : -1;
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
