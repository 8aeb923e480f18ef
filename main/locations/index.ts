// Opens the driver for a location's settings. Settings from outside (UI, files) go through
// parseLocationConfig first.
import { s3Address } from "./address";
import { GCS_DEFAULT_ENDPOINT, type LocationConfig } from "./config";
import { FolderLocation } from "./folder";
import type { Location, LocationKind, ObjectInfo, PutOptions } from "./types";
import type { Readable } from "node:stream";

/**
 * A cloud driver loaded on first use. The AWS and Azure SDKs are large: loaded eagerly they slow
 * every start and, worse, enlarge the heap every garbage collection must walk — which the transfer
 * engine, moving hundreds of megabytes of buffers, pays for on each collection.
 */
class LazyLocation implements Location {
  private loaded?: Location;
  private loading?: Promise<Location>;

  constructor(
    readonly kind: LocationKind,
    private readonly provisionalAddress: string,
    private readonly load: () => Promise<Location>,
  ) {}

  get address(): string {
    return this.loaded?.address ?? this.provisionalAddress;
  }

  /** The driver's, once any call has loaded it (opening a repository does, before any backup). */
  get putChecksum(): "crc32" | undefined {
    return this.loaded?.putChecksum;
  }

  private driver(): Promise<Location> {
    this.loading ??= this.load().then((d) => (this.loaded = d));
    return this.loading;
  }

  async put(key: string, body: Buffer | Readable, opts?: PutOptions) { return (await this.driver()).put(key, body, opts); }
  async get(key: string, range?: { offset: number; length: number }) { return (await this.driver()).get(key, range); }
  async readInto(key: string, range: { offset: number; length: number }, into: Uint8Array) { return (await this.driver()).readInto(key, range, into); }
  async getStream(key: string) { return (await this.driver()).getStream(key); }
  async head(key: string) { return (await this.driver()).head(key); }
  async delete(key: string) { return (await this.driver()).delete(key); }
  async objectLockEnabled() { return (await this.driver()).objectLockEnabled(); }
  async createContainer() { return (await this.driver()).createContainer(); }
  async *list(prefix: string): AsyncIterable<ObjectInfo> { yield* (await this.driver()).list(prefix); }
  async close() { if (this.loading) await (await this.loading).close(); }
}

export function openLocation(config: LocationConfig): Location {
  switch (config.kind) {
    case "s3":
      return new LazyLocation("s3", s3Address(config, "s3"), async () => new (await import("./s3")).S3Location(config));
    case "gcs": {
      const address = s3Address({ kind: "s3", region: "auto", bucket: config.bucket, prefix: config.prefix, endpoint: config.endpoint ?? GCS_DEFAULT_ENDPOINT, accessKeyId: "-", secretAccessKey: "-" }, "gs");
      return new LazyLocation("gcs", address, async () => (await import("./gcs")).openGcsLocation(config));
    }
    case "azure": {
      const address = `azure://${config.container}${config.prefix ? `/${config.prefix}` : ""}`;
      return new LazyLocation("azure", address, async () => new (await import("./azure")).AzureLocation(config));
    }
    case "folder":
      return new FolderLocation(config);
  }
}

export { parseLocationConfig, type LocationConfig } from "./config";
export { validateLocation } from "./validate";
export * from "./types";
