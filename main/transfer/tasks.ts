// The messages between the engine thread and the transfer workers. Data to chunk and seal lives
// in SharedArrayBuffer segments, so workers read it in place.
import type { ChunkerParams } from "../repo/chunker";
import type { KnownSetView } from "./known-set";

export interface WorkerKeys {
  encryptionKey: Uint8Array;
  idKey: Uint8Array;
}

/** Find chunk boundaries in segment[start, end). Returns the end offset of each complete chunk. */
export interface CutTask {
  op: "cut";
  segment: SharedArrayBuffer;
  start: number;
  end: number;
  final: boolean;
  seed: Uint8Array;
  params: ChunkerParams;
}

/**
 * Hash each chunk; compress and encrypt those not known yet. `ranges` is flat [start, end, …] in
 * `segment`; sealed blobs are written into `out` from `outStart` on (the engine reserves the worst
 * case, chunk size + SEAL_WORST_OVERHEAD each), so results carry offsets, not buffers.
 */
export interface SealTask {
  op: "seal";
  segment: SharedArrayBuffer;
  ranges: number[];
  out: SharedArrayBuffer;
  outStart: number;
  keys: WorkerKeys;
  known: KnownSetView | null;
  level: number;
}

/** One batch's results: ids packed 32 bytes each; `lengths[i]` is -1 for a chunk already known. */
export interface SealResult {
  ids: Uint8Array;
  rawLengths: number[];
  at: number[];
  lengths: number[];
}

/** Space a sealed blob may need beyond its chunk: compression byte, nonce and tag. */
export const SEAL_WORST_OVERHEAD = 1 + 12 + 16;

/** A chunk as the engine sees it after sealing; `sealed` views the batch's output region. */
export interface SealedChunk {
  id: Uint8Array;
  rawLength: number;
  /** Absent when the repository already has this id. */
  sealed?: Uint8Array;
}

/** Decrypt, decompress and check blobs fetched for a restore or verify. */
export interface OpenTask {
  op: "open";
  blobs: Array<{ id: Uint8Array; sealed: Uint8Array; rawLength: number }>;
  keys: WorkerKeys;
}

export type TransferTask = CutTask | SealTask | OpenTask;
