// A thread that reads a file descriptor (a pipe such as stdin, or a file) to its end and cuts it into
// chunks, so the engine thread only hands batches of chunks to the workers. Reading a pipe through
// Node's stream events costs the engine thread about 0.8 CPU-seconds per GiB and cutting 0.6 more;
// here a blocking read(2) goes straight into the shared segment and the writer is never left
// waiting while the engine does something else.
//
// The segments are the engine's (chunk-stream.ts, chunkFdStream), used in ring order. The engine
// marks a segment free once every seal task over it is done; this thread waits for that with
// Atomics.wait, which is what bounds memory (backpressure reaches the writer through the pipe).
import { closeSync, fstatSync, openSync, readSync, readlinkSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { createStreamCutter } from "../repo/chunker";
import { enlargePipe } from "./pipe-size";
import { SegmentChunks } from "./segment-chunks";
import { SEGMENT_FREE, SEGMENT_TAKEN, type FdReaderInit, type FdReaderMessage } from "./tasks";

const init = workerData as FdReaderInit;
const control = new Int32Array(init.control);
const ABORT = init.segments.length;
const segments = init.segments.map((s) => new Uint8Array(s));

class Aborted extends Error {}

const post = (message: FdReaderMessage) => parentPort!.postMessage(message);

function checkAbort(): void {
  if (Atomics.load(control, ABORT) !== 0) throw new Aborted();
}

/** Waits until the engine frees segment `slot`, then takes it. */
function take(slot: number): Uint8Array {
  while (Atomics.compareExchange(control, slot, SEGMENT_FREE, SEGMENT_TAKEN) !== SEGMENT_FREE) {
    checkAbort();
    Atomics.wait(control, slot, SEGMENT_TAKEN, 1000);
  }
  return segments[slot]!;
}

/**
 * A descriptor that blocks on read. Node makes stdin non-blocking as soon as anything reads
 * `process.stdin` (every ESM import of "node:process" does), and a thread cannot wait for a
 * non-blocking descriptor except by polling. On Linux an anonymous pipe is opened again through
 * /proc as a blocking reader of the same pipe; that open never waits, unlike a named FIFO's.
 */
function blockingDescriptor(fd: number): { fd: number; close(): void } {
  try {
    if (process.platform === "linux" && readlinkSync(`/proc/self/fd/${fd}`).startsWith("pipe:")) {
      const reopened = openSync(`/proc/self/fd/${fd}`, "r");
      return { fd: reopened, close: () => closeSync(reopened) };
    }
  } catch {
    // Not reopenable: read the descriptor as it is.
  }
  return { fd, close: () => undefined };
}

/**
 * read(2) into `into[at, end)`: 0 at the end. A descriptor that is still non-blocking (a socket) is
 * polled, waiting 20 µs at first and up to 1 ms.
 */
function readInto(fd: number, into: Uint8Array, at: number): number {
  for (let pause = 0.02; ; pause = Math.min(1, pause * 2)) {
    try {
      return readSync(fd, into, at, into.length - at, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      checkAbort();
      Atomics.wait(control, ABORT, 0, pause);
    }
  }
}

function run(fd: number): void {
  const { headroom, batchBytes } = init;
  let slot = 0;
  let seg = take(slot);
  let end = headroom;
  /** Bytes read since the last message. */
  let read = 0;
  const chunks = new SegmentChunks(createStreamCutter(init.seed, init.params), batchBytes, (ranges) => {
    post({ type: "seal", slot, ranges, read });
    read = 0;
  });
  chunks.begin(headroom);

  for (;;) {
    if (end === seg.length) {
      // Full: the unfinished chunk moves to the end of the next segment's headroom.
      chunks.flush();
      const next = (slot + 1) % segments.length;
      const nextSeg = take(next);
      chunks.carryInto(seg, end, nextSeg, headroom);
      post({ type: "close", slot, read });
      read = 0;
      slot = next;
      seg = nextSeg;
      end = headroom;
    }
    const n = readInto(fd, seg, end);
    checkAbort();
    if (n === 0) break;
    chunks.scan(seg, end, end + n, end);
    end += n;
    read += n;
  }
  chunks.finish(end);
  post({ type: "close", slot, read: 0 });
  post({ type: "end", read });
}

const source = blockingDescriptor(init.fd);
try {
  if (fstatSync(source.fd).isFIFO()) enlargePipe(source.fd);
  run(source.fd);
} catch (err) {
  if (!(err instanceof Aborted)) {
    const e = err as NodeJS.ErrnoException;
    post({ type: "error", message: e.message ?? String(err), code: e.code });
  }
} finally {
  source.close();
}
