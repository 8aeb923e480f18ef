// The Azure Blob driver: block blobs in one container, with an account key, a SAS token or a
// connection string. Retries, block uploads and resumable downloads are the SDK's.
import { Readable } from "node:stream";
import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from "@azure/storage-blob";
import type { AzureAuth, AzureLocationConfig } from "./config";
import { classifyAzureError, type Operation } from "./errors";
import { assertIntoRange, assertRange, readBody, readBodyInto, type ByteRange } from "./range";
import { LocationError, type Location, type ObjectInfo, type PutOptions } from "./types";

const BLOCK_SIZE = 4 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;
/** Buffers up to this size go in one Put Blob; larger ones are staged as blocks and committed at once. */
const SINGLE_SHOT_SIZE = 16 * 1024 * 1024;
/** A download interrupted mid-stream resumes from where it stopped, this many times. */
const DOWNLOAD_RESUMES = 3;

const pipelineOptions: StoragePipelineOptions = {
  // Retries network errors, 500 and 503 with exponential backoff (0.8 s, 2.4 s, 5.6 s); never 4xx,
  // so wrong keys, missing containers and TLS failures are reported at once.
  retryOptions: { maxTries: 4, retryDelayInMs: 800, maxRetryDelayInMs: 15_000, tryTimeoutInMs: 120_000 },
  keepAliveOptions: { enable: true },
};

function serviceClient(auth: AzureAuth): BlobServiceClient {
  switch (auth.type) {
    case "account-key":
      return new BlobServiceClient(
        auth.endpoint ?? `https://${auth.accountName}.blob.core.windows.net`,
        new StorageSharedKeyCredential(auth.accountName, auth.accountKey),
        pipelineOptions,
      );
    case "sas": {
      const url = new URL(auth.endpoint);
      url.search = auth.sasToken;
      return new BlobServiceClient(url.toString(), new AnonymousCredential(), pipelineOptions);
    }
    case "connection-string":
      try {
        return BlobServiceClient.fromConnectionString(auth.connectionString, pipelineOptions);
      } catch (err) {
        throw new LocationError("invalid-config", `The Azure connection string is not valid: ${err instanceof Error ? err.message : String(err)}`,
          "Copy the connection string again from the storage account's Access keys page.", { cause: err });
      }
  }
}

/** The account URL without its query, which may hold a SAS token. */
function publicUrl(url: string): string {
  const u = new URL(url);
  u.search = "";
  return u.toString().replace(/\/+$/, "");
}

export class AzureLocation implements Location {
  readonly kind = "azure" as const;
  readonly address: string;
  private readonly container: ContainerClient;
  private readonly containerName: string;
  private readonly prefix: string;
  private immutability: Promise<boolean> | undefined;

  constructor(config: AzureLocationConfig) {
    const service = serviceClient(config.auth);
    this.container = service.getContainerClient(config.container);
    this.containerName = config.container;
    this.prefix = config.prefix ?? "";
    this.address = `azure://${config.container}${this.prefix ? `/${this.prefix}` : ""} at ${publicUrl(service.url)}`;
  }

  private blobName(key: string): string {
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  private error(err: unknown, operation: Operation, key?: string): LocationError {
    return classifyAzureError(err, { address: this.address, container: this.containerName, operation, key, clientTime: new Date() });
  }

  async put(key: string, body: Buffer | Readable, opts: PutOptions = {}): Promise<void> {
    const blob = this.container.getBlockBlobClient(this.blobName(key));
    if (opts.retainUntil && !(await this.objectLockEnabled())) {
      throw new LocationError(
        "invalid-config",
        `The container of ${this.address} does not have version-level immutability enabled (or these credentials may not read its properties), so "${key}" cannot be written with a retention date`,
        "Enable version-level immutability on the container (which needs blob versioning on the account), or turn off immutability for this location.",
      );
    }
    try {
      // Blocks stay uncommitted, and invisible, until the final Put Block List.
      if (Buffer.isBuffer(body)) {
        await blob.uploadData(body, { blockSize: BLOCK_SIZE, concurrency: UPLOAD_CONCURRENCY, maxSingleShotSize: SINGLE_SHOT_SIZE });
      } else {
        await blob.uploadStream(body, BLOCK_SIZE, UPLOAD_CONCURRENCY);
      }
      // The upload calls take no immutability policy, so it is set on the new version right after;
      // if this fails the put fails, and the caller knows the object is not protected.
      if (opts.retainUntil) await blob.setImmutabilityPolicy({ expiriesOn: opts.retainUntil, policyMode: "Locked" });
    } catch (err) {
      throw this.error(err, "put", key);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    if (range) assertRange(range);
    if (range?.length === 0) return Buffer.alloc(0);
    try {
      const stream = await this.download(key, range?.offset ?? 0, range?.length);
      return await readBody(stream, range?.length);
    } catch (err) {
      throw this.error(err, "get", key);
    }
  }

  async readInto(key: string, range: ByteRange, into: Uint8Array): Promise<number> {
    assertIntoRange(range, into);
    if (range.length === 0) return 0;
    try {
      return await readBodyInto(await this.download(key, range.offset, range.length), into.subarray(0, range.length));
    } catch (err) {
      throw this.error(err, "get", key);
    }
  }

  async getStream(key: string): Promise<Readable> {
    try {
      return await this.download(key, 0, undefined);
    } catch (err) {
      throw this.error(err, "get", key);
    }
  }

  private async download(key: string, offset: number, count: number | undefined): Promise<Readable> {
    const res = await this.container.getBlockBlobClient(this.blobName(key)).download(offset, count, { maxRetryRequests: DOWNLOAD_RESUMES });
    const body = res.readableStreamBody;
    if (!(body instanceof Readable)) throw new LocationError("other", `${this.address} returned no data stream for "${key}"`);
    return body;
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const props = await this.container.getBlockBlobClient(this.blobName(key)).getProperties();
      return { key, size: props.contentLength ?? 0, lastModified: props.lastModified ?? new Date(0) };
    } catch (err) {
      const error = this.error(err, "head", key);
      if (error.code === "not-found") return undefined;
      throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const start = this.prefix ? this.prefix.length + 1 : 0;
    try {
      for await (const item of this.container.listBlobsFlat({ prefix: this.blobName(prefix) })) {
        yield { key: item.name.slice(start), size: item.properties.contentLength ?? 0, lastModified: item.properties.lastModified };
      }
    } catch (err) {
      throw this.error(err, "list", prefix);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.container.getBlockBlobClient(this.blobName(key)).deleteIfExists({ deleteSnapshots: "include" });
    } catch (err) {
      throw this.error(err, "delete", key);
    }
  }

  /**
   * True when the container has version-level immutability (WORM) enabled. Azurite implements no
   * immutability at all and reports false, so the retention path is not exercised by our tests.
   * A container-scoped SAS may not read container properties; then we cannot know, and say false.
   */
  objectLockEnabled(): Promise<boolean> {
    this.immutability ??= this.container.getProperties().then(
      (props) => props.isImmutableStorageWithVersioningEnabled === true,
      (err: unknown) => {
        this.immutability = undefined;
        const error = this.error(err, "object-lock");
        if (error.code === "permission") return false;
        throw error;
      },
    );
    return this.immutability;
  }

  async createContainer(): Promise<boolean> {
    try {
      return (await this.container.createIfNotExists()).succeeded;
    } catch (err) {
      throw this.error(err, "create");
    }
  }

  async close(): Promise<void> {
    // The SDK holds no resources beyond keep-alive sockets, which close when idle.
  }
}
