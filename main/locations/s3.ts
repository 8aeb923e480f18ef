// The S3 driver: AWS, Pure FlashBlade, MinIO, and (through its XML API) Google Cloud Storage.
// Retries, multipart uploads and request signing are the AWS SDK's; this file maps the Location
// interface onto them and configures them for third-party S3 servers.
import { createHash, createHmac } from "node:crypto";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { Readable } from "node:stream";
import { rootCertificates } from "node:tls";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  paginateListObjectsV2,
  type PutObjectCommandInput,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import { s3Address } from "./address";
import { resolveForcePathStyle, type S3LocationConfig } from "./config";
import { RangedGetHandler, Unframed } from "./s3-ranged-get";
import { classifyS3Error, type Operation } from "./errors";
import { assertIntoRange, assertRange, httpRange, readBody, type ByteRange } from "./range";
import { LocationError, type Location, type ObjectInfo, type PutOptions } from "./types";

/** Buffers up to this size (a pack) go in one PutObject; larger ones and streams in parts. */
export const S3_SINGLE_PUT_MAX = 32 * 1024 * 1024;
/** The size of those parts. */
export const S3_PART_SIZE = 16 * 1024 * 1024;

const UPLOAD_QUEUE_SIZE = 4;

/**
 * Signs the put with a payload hash the caller already has: SigV4 takes an x-amz-content-sha256
 * header that is present instead of hashing the body (a second pass over every pack), and the
 * server checks the body against it. "UNSIGNED-PAYLOAD" leaves the body out of the signature.
 */
function withPayloadHash(command: PutObjectCommand, sha256: string): void {
  command.middlewareStack.add(
    (next) => (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) request.headers["x-amz-content-sha256"] = sha256;
      return next(args);
    },
    { step: "build", name: "lifeboatPayloadHash" },
  );
}

/** SigV4's hashes from Node's crypto (the SDK's own choice on Node). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData) => (typeof data === "string" ? data : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));

class NodeSha256 {
  private hash;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined ? createHash("sha256") : createHmac("sha256", bytesOf(this.secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

/** The SHA-256 of an empty payload, which a GET is signed with (as the SDK signs it). */
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Keys whose path is themselves (nothing to escape): a repository's pack keys, and most others. */
const PLAIN_KEY = /^[A-Za-z0-9/._-]+$/;

/** Where the SDK sends an object's GET, learned from one it sent: the path up to the key. */
interface GetAddress {
  protocol: string;
  hostname: string;
  port?: number;
  host: string;
  pathBase: string;
}

export interface S3DriverOptions {
  /** "gcs" when this driver serves Google Cloud Storage's XML API. */
  kind?: "s3" | "gcs";
  /**
   * For tests only: sign requests as if this computer's clock were this many milliseconds ahead
   * (the S3Client's systemClockOffset), to provoke the server's RequestTimeTooSkewed.
   *
   * Note on real skew: when the machine's clock itself is off by more than 4 minutes, the SDK learns
   * the server's time from the error's Date header and retries, so users rarely see clock-skew from
   * S3; it surfaces when that correction cannot happen (e.g. a caching proxy adds an Age header).
   * An offset set here is "corrected" back to about zero without that retry, so the first request
   * fails with clock-skew and later ones succeed, which is what the tests rely on.
   */
  testClockOffsetMs?: number;
}

const CONNECTION_TIMEOUT_MS = 10_000;
/** Idle time on an open connection, not the total: a 32 MiB pack on a slow link may take minutes. */
const SOCKET_TIMEOUT_MS = 120_000;

function httpHandler(config: S3LocationConfig): RangedGetHandler {
  const agentOptions = { keepAlive: true, maxSockets: 32 };
  const tls = {
    // The private CA is added to the public roots rather than replacing them, so a bundle that
    // happens to be set for an endpoint with a public certificate does not break it.
    ca: config.caBundle ? [...rootCertificates, config.caBundle] : undefined,
    rejectUnauthorized: config.insecureSkipTlsVerify !== true,
  };
  const fallback = new NodeHttpHandler({
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    httpAgent: new HttpAgent(agentOptions),
    httpsAgent: new HttpsAgent({ ...agentOptions, ...tls }),
  });
  // Restores read packs in ranges: those GETs take the lean path (s3-ranged-get.ts).
  return new RangedGetHandler({ fallback, tls, connectionTimeoutMs: CONNECTION_TIMEOUT_MS, socketTimeoutMs: SOCKET_TIMEOUT_MS });
}

export { s3Address } from "./address";

type SdkRequest = Parameters<NodeHttpHandler["handle"]>[0];

/** Where a GET of `key` went, if its path ends with the key as it is. */
function addressOf(request: SdkRequest, key: string): GetAddress | undefined {
  if (!request.path.endsWith(`/${key}`)) return undefined;
  return {
    protocol: request.protocol,
    hostname: request.hostname,
    port: request.port,
    host: request.port ? `${request.hostname}:${request.port}` : request.hostname,
    pathBase: request.path.slice(0, request.path.length - key.length),
  };
}

function md5Base64(body: Buffer): string {
  return createHash("md5").update(body).digest("base64");
}

/** A base64 big-endian CRC-32, as x-amz-checksum-crc32 carries it. */
function crc32Base64(crc32: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc32 >>> 0);
  return bytes.toString("base64");
}

/** The server's answer when the body it received does not match the checksum or hash sent with it. */
const DIGEST_MISMATCH = new Set(["BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch", "XAmzContentSHA256Mismatch"]);

export class S3Location implements Location {
  readonly kind: "s3" | "gcs";
  /**
   * Puts given a CRC-32 send it in x-amz-checksum-crc32 with an unsigned payload, so neither side
   * hashes the body with SHA-256: that was a fifth of MinIO's CPU time during a backup. The
   * checksum still catches a body damaged on the way, and every blob in it is authenticated
   * (AES-GCM). GCS's XML API takes no x-amz-checksum headers, so there the SDK signs the body.
   */
  readonly putChecksum: "crc32" | undefined;
  /** Set when the server refused an unsigned, checksummed put (an S3-compatible server without them). */
  private signedPutsOnly = false;
  readonly address: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly clockOffsetMs: number;
  private versioned: Promise<boolean> | undefined;
  private readonly transport: RangedGetHandler;
  /**
   * Ranged reads go out signed here and straight to the transport once the SDK has shown where an
   * object's GET goes: its middleware (serializing, endpoint rules, retry bookkeeping, parsing)
   * cost 1.3 ms of CPU per read, a tenth of a restore's engine thread. Anything but a clean answer
   * is read again through the SDK, which explains errors and retries. A refusal other than "no such
   * object", "no such range" or a server error (a region redirect, a proxy's rules), or an answer
   * without a length, stops the direct reads.
   */
  private getAddress: GetAddress | undefined;
  private directReads = true;
  private readonly signer: SignatureV4;

  constructor(config: S3LocationConfig, options: S3DriverOptions = {}) {
    this.kind = options.kind ?? "s3";
    this.putChecksum = this.kind === "s3" ? "crc32" : undefined;
    this.address = s3Address(config, this.kind === "gcs" ? "gs" : "s3");
    this.bucket = config.bucket;
    this.prefix = config.prefix ?? "";
    this.clockOffsetMs = options.testClockOffsetMs ?? 0;
    const credentials = { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey, sessionToken: config.sessionToken };
    this.signer = new SignatureV4({ service: "s3", region: config.region, credentials, sha256: NodeSha256, uriEscapePath: false });
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: resolveForcePathStyle(config),
      // On AWS a wrong region is corrected by following the redirect; other servers have one region.
      followRegionRedirects: config.endpoint === undefined,
      credentials,
      requestHandler: (this.transport = httpHandler(config)),
      // The SDK retries throttling, 5xx and network errors with backoff, never auth, TLS or missing buckets.
      maxAttempts: 5,
      retryMode: "standard",
      // Since 3.729 the SDK adds CRC32 checksum headers (and aws-chunked trailers for streams) to every
      // upload by default. S3-compatible servers that predate this reject them: GCS's XML API answers
      // ExcessHeaderValues, others NotImplemented or a signature mismatch. Send only the checksums an
      // operation requires, plus the ones we ask for explicitly (object-lock puts, see put()).
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      systemClockOffset: options.testClockOffsetMs,
    });
  }

  /** How many requests took the lean ranged-read path (and of those, how many the SDK never saw), went through Node's client, and sockets opened. */
  get transportStats(): Readonly<RangedGetHandler["stats"]> {
    return { ...this.transport.stats };
  }

  private objectKey(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private locationKey(objectKey: string): string {
    return this.prefix ? objectKey.slice(this.prefix.length + 1) : objectKey;
  }

  private error(err: unknown, operation: Operation, key?: string): LocationError {
    return classifyS3Error(err, {
      address: this.address,
      container: this.bucket,
      operation,
      key,
      clientTime: new Date(Date.now() + this.clockOffsetMs),
    });
  }

  async put(key: string, body: Buffer | Readable, opts: PutOptions = {}): Promise<void> {
    const Key = this.objectKey(key);
    const lock: Partial<PutObjectCommandInput> = opts.retainUntil
      ? { ObjectLockMode: "COMPLIANCE", ObjectLockRetainUntilDate: opts.retainUntil }
      : {};
    try {
      if (Buffer.isBuffer(body) && body.length <= S3_SINGLE_PUT_MAX) {
        const input: PutObjectCommandInput = {
          Bucket: this.bucket, Key, Body: body, ContentLength: body.length, ...lock,
          // S3 requires an integrity header on puts with retention; Content-MD5 is the one every
          // S3-compatible server understands (MinIO accepts the put without one).
          ...(opts.retainUntil ? { ContentMD5: md5Base64(body) } : {}),
        };
        let refused = false;
        if (opts.sha256 === undefined && opts.crc32 !== undefined && this.putChecksum === "crc32" && !this.signedPutsOnly) {
          try {
            await this.putUnsigned(input, opts.crc32);
            return;
          } catch (err) {
            // Refused (4xx, 501): put again, signed. If the trouble is elsewhere (credentials, the
            // bucket), the signed put fails too and its error is the one reported.
            const status = err instanceof S3ServiceException ? (err.$metadata.httpStatusCode ?? 0) : 0;
            if (!((status >= 400 && status < 500) || status === 501)) throw err;
            // A body damaged on the way is sent again as it is; anything else is the server's rule.
            refused = !DIGEST_MISMATCH.has((err as S3ServiceException).name);
          }
        }
        const command = new PutObjectCommand(input);
        if (opts.sha256) withPayloadHash(command, opts.sha256);
        await this.client.send(command);
        if (refused) this.signedPutsOnly = true;
        return;
      }
      // Parts are uploaded 4 at a time and the object appears only when the upload completes;
      // on failure the SDK aborts the multipart upload so no parts are left behind.
      await new Upload({
        client: this.client,
        partSize: S3_PART_SIZE,
        queueSize: UPLOAD_QUEUE_SIZE,
        leavePartsOnError: false,
        params: {
          Bucket: this.bucket, Key, Body: body, ...lock,
          // lib-storage cannot send a per-part Content-MD5; a CRC32 per part satisfies the object-lock rule.
          ...(opts.retainUntil ? { ChecksumAlgorithm: "CRC32" as const } : {}),
        },
      }).done();
    } catch (err) {
      throw this.error(err, "put", key);
    }
  }

  private async putUnsigned(input: PutObjectCommandInput, crc32: number): Promise<void> {
    const command = new PutObjectCommand({ ...input, ChecksumCRC32: crc32Base64(crc32) });
    withPayloadHash(command, "UNSIGNED-PAYLOAD");
    await this.client.send(command);
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    if (range) assertRange(range);
    if (range?.length === 0) return Buffer.alloc(0);
    try {
      const command = new GetObjectCommand({
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Range: range ? httpRange(range) : undefined,
      });
      let sent: GetAddress | undefined;
      if (range && !this.getAddress && this.directReads && PLAIN_KEY.test(key)) {
        command.middlewareStack.add((next) => (args) => {
          sent = addressOf(args.request as SdkRequest, key);
          return next(args);
        }, { step: "build", name: "lifeboatGetAddress" });
      }
      const out = await this.client.send(command);
      if (!out.Body) throw new LocationError("other", `${this.address} returned no data for "${key}"`);
      const body = await readBody(out.Body as Readable, out.ContentLength);
      this.getAddress ??= sent;
      return body;
    } catch (err) {
      throw this.error(err, "get", key);
    }
  }

  async readInto(key: string, range: ByteRange, into: Uint8Array): Promise<number> {
    assertIntoRange(range, into);
    if (range.length === 0) return 0;
    const target = into.subarray(0, range.length);
    if (this.getAddress && this.directReads && PLAIN_KEY.test(key)) {
      const read = await this.readDirect(this.getAddress, key, range, target);
      if (read !== undefined) return read;
    }
    const bytes = await this.get(key, range);
    if (bytes.length > range.length) throw new LocationError("other", `${this.address} answered a read of ${range.length} bytes of "${key}" with ${bytes.length}`);
    target.set(bytes);
    return bytes.length;
  }

  /** A ranged read signed here and sent without the SDK; undefined when the SDK must read it instead. */
  private async readDirect(address: GetAddress, key: string, range: ByteRange, into: Uint8Array): Promise<number | undefined> {
    try {
      const request = await this.signer.sign(
        { method: "GET", protocol: address.protocol, hostname: address.hostname, port: address.port, path: address.pathBase + key, query: {}, headers: { host: address.host, range: httpRange(range), "x-amz-content-sha256": EMPTY_SHA256 } },
        // The SDK learns the server's clock from a skew error and keeps the offset in its config.
        { signingDate: new Date(Date.now() + (this.client.config.systemClockOffset ?? 0)) },
      );
      const response = await this.transport.getInto(request, into);
      const at = /^bytes (\d+)-/.exec(response.headers["content-range"] ?? "");
      if ((response.statusCode === 206 && at && Number(at[1]) === range.offset) || (response.statusCode === 200 && range.offset === 0)) return response.body.length;
      if (response.statusCode !== 404 && response.statusCode !== 416 && response.statusCode < 500) this.directReads = false;
    } catch (err) {
      // A network failure: the SDK reads it again, with its retries. An answer without a length
      // (chunked) will keep coming: the SDK reads it and the ones after it.
      if (err instanceof Unframed) this.directReads = false;
    }
    return undefined;
  }

  async getStream(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      if (!(out.Body instanceof Readable)) throw new LocationError("other", `${this.address} returned no data stream for "${key}"`);
      return out.Body;
    } catch (err) {
      throw this.error(err, "get", key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { key, size: out.ContentLength ?? 0, lastModified: out.LastModified ?? new Date(0) };
    } catch (err) {
      const error = this.error(err, "head", key);
      if (error.code === "not-found") return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    try {
      const pages = paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: this.objectKey(prefix) });
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined) continue;
          yield { key: this.locationKey(object.Key), size: object.Size ?? 0, lastModified: object.LastModified ?? new Date(0) };
        }
      }
    } catch (err) {
      throw this.error(err, "list", prefix);
    }
  }

  /**
   * Deletes the object's data. On a versioned bucket (which object lock implies) a plain DeleteObject
   * only hides the object behind a delete marker and keeps every byte, so there each version is
   * deleted by id; a version under retention makes the delete fail with "locked", which is how an
   * immutable backup must behave: reported, never silently kept or silently destroyed.
   */
  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      if (await this.isVersioned()) {
        await this.deleteAllVersions(Key);
        return;
      }
      const out = await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
      // Versioning turned on since we looked, or we may not read it: the marker tells us.
      if (out.DeleteMarker) await this.deleteAllVersions(Key);
    } catch (err) {
      throw this.error(err, "delete", key);
    }
  }

  private isVersioned(): Promise<boolean> {
    this.versioned ??= this.client.send(new GetBucketVersioningCommand({ Bucket: this.bucket })).then(
      (out) => out.Status === "Enabled" || out.Status === "Suspended",
      (err: unknown) => {
        this.versioned = undefined;
        // Without s3:GetBucketVersioning, delete() still notices versioning from the delete marker.
        if (classifyS3Error(err, { address: this.address, container: this.bucket, operation: "delete" }).code === "permission") return false;
        throw err;
      },
    );
    return this.versioned;
  }

  private async deleteAllVersions(Key: string): Promise<void> {
    const versions: { id: string; latest: boolean; modified: number }[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.client.send(new ListObjectVersionsCommand({
        Bucket: this.bucket, Prefix: Key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker,
      }));
      let passedKey = false;
      for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
        if (v.Key !== Key) passedKey = true;
        if (v.Key !== Key || v.VersionId === undefined) continue;
        versions.push({ id: v.VersionId, latest: v.IsLatest === true, modified: v.LastModified?.getTime() ?? 0 });
      }
      // Listings are sorted by key and Key sorts before every longer key it prefixes: once another
      // key shows up, all of Key's versions have been seen.
      keyMarker = page.IsTruncated && !passedKey ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    // Oldest first and the current version last: if a locked version stops us part way, what
    // readers see (the current version) has not changed.
    versions.sort((a, b) => Number(a.latest) - Number(b.latest) || a.modified - b.modified);
    for (const v of versions) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key, VersionId: v.id }));
    }
  }

  async objectLockEnabled(): Promise<boolean> {
    try {
      const out = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.bucket }));
      return out.ObjectLockConfiguration?.ObjectLockEnabled === "Enabled";
    } catch (err) {
      if (isNoObjectLock(err)) return false;
      throw this.error(err, "object-lock");
    }
  }

  async createContainer(): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return false;
    } catch (err) {
      const error = this.error(err, "head");
      // HeadBucket answers a missing bucket with a bare 404, which reads as "not found".
      if (error.code !== "no-container" && error.code !== "not-found") throw error;
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      return true;
    } catch (err) {
      throw this.error(err, "create");
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** Servers answer "no lock configuration" in several ways; GCS's XML API has no object lock at all. */
function isNoObjectLock(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const { name, $metadata } = err as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return (
    name === "ObjectLockConfigurationNotFoundError" ||
    name === "NotImplemented" ||
    name === "MethodNotAllowed" ||
    $metadata?.httpStatusCode === 501
  );
}
