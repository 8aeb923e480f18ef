// Reading a stream back from a snapshot: its chunk lists, then its chunks, fetched several at a time
// (adjacent blobs of one pack in one ranged read), decrypted and checked against their ids in the
// workers, and yielded in order. A missing, corrupted or truncated pack fails the restore with the
// pack's name; nothing wrong is ever written out silently.
import { Readable } from "node:stream";
import { LocationError } from "../locations/types";
import { IntegrityError } from "../repo/crypto";
import { decodeChunkList, keyOf, type ChunkRef, type SnapshotStream } from "../repo/format";
import { loadIndex, type BlobLocation, type RepoIndex } from "../repo/repo-index";
import type { Repository } from "../repo/repository";
import { transferPool, type TransferPool } from "./pool";
import { ProgressMeter, throttledReporter, type TransferProgress } from "./progress";

export interface RestoreOptions {
  signal?: AbortSignal;
  onProgress?: (progress: TransferProgress) => void;
  /** Ranged reads in flight (default 8). */
  parallelReads?: number;
  pool?: TransferPool;
  /** An index already loaded (restoring several streams of one snapshot). */
  index?: RepoIndex;
}

/** Reads spanning at most this much are merged when their blobs are adjacent in a pack. */
const MAX_READ_BYTES = 8 * 1024 * 1024;

interface Read {
  pack: string;
  offset: number;
  length: number;
  blobs: Array<{ ref: ChunkRef; at: BlobLocation }>;
}

function locate(index: RepoIndex, ref: ChunkRef, stream: string): BlobLocation {
  const at = index.get(ref.id.toString("hex"));
  if (!at) throw new IntegrityError(`stream ${stream}: chunk ${ref.id.toString("hex").slice(0, 16)} is not in the repository's index (a pack is missing)`);
  return at;
}

/** Groups consecutive chunks stored back to back in one pack into single reads. Pure. */
export function planReads(refs: ChunkRef[], where: (ref: ChunkRef) => BlobLocation): Read[] {
  const reads: Read[] = [];
  let cur: Read | undefined;
  for (const ref of refs) {
    const at = where(ref);
    if (cur && cur.pack === at.pack && cur.offset + cur.length === at.offset && cur.length + at.length <= MAX_READ_BYTES) {
      cur.length += at.length;
      cur.blobs.push({ ref, at });
    } else {
      cur = { pack: at.pack, offset: at.offset, length: at.length, blobs: [{ ref, at }] };
      reads.push(cur);
    }
  }
  return reads;
}

async function fetchRead(repo: Repository, pool: TransferPool, read: Read): Promise<Uint8Array[]> {
  let bytes: Buffer;
  try {
    bytes = await repo.location.get(keyOf.pack(read.pack), { offset: read.offset, length: read.length });
  } catch (err) {
    if (err instanceof LocationError && err.code === "not-found") throw new IntegrityError(`pack ${read.pack} is missing from ${repo.location.address}`);
    throw err;
  }
  if (bytes.length !== read.length) throw new IntegrityError(`pack ${read.pack} is truncated (read ${bytes.length} of ${read.length} bytes at ${read.offset})`);
  const blobs = read.blobs.map(({ ref, at }) => ({
    id: ref.id,
    rawLength: at.rawLength,
    sealed: bytes.subarray(at.offset - read.offset, at.offset - read.offset + at.length),
  }));
  // A buffer of its own (not a slice of a pool) moves to the worker instead of being copied there.
  const buffer = bytes.buffer;
  const owned = buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength;
  try {
    return await pool.open({ blobs, keys: { encryptionKey: repo.keys.encryptionKey, idKey: repo.keys.idKey } }, owned ? [buffer] : undefined);
  } catch (err) {
    throw new IntegrityError(`pack ${read.pack}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function readChunkList(repo: Repository, index: RepoIndex, stream: SnapshotStream, pool: TransferPool): Promise<ChunkRef[]> {
  const refs: ChunkRef[] = [];
  for (const list of stream.lists) {
    const ref = { id: Buffer.from(list, "hex"), rawLength: 0 };
    const at = locate(index, ref, stream.name);
    const [plain] = await fetchRead(repo, pool, { pack: at.pack, offset: at.offset, length: at.length, blobs: [{ ref: { ...ref, rawLength: at.rawLength }, at }] });
    refs.push(...decodeChunkList(Buffer.from(plain!)));
  }
  return refs;
}

/** The stream's bytes, in order, as they were backed up. */
export async function* restoreChunks(repo: Repository, stream: SnapshotStream, opts: RestoreOptions = {}): AsyncGenerator<Buffer> {
  const pool = opts.pool ?? transferPool();
  const index = opts.index ?? (await loadIndex(repo.location, repo.keys)).index;
  const meter = new ProgressMeter();
  meter.bytesTotal = stream.size;
  const reporter = throttledReporter(meter, opts.onProgress);
  try {
    const refs = await readChunkList(repo, index, stream, pool);
    const reads = planReads(refs, (ref) => locate(index, ref, stream.name));
    const window = opts.parallelReads ?? 8;
    const inFlight: Array<Promise<Uint8Array[]>> = [];
    let next = 0;
    const fill = () => {
      while (inFlight.length < window && next < reads.length) {
        const p = fetchRead(repo, pool, reads[next++]!);
        p.catch(() => undefined); // awaited in order below
        inFlight.push(p);
      }
    };
    fill();
    while (inFlight.length > 0) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const chunks = await inFlight.shift()!;
      fill();
      for (const chunk of chunks) {
        meter.bytesRead += chunk.length;
        meter.chunks++;
        yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
    }
    if (meter.bytesRead !== stream.size) throw new IntegrityError(`stream ${stream.name}: restored ${meter.bytesRead} bytes, the snapshot says ${stream.size}`);
  } finally {
    reporter.stop();
  }
}

export function restoreStream(repo: Repository, stream: SnapshotStream, opts: RestoreOptions = {}): Readable {
  return Readable.from(restoreChunks(repo, stream, opts), { objectMode: false, highWaterMark: 4 * 1024 * 1024 });
}
