// A backup into a repository: any number of named streams (volume tars, manifests, catalogs),
// chunked, deduplicated against everything the repository holds, and committed as one snapshot.
// The commit order is what makes a killed backup harmless (FORMAT.md, "Writing a backup").
import { sealObject } from "../repo/crypto";
import { BLOB_DATA, BLOB_LIST, CHUNK_LIST_MAX_ENTRIES, encodeChunkList, encodeIndexSegment, keyOf, randomId, type BlobType, type IndexedPack, type SnapshotManifest, type SnapshotStream } from "../repo/format";
import { acquireLock, type Lock } from "../repo/locks";
import { mapLimit } from "../repo/concurrency";
import { loadIndex, type RepoIndex } from "../repo/repo-index";
import { Repository } from "../repo/repository";
import { chunkFdStream, chunkStream, isFdSource, sealOne, type FdSource, type StreamContext } from "./chunk-stream";
import { KnownSet } from "./known-set";
import { PackWriter } from "./packer";
import { transferPool, type TransferPool } from "./pool";
import { ProgressMeter, throttledReporter, type TransferProgress } from "./progress";
import { SEAL_WORST_OVERHEAD, type SealedChunk } from "./tasks";

export interface BackupOptions {
  tags?: Record<string, string>;
  meta?: unknown;
  onProgress?: (progress: TransferProgress) => void;
  signal?: AbortSignal;
  /** Packs uploading at once (default 3). */
  parallelUploads?: number;
  /** Expected total bytes of all streams, for the ETA. */
  bytesTotal?: number;
  pool?: TransferPool;
}

export class BackupCancelledError extends Error {
  constructor() {
    super("the backup was cancelled; nothing was committed (uploaded data will be reused by the next backup)");
    this.name = "BackupCancelledError";
  }
}

export class BackupSession {
  private readonly streams: SnapshotStream[] = [];
  private readonly pending = new Set<string>();
  private readonly meter = new ProgressMeter();
  private readonly reporter: { stop(): void };
  private readonly packer: PackWriter;
  private readonly started = Date.now();
  private bytesStored = 0;
  private finished = false;
  /** The packs this backup wrote, each in an index segment of its own (packer.segments), in the same order. */
  private readonly written: IndexedPack[] = [];

  private constructor(
    private readonly repo: Repository,
    private readonly index: RepoIndex,
    private readonly known: KnownSet,
    private readonly lock: Lock,
    private readonly pool: TransferPool,
    private readonly opts: BackupOptions,
  ) {
    this.meter.bytesTotal = opts.bytesTotal;
    this.packer = new PackWriter({
      location: repo.location,
      keys: repo.keys,
      packSize: repo.config.packSize,
      maxBlob: repo.config.chunker.max + SEAL_WORST_OVERHEAD,
      parallelUploads: opts.parallelUploads ?? 2,
      packHash: repo.packHash,
      // Hashed in a worker: CPU time the engine thread, which reads the stream, does not spend.
      hashPack: (bytes, algorithm, crc32) => this.pool.hash({ segment: bytes.buffer as SharedArrayBuffer, offset: bytes.byteOffset, length: bytes.length, algorithm, crc32 }),
      retainUntil: () => repo.retainUntil(),
      signal: opts.signal,
      onPackDurable: (pack, bytes) => {
        index.addPack(pack);
        this.written.push(pack);
        for (const b of pack.blobs) this.pending.delete(b.id.toString("hex"));
        this.meter.packs++;
        this.meter.bytesUploaded += bytes;
      },
    });
    this.reporter = throttledReporter(this.meter, opts.onProgress);
  }

  static async start(repo: Repository, opts: BackupOptions = {}): Promise<BackupSession> {
    const lock = await acquireLock(repo.location, "shared", "backup");
    try {
      const { index } = await loadIndex(repo.location, repo.keys);
      const known = new KnownSet(index.blobCount);
      for (const id of index.blobIds()) known.add(Buffer.from(id, "hex"));
      return new BackupSession(repo, index, known, lock, opts.pool ?? transferPool(), opts);
    } catch (err) {
      await lock.release().catch(() => undefined);
      throw err;
    }
  }

  private context(): StreamContext {
    const { config } = this.repo;
    return {
      pool: this.pool,
      keys: this.repo.workerKeys,
      seed: this.repo.seed,
      params: config.chunker,
      level: config.compression.level,
      known: this.known,
      signal: this.opts.signal,
      onRead: (n) => (this.meter.bytesRead += n),
      accept: (chunk, type) => this.accept(chunk, type),
    };
  }

  /** Stores a chunk the workers sealed, unless the repository has it or this backup already stored it. */
  private async accept(chunk: SealedChunk, type: BlobType): Promise<void> {
    if (type === BLOB_DATA) this.meter.chunks++;
    if (!chunk.sealed) return;
    const id = Buffer.from(chunk.id);
    const hex = id.toString("hex");
    if (this.index.has(hex) || this.pending.has(hex)) return;
    this.pending.add(hex);
    this.known.add(id);
    if (type === BLOB_DATA) {
      this.meter.newChunks++;
      this.meter.bytesNew += chunk.rawLength;
    }
    this.bytesStored += chunk.sealed.reduce((n, part) => n + part.length, 0);
    await this.packer.add(type, id, chunk.sealed, chunk.rawLength);
  }

  /**
   * Backs up one named stream; streams may be added concurrently. A file descriptor (a pipe such as
   * stdin, or a file) is read and cut by a thread of its own.
   */
  async addStream(name: string, source: AsyncIterable<Uint8Array> | FdSource): Promise<SnapshotStream> {
    if (this.finished) throw new Error("this backup is already committed or aborted");
    if (this.streams.some((s) => s.name === name)) throw new Error(`stream "${name}" is already in this backup`);
    const ctx = this.context();
    const refs = await this.guard(() => (isFdSource(source) ? chunkFdStream(source, ctx) : chunkStream(source, ctx)));
    // The chunk list is stored as list blobs of at most CHUNK_LIST_MAX_ENTRIES; an empty stream has one empty list.
    const groups = refs.length === 0 ? [[]] : Array.from({ length: Math.ceil(refs.length / CHUNK_LIST_MAX_ENTRIES) }, (_, g) =>
      refs.slice(g * CHUNK_LIST_MAX_ENTRIES, (g + 1) * CHUNK_LIST_MAX_ENTRIES));
    const lists: string[] = [];
    for (const group of groups) {
      const sealed = await this.guard(() => sealOne(ctx, encodeChunkList(group)));
      await this.guard(() => this.accept(sealed, BLOB_LIST));
      lists.push(Buffer.from(sealed.id).toString("hex"));
    }
    const stream: SnapshotStream = { name, size: refs.reduce((n, r) => n + r.rawLength, 0), chunks: refs.length, lists };
    this.streams.push(stream);
    return stream;
  }

  /** Makes the backup durable and visible: packs and index first, the snapshot manifest last. */
  async commit(meta?: unknown): Promise<SnapshotManifest> {
    if (this.finished) throw new Error("this backup is already committed or aborted");
    try {
      await this.guard(() => this.packer.finish());
      const manifest: SnapshotManifest = {
        version: 1,
        id: randomId(),
        time: new Date().toISOString(),
        hostname: Repository.hostname(),
        tags: this.opts.tags ?? {},
        meta: meta ?? this.opts.meta ?? null,
        streams: this.streams,
        summary: {
          bytes: this.meter.bytesRead,
          newBytes: this.meter.bytesNew,
          storedBytes: this.bytesStored,
          seconds: (Date.now() - this.started) / 1000,
        },
      };
      await this.guard(() => this.repo.writeSnapshot(manifest));
      await this.compactSegments();
      return manifest;
    } finally {
      await this.close();
    }
  }

  /** Stops without a snapshot. Packs already uploaded stay indexed, for the next backup to reuse. */
  async abort(): Promise<void> {
    if (this.finished) return;
    await this.packer.settle();
    await this.close();
  }

  progress(): TransferProgress {
    return this.meter.snapshot();
  }

  private async close(): Promise<void> {
    this.finished = true;
    this.reporter.stop();
    await this.lock.release().catch(() => undefined);
  }

  /** This backup wrote one index segment per pack; after the commit, one segment replaces them. */
  private async compactSegments(): Promise<void> {
    const own = this.packer.segments;
    if (own.length < 2) return;
    try {
      const id = randomId();
      const body = sealObject(this.repo.keys, keyOf.index(id), encodeIndexSegment({ supersedes: own, packs: this.written }));
      await this.repo.location.put(keyOf.index(id), body, { retainUntil: this.repo.retainUntil() });
      await mapLimit(own, 8, (old) => this.repo.location.delete(keyOf.index(old)).catch(() => undefined));
    } catch {
      // Compaction is an optimisation: the small segments remain valid.
    }
  }

  /** Runs a step, turning an abort into BackupCancelledError and any failure into an aborted session. */
  private async guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      if (this.opts.signal?.aborted) throw new BackupCancelledError();
      return await step();
    } catch (err) {
      await this.abort();
      if (this.opts.signal?.aborted) throw new BackupCancelledError();
      throw err;
    }
  }
}

/** Convenience: one stream, one snapshot. */
export async function backupStream(repo: Repository, name: string, source: AsyncIterable<Uint8Array> | FdSource, opts: BackupOptions = {}): Promise<SnapshotManifest> {
  const session = await BackupSession.start(repo, opts);
  await session.addStream(name, source);
  return session.commit();
}
