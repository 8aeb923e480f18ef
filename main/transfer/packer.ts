// Packs sealed blobs into pack objects and uploads them, several at a time. Each pack's index
// segment is written only after the pack is durable, so a crash leaves packs that the next backup
// already knows about, and never an index that points at nothing (FORMAT.md, "Writing a backup").
//
// Blobs are copied into one of a few pack buffers that are reused for the whole backup (uploads in
// flight + the one filling), so moving gigabytes allocates almost nothing: on the engine thread,
// every allocated buffer would be external memory that V8 answers with full garbage collections.
import pRetry from "p-retry";
import { allocateAligned } from "../locations/direct-io";
import { LocationError, type Location, type PutOptions } from "../locations/types";
import { packDigest, sealObject, type MasterKeys, type PackDigest } from "../repo/crypto";
import { encodeIndexSegment, encodePackHeader, keyOf, packTrailer, randomId, type BlobType, type IndexedBlob, type IndexedPack, type PackedBlob, type PackHash } from "../repo/format";

export interface PackWriterOptions {
  location: Location;
  keys: MasterKeys;
  /** Target size of a pack, header included; packs stay below it so each is one PUT. */
  packSize: number;
  /** The largest sealed blob that can arrive (chunker maximum plus sealing overhead). */
  maxBlob: number;
  parallelUploads: number;
  retainUntil?: () => Date | undefined;
  /** Called after a pack and its index segment are durable. */
  onPackDurable?: (pack: IndexedPack, bytes: number, segmentId: string) => void;
  signal?: AbortSignal;
  /** How long an unreachable location is retried before the backup fails (default 2 minutes). */
  outageToleranceMs?: number;
  /** How packs are named (the repository's format version decides). */
  packHash: PackHash;
  /** Hashes a pack off the engine thread (packDigest there); pack buffers are then shared memory. */
  hashPack?: (pack: Buffer, algorithm: PackHash, crc32: boolean) => Promise<PackDigest>;
}

/** Room kept for a pack's header and trailer: 41 bytes per blob, so at most this many blobs a pack. */
const HEADER_ROOM = 256 * 1024;
const MAX_BLOBS_PER_PACK = Math.floor((HEADER_ROOM - 1024) / 41);

/** Errors worth waiting out: the location is down or restarting, not misconfigured. */
function isTransient(err: unknown): boolean {
  return err instanceof LocationError && (err.code === "unreachable" || err.code === "other");
}

export class PackWriter {
  private readonly free: Buffer[] = [];
  private readonly waiting: Array<(b: Buffer) => void> = [];
  private allocated = 0;
  private current: Buffer | undefined;
  private used = 0;
  private blobs: PackedBlob[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  private readonly capacity: number;
  /** Index segments this writer wrote, for the backup to compact at the end. */
  readonly segments: string[] = [];
  uploadedBytes = 0;

  constructor(private readonly opts: PackWriterOptions) {
    // A pack closes before a blob would take it past packSize, but always takes at least one blob.
    this.capacity = Math.max(opts.packSize, opts.maxBlob + HEADER_ROOM);
  }

  /**
   * Copies a sealed blob (given in parts, stored as their concatenation) into the current pack; waits while every pack buffer is uploading. Adds
   * are applied one at a time, in call order; the caller's bytes are only read before it resolves.
   */
  add(type: BlobType, id: Buffer, sealed: Uint8Array[], rawLength: number): Promise<void> {
    const next = this.chain.then(() => this.addNow(type, id, sealed, rawLength));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private chain: Promise<void> = Promise.resolve();

  private async addNow(type: BlobType, id: Buffer, sealed: Uint8Array[], rawLength: number): Promise<void> {
    this.throwIfFailed();
    const limit = this.opts.packSize - HEADER_ROOM;
    const length = sealed.reduce((n, part) => n + part.length, 0);
    if (this.blobs.length > 0 && (this.used + length > limit || this.blobs.length >= MAX_BLOBS_PER_PACK)) this.flush();
    this.current ??= await this.takeBuffer();
    this.throwIfFailed();
    this.place(type, id, sealed, length, rawLength);
  }

  private place(type: BlobType, id: Buffer, sealed: Uint8Array[], length: number, rawLength: number): void {
    let at = this.used;
    for (const part of sealed) {
      this.current!.set(part, at);
      at += part.length;
    }
    this.used += length;
    this.blobs.push({ type, id, length, rawLength });
  }

  private takeBuffer(): Promise<Buffer> {
    const free = this.free.pop();
    if (free) return Promise.resolve(free);
    if (this.allocated < this.opts.parallelUploads + 1) {
      this.allocated++;
      // Aligned, so a folder on a local disk can write the pack around the page cache.
      return Promise.resolve(allocateAligned(this.capacity, this.opts.hashPack !== undefined));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private releaseBuffer(buffer: Buffer): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(buffer);
    else this.free.push(buffer);
  }

  /** Seals the current pack and starts its upload. */
  private flush(): void {
    const buffer = this.current;
    if (!buffer || this.blobs.length === 0) return;
    const blobs = this.blobs;
    const length = this.used;
    this.current = undefined;
    this.used = 0;
    this.blobs = [];

    const trailer = packTrailer(sealObject(this.opts.keys, "pack-header", encodePackHeader(blobs)));
    trailer.copy(buffer, length);
    const pack = buffer.subarray(0, length + trailer.length);
    let offset = 0;
    const indexed: IndexedBlob[] = blobs.map((b) => {
      const entry = { ...b, offset };
      offset += b.length;
      return entry;
    });
    const upload = this.upload(indexed, pack)
      .catch((err: unknown) => {
        this.failure ??= err;
      })
      .finally(() => this.releaseBuffer(buffer));
    this.inFlight.add(upload);
    void upload.finally(() => this.inFlight.delete(upload));
  }

  private async upload(blobs: IndexedBlob[], bytes: Buffer): Promise<void> {
    if (this.opts.signal?.aborted) throw this.opts.signal.reason;
    // A pack is named by the hash of its bytes. The location gets what it checks the upload with:
    // a SHA-256 name doubles as S3's signed payload hash; otherwise a CRC-32, where it takes one.
    const { packHash } = this.opts;
    const crc32 = packHash !== "sha256" && this.opts.location.putChecksum === "crc32";
    const digest = this.opts.hashPack ? await this.opts.hashPack(bytes, packHash, crc32) : packDigest(packHash, bytes, crc32);
    const pack: IndexedPack = { id: digest.name, blobs };
    const retainUntil = this.opts.retainUntil?.();
    await this.put(keyOf.pack(pack.id), bytes, { retainUntil, sha256: packHash === "sha256" ? digest.name : undefined, crc32: digest.crc32 });
    this.uploadedBytes += bytes.length;
    const segmentId = randomId();
    const segment = sealObject(this.opts.keys, keyOf.index(segmentId), encodeIndexSegment({ supersedes: [], packs: [pack] }));
    await this.put(keyOf.index(segmentId), segment, { retainUntil });
    this.segments.push(segmentId);
    this.opts.onPackDurable?.(pack, bytes.length, segmentId);
  }

  /**
   * A put that rides out an outage (a restarting MinIO, a network blip) with backoff. Re-putting is
   * safe: packs are named by their content and segments are new objects, so a retry after an upload
   * that did complete only writes the same bytes again.
   */
  private put(key: string, body: Buffer, opts: PutOptions): Promise<void> {
    const deadline = Date.now() + (this.opts.outageToleranceMs ?? 120_000);
    return pRetry(() => this.opts.location.put(key, body, opts), {
      retries: 1000,
      minTimeout: 500,
      maxTimeout: 10_000,
      // Not p-retry's `signal`: it leaves a listener that rejects, unobserved, on a later abort.
      shouldRetry: ({ error }) => isTransient(error) && Date.now() < deadline && !this.opts.signal?.aborted,
    });
  }

  /** Flushes the last pack and waits until every pack and segment is durable. */
  async finish(): Promise<void> {
    await this.chain;
    this.flush();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Waits for uploads already started to settle, without raising their errors (for aborts). */
  async settle(): Promise<void> {
    await this.chain;
    this.blobs = [];
    this.used = 0;
    await Promise.allSettled([...this.inFlight]);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
