// One stream through the transfer pipeline: read → cut (worker) → hash, compress, encrypt (workers)
// → hand new blobs to the pack writer. Memory is bounded whatever the stream's size: data lives in a
// ring of three SharedArrayBuffer segments, and the reader waits for a free one (backpressure).
// Workers write each new chunk's sealed payload over the chunk itself, so no other buffer is needed.
//
// Segment layout: [ headroom (max chunk size) | fill ]. The reader fills from the headroom's end;
// when the segment before it has been cut, its unfinished last chunk (shorter than the maximum) is
// copied into the end of the headroom, so every chunk is contiguous in one segment.
import type { ChunkerParams } from "../repo/chunker";
import type { ChunkRef, BlobType } from "../repo/format";
import type { KnownSet } from "./known-set";
import type { TransferPool } from "./pool";
import { BLOB_FRAME_BYTES, BLOB_HEAD_BYTES } from "../repo/crypto";
import type { SealResult, SealedChunk, WorkerKeys } from "./tasks";

export interface StreamContext {
  pool: TransferPool;
  keys: WorkerKeys;
  seed: Uint8Array;
  params: ChunkerParams;
  level: number;
  known: KnownSet;
  /**
   * Takes a chunk the workers produced; stores it if new. May wait (pack uploads are backpressure).
   * `sealed` views reused memory: whatever is kept must be copied before the promise settles.
   */
  accept(chunk: SealedChunk, type: BlobType): Promise<void>;
  onRead(bytes: number): void;
  signal?: AbortSignal;
}

const FILL_BYTES = 4 * 1024 * 1024;
const BATCH_BYTES = 2 * 1024 * 1024;
const RING = 3;

interface Segment {
  buffer: SharedArrayBuffer;
  /** Workers overwrite each new chunk with its sealed payload (no allocation per chunk). */
  bytes: Uint8Array;
  /** Data region is [start, end). */
  start: number;
  end: number;
  /** Settles when the segment's cut and every seal task over it are done. */
  busy: Promise<void>;
  inUse: boolean;
  /** Settles when the segment is free again; made when it is taken. */
  released: Promise<void>;
  release: () => void;
}

function newSegment(headroom: number): Segment {
  const buffer = new SharedArrayBuffer(headroom + FILL_BYTES);
  return { buffer, bytes: new Uint8Array(buffer), start: headroom, end: headroom, busy: Promise.resolve(), inUse: false, released: Promise.resolve(), release: () => undefined };
}

/** The engine's view of a batch's results: ids and sealed bytes as views, nothing copied. */
export function sealedChunks(result: SealResult, segment: SharedArrayBuffer, ranges: number[]): SealedChunk[] {
  return result.lengths.map((length, i) => {
    const frame = result.frames.subarray(i * BLOB_FRAME_BYTES, (i + 1) * BLOB_FRAME_BYTES);
    return {
      id: result.ids.subarray(i * 32, i * 32 + 32),
      rawLength: result.rawLengths[i]!,
      sealed: length >= 0 ? [frame.subarray(0, BLOB_HEAD_BYTES), new Uint8Array(segment, ranges[2 * i]!, length), frame.subarray(BLOB_HEAD_BYTES)] : undefined,
    };
  });
}

/** Seals one standalone buffer (a chunk list) through the pool; `accept` must copy what it keeps. */
export async function sealOne(ctx: StreamContext, data: Uint8Array): Promise<SealedChunk> {
  const segment = new SharedArrayBuffer(Math.max(1, data.length));
  new Uint8Array(segment).set(data);
  const ranges = [0, data.length];
  const result = await ctx.pool.seal({ segment, ranges, keys: ctx.keys, known: ctx.known.current(), level: ctx.level });
  return sealedChunks(result, segment, ranges)[0]!;
}

/** Splits chunk ends into seal batches of about BATCH_BYTES: flat [start, end, …] ranges. */
export function sealBatches(start: number, ends: number[], batchBytes = BATCH_BYTES): number[][] {
  const batches: number[][] = [];
  let batch: number[] = [];
  let batchStart = start;
  let from = start;
  for (const end of ends) {
    batch.push(from, end);
    from = end;
    if (end - batchStart >= batchBytes) {
      batches.push(batch);
      batch = [];
      batchStart = end;
    }
  }
  if (batch.length) batches.push(batch);
  return batches;
}

/** Runs one stream through the pipeline; returns its chunk list in order. */
export async function chunkStream(source: AsyncIterable<Uint8Array>, ctx: StreamContext): Promise<ChunkRef[]> {
  const headroom = ctx.params.max;
  const ring = Array.from({ length: RING }, () => newSegment(headroom));
  const refs: ChunkRef[] = [];
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
  };

  const takeFree = async (): Promise<Segment> => {
    for (;;) {
      if (failure !== undefined) throw failure;
      const free = ring.find((s) => !s.inUse);
      if (free) {
        free.inUse = true;
        free.start = free.end = headroom;
        free.released = new Promise<void>((resolve) => (free.release = resolve));
        return free;
      }
      // Wait for a segment to be released (not merely for a promise that settled long ago).
      await Promise.race(ring.map((s) => s.released));
    }
  };

  const sealChunks = (seg: Segment, ends: number[]): Promise<void>[] => {
    let index = refs.length;
    refs.length += ends.length;
    return sealBatches(seg.start, ends).map((ranges) => {
      const at = index;
      index += ranges.length / 2;
      return ctx.pool
        .seal({ segment: seg.buffer, ranges, keys: ctx.keys, known: ctx.known.current(), level: ctx.level })
        .then(async (result) => {
          for (const [i, chunk] of sealedChunks(result, seg.buffer, ranges).entries()) {
            refs[at + i] = { id: Buffer.from(chunk.id), rawLength: chunk.rawLength };
            await ctx.accept(chunk, 0);
          }
        });
    });
  };

  /**
   * Cuts `seg`, carries its unfinished tail into `next` (none when the stream has ended), then
   * seals its chunks. Resolves once the cut is done: the next segment's cut needs that tail, while
   * sealing may overlap with later segments. `seg.busy` settles when everything is done.
   */
  const process = (seg: Segment, next: Segment | undefined): Promise<void> => {
    let cutDone!: () => void;
    const cut = new Promise<void>((resolve) => (cutDone = resolve));
    seg.busy = (async () => {
      const ends = await ctx.pool.cut({ segment: seg.buffer, start: seg.start, end: seg.end, final: next === undefined, seed: ctx.seed, params: ctx.params });
      // Sealing overwrites the chunks with their sealed payloads: the tail is carried over first.
      if (next) {
        const tailStart = ends.length ? ends[ends.length - 1]! : seg.start;
        next.bytes.set(seg.bytes.subarray(tailStart, seg.end), headroom - (seg.end - tailStart));
        next.start = headroom - (seg.end - tailStart);
      }
      const seals = sealChunks(seg, ends);
      cutDone();
      await Promise.all(seals);
    })()
      .catch(fail)
      .finally(() => {
        cutDone(); // also on failure, so nothing waits forever
        seg.inUse = false;
        seg.release();
      });
    return cut;
  };

  let cutChain: Promise<void> = Promise.resolve();
  let current = await takeFree();
  try {
    for await (const piece of source) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      if (failure !== undefined) throw failure;
      for (let offset = 0; offset < piece.length; ) {
        const n = Math.min(piece.length - offset, current.bytes.length - current.end);
        current.bytes.set(piece.subarray(offset, offset + n), current.end);
        current.end += n;
        offset += n;
        if (current.end === current.bytes.length) {
          const full = current;
          current = await takeFree();
          const next = current;
          cutChain = cutChain.then(() => process(full, next));
        }
      }
      ctx.onRead(piece.length);
    }
    const last = current;
    cutChain = cutChain.then(() => process(last, undefined));
    await cutChain;
  } finally {
    // Never leave workers writing results into a stream that is gone.
    await cutChain.catch(() => undefined);
    await Promise.allSettled(ring.map((s) => s.busy));
  }
  if (failure !== undefined) throw failure;
  return refs;
}
