// One stream through the transfer pipeline: read and cut (the engine thread for a Node stream, a
// thread of its own for a file descriptor) → hash, compress, encrypt (workers) → hand new blobs to
// the pack writer. Memory is bounded whatever the stream's size: data lives in a ring of three
// SharedArrayBuffer segments, and the reader waits for a free one (backpressure). Workers write
// each new chunk's sealed payload over the chunk itself, so no other buffer is needed.
//
// Chunk boundaries are found as the data is read, on the pieces the source hands over (plain memory,
// which V8 scans at full speed), so sealing starts as soon as a batch of chunks is complete.
//
// Segment layout: [ headroom (max chunk size) | fill ]. The reader fills from the headroom's end;
// when a segment is full, its unfinished last chunk (shorter than the maximum) is copied into the
// end of the next one's headroom, so every chunk is contiguous in one segment.
import { Readable } from "node:stream";
import { createStreamCutter, type ChunkerParams } from "../repo/chunker";
import { SegmentChunks } from "./segment-chunks";
import type { ChunkRef, BlobType } from "../repo/format";
import type { KnownSet } from "./known-set";
import { startThread, type TransferPool } from "./pool";
import { BLOB_FRAME_BYTES, BLOB_HEAD_BYTES } from "../repo/crypto";
import { SEGMENT_FREE, type FdReaderInit, type FdReaderMessage, type SealResult, type SealedChunk, type WorkerKeys } from "./tasks";

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

/** Shared memory that chunks are sealed in. */
interface SealTarget {
  buffer: SharedArrayBuffer;
  /** Seal tasks over this segment's chunks. */
  seals: Promise<void>[];
  /** Settles when every seal task over the segment is done. */
  busy: Promise<void>;
}

interface Segment extends SealTarget {
  /** Workers overwrite each new chunk with its sealed payload (no allocation per chunk). */
  bytes: Uint8Array;
  /** Data region is [start, end). */
  start: number;
  end: number;
  inUse: boolean;
  /** Settles when the segment is free again; made when it is taken. */
  released: Promise<void>;
  release: () => void;
}

function newSegment(headroom: number): Segment {
  const buffer = new SharedArrayBuffer(headroom + FILL_BYTES);
  return { buffer, bytes: new Uint8Array(buffer), start: headroom, end: headroom, seals: [], busy: Promise.resolve(), inUse: false, released: Promise.resolve(), release: () => undefined };
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

/** How much a Readable source may queue ahead of the pipeline before it is paused. */
const QUEUE_BYTES = 4 * 1024 * 1024;

/**
 * The source's pieces, in batches of whatever arrived meanwhile. A Node Readable is consumed through
 * 'data' events: its async iterator costs about 40 µs a piece, which made reading a 1 GiB tar pipe
 * take 2.1 s where 'data' events take 0.8 s (measured here). Like `for await`, leaving early
 * destroys the stream.
 */
export async function* pieceBatches(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array[]> {
  if (!(source instanceof Readable)) {
    for await (const piece of source) yield [piece];
    return;
  }
  if (source.readableEnded) return;
  if (source.destroyed) throw source.errored ?? new Error("the stream was closed before its end");
  let queue: Uint8Array[] = [];
  let queued = 0;
  let ended = false;
  let error: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const onData = (piece: Uint8Array) => {
    queue.push(piece);
    queued += piece.length;
    if (queued >= QUEUE_BYTES) source.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (err: unknown) => {
    error ??= err;
    notify();
  };
  source.on("data", onData).once("end", onEnd).once("error", onError).once("close", onEnd);
  try {
    for (;;) {
      if (queue.length) {
        const batch = queue;
        queue = [];
        queued = 0;
        if (source.isPaused() && !ended) source.resume();
        yield batch;
        continue;
      }
      if (error !== undefined) throw error;
      if (ended) {
        // 'close' without 'end' is a stream destroyed before its end: not a complete stream.
        if (!source.readableEnded) throw source.errored ?? new Error("the stream was closed before its end");
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    source.off("data", onData).off("end", onEnd).off("error", onError).off("close", onEnd);
    if (!source.readableEnded) source.destroy();
  }
}

/**
 * Hands batches of complete chunks to the workers and each result to `ctx.accept`, keeping the
 * stream's chunk list in order. The first failure is kept in `failure` and passed to `onFailure`.
 */
function sealing(ctx: StreamContext, onFailure: (err: unknown) => void = () => undefined) {
  const refs: ChunkRef[] = [];
  const state = { refs, failure: undefined as unknown };
  const fail = (err: unknown) => {
    if (state.failure !== undefined) return;
    state.failure = err;
    onFailure(err);
  };
  return Object.assign(state, {
    /** Seals the chunks `ranges` (flat [start, end, …]) of `target`, in stream order after those before. */
    seal(target: SealTarget, ranges: number[]): void {
      const at = refs.length;
      refs.length += ranges.length / 2;
      target.seals.push(
        ctx.pool
          .seal({ segment: target.buffer, ranges, keys: ctx.keys, known: ctx.known.current(), level: ctx.level })
          .then(async (result) => {
            for (const [i, chunk] of sealedChunks(result, target.buffer, ranges).entries()) {
              refs[at + i] = { id: Buffer.from(chunk.id), rawLength: chunk.rawLength };
              await ctx.accept(chunk, 0);
            }
          })
          .catch(fail),
      );
    },
    /** No more chunks go into `target`: `free` runs once its seal tasks are done. */
    close(target: SealTarget, free: () => void): void {
      const seals = target.seals;
      target.seals = [];
      target.busy = Promise.all(seals).then(free);
    },
  });
}

/** A file descriptor to read to its end: a pipe (stdin) or a file. The caller keeps it open until the stream is done. */
export interface FdSource {
  fd: number;
}

/** A plain { fd }: a stream that has a descriptor (process.stdin, a file stream) is read as a stream. */
export function isFdSource(source: unknown): source is FdSource {
  return typeof source === "object" && source !== null && typeof (source as FdSource).fd === "number" && !(Symbol.asyncIterator in source);
}

/**
 * Runs a file descriptor's bytes through the pipeline; returns its chunk list in order. A thread of
 * its own reads and cuts (fd-reader.ts), into the same kind of segments as chunkStream; the engine
 * thread only passes batches on. The chunks are the same as chunkStream would find.
 *
 * A blocking read cannot be interrupted: after a failure or a cancellation the reader thread ends
 * at its next read's return, so a writer that neither writes nor closes keeps it alive.
 */
export async function chunkFdStream(source: FdSource, ctx: StreamContext): Promise<ChunkRef[]> {
  const headroom = ctx.params.max;
  const targets: SealTarget[] = Array.from({ length: RING }, () => ({ buffer: new SharedArrayBuffer(headroom + FILL_BYTES), seals: [], busy: Promise.resolve() }));
  const control = new Int32Array(new SharedArrayBuffer(4 * (RING + 1)));
  control.fill(SEGMENT_FREE, 0, RING);
  const stopReader = () => {
    Atomics.store(control, RING, 1);
    for (let i = 0; i <= RING; i++) Atomics.notify(control, i);
  };
  let reject: (err: unknown) => void = () => undefined;
  const sealer = sealing(ctx, (err) => reject(err));
  const init: FdReaderInit = { fd: source.fd, segments: targets.map((t) => t.buffer), control: control.buffer as SharedArrayBuffer, headroom, seed: ctx.seed, params: ctx.params, batchBytes: BATCH_BYTES };
  const reader = startThread("fd-reader", init);
  const onAbort = () => sealer.failure === undefined && reject(ctx.signal!.reason);
  try {
    await new Promise<void>((resolve, fail) => {
      reject = fail;
      if (ctx.signal?.aborted) return fail(ctx.signal.reason);
      ctx.signal?.addEventListener("abort", onAbort, { once: true });
      reader.on("message", (m: FdReaderMessage) => {
        if (m.type === "error") return fail(new Error(`reading the stream failed: ${m.message}`));
        ctx.onRead(m.read);
        if (m.type === "seal") sealer.seal(targets[m.slot]!, m.ranges);
        else if (m.type === "close") {
          const slot = m.slot;
          sealer.close(targets[slot]!, () => {
            Atomics.store(control, slot, SEGMENT_FREE);
            Atomics.notify(control, slot);
          });
        } else resolve();
      });
      reader.once("error", fail);
      reader.once("exit", (code) => fail(new Error(`the stream's reader thread stopped (exit code ${code}) before the end`)));
    });
  } catch (err) {
    stopReader();
    throw err;
  } finally {
    ctx.signal?.removeEventListener("abort", onAbort);
    // Never leave workers writing results into a stream that is gone.
    await Promise.all(targets.flatMap((t) => [t.busy, ...t.seals]));
  }
  if (sealer.failure !== undefined) throw sealer.failure;
  return sealer.refs;
}

/** Runs one stream through the pipeline; returns its chunk list in order. */
export async function chunkStream(source: AsyncIterable<Uint8Array>, ctx: StreamContext): Promise<ChunkRef[]> {
  const headroom = ctx.params.max;
  const ring = Array.from({ length: RING }, () => newSegment(headroom));
  const cutter = createStreamCutter(ctx.seed, ctx.params);
  const sealer = sealing(ctx);

  const takeFree = async (): Promise<Segment> => {
    for (;;) {
      if (sealer.failure !== undefined) throw sealer.failure;
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

  let seg = await takeFree();
  const chunks = new SegmentChunks(cutter, BATCH_BYTES, (ranges) => sealer.seal(seg, ranges));
  chunks.begin(seg.start);

  /** No more chunks go into `seg`: it is free again once its seal tasks are done. */
  const close = (closing: Segment) =>
    sealer.close(closing, () => {
      closing.inUse = false;
      closing.release();
    });

  try {
    for await (const batch of pieceBatches(source)) {
      if (ctx.signal?.aborted) throw ctx.signal.reason;
      if (sealer.failure !== undefined) throw sealer.failure;
      for (const piece of batch) {
        for (let offset = 0; offset < piece.length; ) {
          if (seg.end === seg.bytes.length) {
            // Full: the unfinished chunk moves to the next segment's headroom.
            chunks.flush();
            const next = await takeFree();
            next.start = chunks.carryInto(seg.bytes, seg.end, next.bytes, headroom);
            close(seg);
            seg = next;
          }
          const n = Math.min(piece.length - offset, seg.bytes.length - seg.end);
          seg.bytes.set(piece.subarray(offset, offset + n), seg.end);
          chunks.scan(piece, offset, offset + n, seg.end);
          seg.end += n;
          offset += n;
        }
        ctx.onRead(piece.length);
      }
    }
    chunks.finish(seg.end);
  } finally {
    // Never leave workers writing results into a stream that is gone.
    close(seg);
    await Promise.all(ring.map((s) => s.busy));
  }
  if (sealer.failure !== undefined) throw sealer.failure;
  return sealer.refs;
}
