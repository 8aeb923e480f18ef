// A backup location is where a repository lives: an S3-compatible bucket (FlashBlade, AWS, MinIO,
// Google Cloud Storage's XML API), an Azure Blob container, or a local/NFS folder. Every driver
// implements this one small interface; the repository format above it never knows which it has.
import type { Readable } from "node:stream";

export type LocationKind = "s3" | "azure" | "gcs" | "folder";

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  /** With object lock on the bucket: the object may not be deleted or overwritten before this date. */
  retainUntil?: Date;
  /**
   * The body's SHA-256 (hex), when the caller has computed it anyway (version 1 and 2 repositories name packs by it).
   * S3 sends it as the signed payload hash instead of hashing the body again, and the server
   * refuses the upload if the bytes it received do not match.
   */
  sha256?: string;
  /** The body's CRC-32, when the caller has it; sent where the location says so (putChecksum). */
  crc32?: number;
}

export interface Location {
  readonly kind: LocationKind;
  /** Human-readable address for messages, e.g. "s3://backups/prod at https://fb.example:443". */
  readonly address: string;
  /** Writes an object whole; it is visible only once complete (multipart uploads included). */
  put(key: string, body: Buffer | Readable, opts?: PutOptions): Promise<void>;
  /**
   * "crc32" when put() sends PutOptions.crc32 for the server to check the body against, instead of
   * a SHA-256 of its own (S3: an unsigned payload with x-amz-checksum-crc32).
   */
  readonly putChecksum?: "crc32";
  /** Reads an object, or `length` bytes of it from `offset`. Fails with code "not-found" if absent. */
  get(key: string, range?: { offset: number; length: number }): Promise<Buffer>;
  /**
   * Reads `length` bytes from `offset` into `into` (room for at least `length`; it may be shared
   * memory): how many were read, fewer when the object ends first. Fails like get(). Restores read
   * packs this way, into memory they reuse.
   */
  readInto(key: string, range: { offset: number; length: number }, into: Uint8Array): Promise<number>;
  getStream(key: string): Promise<Readable>;
  /** Size and date of an object, or undefined when there is none. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in no particular order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Deletes an object; deleting one that is absent is not an error. */
  delete(key: string): Promise<void>;
  /** Whether the container has object lock (S3) / immutability (Azure) available for `retainUntil`. */
  objectLockEnabled(): Promise<boolean>;
  /**
   * Creates the bucket or container when it does not exist (a ClusterPair's location may be new);
   * true when it was created. A folder is never created: under an unmounted NFS share that would
   * put backups on the local disk.
   */
  createContainer(): Promise<boolean>;
  close(): Promise<void>;
}

/** What went wrong, as something an admin can act on. */
export type LocationErrorCode =
  | "auth" // wrong access key / secret / account key / SAS
  | "permission" // credentials valid but not allowed to do this
  | "no-container" // bucket or container does not exist
  | "not-found" // the object does not exist
  | "unreachable" // DNS, connection refused, timeout
  | "tls" // certificate not trusted, expired, wrong host name
  | "clock-skew" // the request's time differs too much from the server's
  | "locked" // object lock / immutability refused a delete or overwrite
  | "invalid-config" // the location's settings are malformed
  | "other";

export class LocationError extends Error {
  constructor(
    readonly code: LocationErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LocationError";
  }
}

export interface ValidationStep {
  step: "write" | "read" | "list" | "delete";
  ok: boolean;
  ms: number;
}

export interface ValidationResult {
  ok: boolean;
  steps: ValidationStep[];
  /** Present when !ok: the first failure, with its code and a message an admin can act on. */
  error?: { code: LocationErrorCode; message: string; hint?: string };
  objectLock: boolean;
}
