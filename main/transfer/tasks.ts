// The messages between the engine thread and the transfer workers. Data to chunk and seal lives
// in SharedArrayBuffer segments, so workers read it in place.
import type { ChunkerParams } from "../repo/chunker";
import type { BlobType } from "../repo/format";
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

/** Hash each chunk; compress and encrypt those not known yet. `ranges` is flat [start, end, …]. */
export interface SealTask {
  op: "seal";
  segment: SharedArrayBuffer;
  ranges: number[];
  type: BlobType;
  keys: WorkerKeys;
  known: KnownSetView | null;
  level: number;
}

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
