// The messages between the engine thread and the transfer workers. Data to chunk and seal lives
// in SharedArrayBuffer segments, so workers read it in place.
import type { ChunkerParams } from "../repo/chunker";
import type { ContentIdAlgorithm } from "../repo/crypto";
import type { PackHash } from "../repo/format";
import type { KnownSetView } from "./known-set";

/** What a worker needs to seal and open blobs: the master keys and how ids are derived. */
export interface WorkerKeys {
  encryptionKey: Uint8Array;
  idKey: Uint8Array;
  contentId: ContentIdAlgorithm;
}

/**
 * Hash each chunk; compress and encrypt those not known yet. `ranges` is flat [start, end, …] in
 * `segment`. A sealed blob's payload is written over its chunk's start in the segment (it is never
 * longer than the chunk): head and tail come back in `frames`, so nothing is allocated per chunk.
 */
export interface SealTask {
  op: "seal";
  segment: SharedArrayBuffer;
  ranges: number[];
  keys: WorkerKeys;
  known: KnownSetView | null;
  level: number;
}

/**
 * One batch's results: ids packed 32 bytes each, frames BLOB_FRAME_BYTES each (head then tail);
 * `lengths[i]` is the sealed payload's length at the chunk's start, -1 for a chunk already known.
 */
export interface SealResult {
  ids: Uint8Array;
  frames: Uint8Array;
  rawLengths: number[];
  lengths: number[];
}

/** Space a sealed blob may need beyond its chunk: compression byte, nonce and tag. */
export const SEAL_WORST_OVERHEAD = 1 + 12 + 16;

/** A chunk as the engine sees it after sealing. */
export interface SealedChunk {
  id: Uint8Array;
  rawLength: number;
  /**
   * The sealed blob in order (head, payload, tail), as views of the worker's output; absent when the
   * repository already has this id.
   */
  sealed?: Uint8Array[];
}

/**
 * Decrypt, decompress and check blobs fetched for a restore or verify. With `into`, the plaintexts
 * are written one after the other into shared memory from `into.at` and nothing is returned;
 * without, each comes back as a buffer of its own.
 */
export interface OpenTask {
  op: "open";
  blobs: Array<{ id: Uint8Array; sealed: Uint8Array; rawLength: number }>;
  keys: WorkerKeys;
  into?: { segment: SharedArrayBuffer; at: number };
}

/** The name (and CRC-32, when asked) of a pack in shared memory, hashed off the engine thread. */
export interface HashTask {
  op: "hash";
  segment: SharedArrayBuffer;
  offset: number;
  length: number;
  algorithm: PackHash;
  crc32: boolean;
}

export type TransferTask = SealTask | OpenTask | HashTask;

/**
 * What the fd reader thread (fd-reader.ts) starts with. `control` holds one Int32 per segment
 * (SEGMENT_FREE or SEGMENT_TAKEN) and the abort flag after them.
 */
export interface FdReaderInit {
  fd: number;
  segments: SharedArrayBuffer[];
  control: SharedArrayBuffer;
  headroom: number;
  seed: Uint8Array;
  params: ChunkerParams;
  batchBytes: number;
}

export const SEGMENT_FREE = 1;
export const SEGMENT_TAKEN = 0;

/**
 * From the fd reader to the engine, in stream order. `read` is the bytes read since the previous
 * message. "seal": complete chunks `ranges` (flat [start, end, …]) in segment `slot`; "close": no
 * more chunks will be in `slot` (its unfinished last chunk was copied out), so it is free once its
 * seal tasks are done; "end": the source ended and every chunk was sent.
 */
export type FdReaderMessage =
  | { type: "seal"; slot: number; ranges: number[]; read: number }
  | { type: "close"; slot: number; read: number }
  | { type: "end"; read: number }
  | { type: "error"; message: string; code?: string };
