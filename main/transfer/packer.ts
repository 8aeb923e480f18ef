// Packs sealed blobs into pack objects and uploads them, several at a time. Each pack's index
// segment is written only after the pack is durable, so a crash leaves packs that the next backup
// already knows about, and never an index that points at nothing (FORMAT.md, "Writing a backup").
import { createHash } from "node:crypto";
import pRetry from "p-retry";
import { LocationError, type Location, type PutOptions } from "../locations/types";
import { sealObject, type MasterKeys } from "../repo/crypto";
import { encodeIndexSegment, encodePackHeader, keyOf, packTrailer, randomId, type BlobType, type IndexedBlob, type IndexedPack, type PackedBlob } from "../repo/format";

export interface PackWriterOptions {
  location: Location;
  keys: MasterKeys;
  packSize: number;
  parallelUploads: number;
  retainUntil?: () => Date | undefined;
  /** Called after a pack and its index segment are durable. */
  onPackDurable?: (pack: IndexedPack, bytes: number, segmentId: string) => void;
  signal?: AbortSignal;
  /** How long an unreachable location is retried before the backup fails (default 2 minutes). */
  outageToleranceMs?: number;
}

/** Errors worth waiting out: the location is down or restarting, not misconfigured. */
function isTransient(err: unknown): boolean {
  return err instanceof LocationError && (err.code === "unreachable" || err.code === "other");
}

export class PackWriter {
  private blobs: PackedBlob[] = [];
  private parts: Uint8Array[] = [];
  private size = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;
  /** Index segments this writer wrote, for the backup to compact at the end. */
  readonly segments: string[] = [];
  uploadedBytes = 0;

  constructor(private readonly opts: PackWriterOptions) {}

  /** Adds a sealed blob; waits while too many packs are uploading (backpressure). */
  async add(type: BlobType, id: Buffer, sealed: Uint8Array, rawLength: number): Promise<void> {
    this.throwIfFailed();
    this.blobs.push({ type, id, length: sealed.length, rawLength });
    this.parts.push(sealed);
    this.size += sealed.length;
    if (this.size >= this.opts.packSize) await this.flush();
  }

  /** Seals the current pack and starts its upload; waits for a free upload slot first. */
  async flush(): Promise<void> {
    if (this.blobs.length === 0) return;
    const blobs = this.blobs;
    const parts = this.parts;
    this.blobs = [];
    this.parts = [];
    this.size = 0;
    while (this.inFlight.size >= this.opts.parallelUploads) await Promise.race(this.inFlight);
    this.throwIfFailed();

    const header = sealObject(this.opts.keys, "pack-header", encodePackHeader(blobs));
    const pack = Buffer.concat([...parts, packTrailer(header)]);
    const id = createHash("sha256").update(pack).digest("hex");
    let offset = 0;
    const indexed: IndexedBlob[] = blobs.map((b) => {
      const entry = { ...b, offset };
      offset += b.length;
      return entry;
    });
    const upload = this.upload({ id, blobs: indexed }, pack).catch((err: unknown) => {
      this.failure ??= err;
    });
    this.inFlight.add(upload);
    void upload.finally(() => this.inFlight.delete(upload));
  }

  private async upload(pack: IndexedPack, bytes: Buffer): Promise<void> {
    if (this.opts.signal?.aborted) throw this.opts.signal.reason;
    const retainUntil = this.opts.retainUntil?.();
    await this.put(keyOf.pack(pack.id), bytes, { retainUntil });
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
    await this.flush();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Waits for uploads already started to settle, without raising their errors (for aborts). */
  async settle(): Promise<void> {
    this.blobs = [];
    this.parts = [];
    await Promise.allSettled([...this.inFlight]);
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}
