// A repository in a location: created with a password, opened with it, holding snapshots.
// Backups, restores, verify and prune build on this (main/transfer, verify.ts, prune.ts).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Location } from "../locations/types";
import { LocationError } from "../locations/types";
import { CHUNKER_NAME, DEFAULT_CHUNKER, validateChunkerParams, type ChunkerParams } from "./chunker";
import { DEFAULT_CONTENT_ID, DEFAULT_KDF, isContentIdAlgorithm, newMasterKeys, openObject, sealObject, unwrapMasterKeys, wrapMasterKeys, WrongPasswordError, type ContentIdAlgorithm, type KeyFile, type MasterKeys } from "./crypto";
import { idOfKey, keyOf, packHashOf, parseVersionFile, PREFIX, randomId, REPOSITORY_FORMAT, REPOSITORY_VERSION, type PackHash, type SnapshotManifest, type VersionFile } from "./format";
import { mapLimit } from "./concurrency";

export interface RepositoryConfig {
  version: 1;
  chunker: { algorithm: typeof CHUNKER_NAME; seed: string } & ChunkerParams;
  contentId: ContentIdAlgorithm;
  encryption: "aes-256-gcm";
  compression: { algorithm: "zstd"; level: number };
  packSize: number;
  /** With object lock on the bucket: days every object is kept immutable. */
  retentionDays?: number;
}

export interface InitOptions {
  chunker?: ChunkerParams;
  packSize?: number;
  compressionLevel?: number;
  /** How chunk ids are derived; repositories made before BLAKE3 ids use hmac-sha256. */
  contentId?: ContentIdAlgorithm;
  retentionDays?: number;
  /** scrypt cost; lower only in tests. */
  kdf?: { N: number; r: number; p: number };
}

export class RepositoryError extends Error {
  constructor(readonly code: "exists" | "not-a-repository" | "wrong-password" | "unsupported" | "no-object-lock" | "no-such-backup", message: string) {
    super(message);
    this.name = "RepositoryError";
  }
}

/**
 * Packs of new repositories. 32 MiB halves the objects (and their index segments) a backup writes
 * against 16 MiB: a 1 GiB backup 3-5% faster to MinIO and to a folder here, for 50 MB more peak
 * memory (three pack buffers: two uploading, one filling). Restores read ranges, whatever the size.
 */
export const DEFAULT_PACK_SIZE = 32 * 1024 * 1024;

async function readJson<T>(location: Location, key: string): Promise<T> {
  return JSON.parse((await location.get(key)).toString("utf8")) as T;
}

export class Repository {
  private constructor(
    readonly location: Location,
    readonly keys: MasterKeys,
    readonly config: RepositoryConfig,
    readonly info: VersionFile,
  ) {}

  get id(): string {
    return this.info.id;
  }

  /** The keys and id algorithm the transfer workers seal and open blobs with. */
  get workerKeys(): MasterKeys & { contentId: ContentIdAlgorithm } {
    return { encryptionKey: this.keys.encryptionKey, idKey: this.keys.idKey, contentId: this.config.contentId };
  }

  /** How this repository names its packs (by its format version). */
  get packHash(): PackHash {
    return packHashOf(this.info.version);
  }

  get seed(): Buffer {
    return Buffer.from(this.config.chunker.seed, "base64");
  }

  /** Creates a repository in an empty location (refuses one that already has a repository). */
  static async init(location: Location, password: string, opts: InitOptions = {}): Promise<Repository> {
    if (await location.head(keyOf.version())) {
      throw new RepositoryError("exists", `${location.address} already holds a Lifeboat repository; open it instead`);
    }
    const chunker = opts.chunker ?? DEFAULT_CHUNKER;
    validateChunkerParams(chunker);
    if (opts.retentionDays !== undefined && !(await location.objectLockEnabled())) {
      throw new RepositoryError("no-object-lock", `${location.address} has no object lock; immutable retention needs a bucket created with object lock enabled`);
    }
    const keys = newMasterKeys();
    const config: RepositoryConfig = {
      version: 1,
      chunker: { algorithm: CHUNKER_NAME, seed: randomBytes(32).toString("base64"), ...chunker },
      contentId: opts.contentId ?? DEFAULT_CONTENT_ID,
      encryption: "aes-256-gcm",
      compression: { algorithm: "zstd", level: opts.compressionLevel ?? 1 },
      packSize: opts.packSize ?? DEFAULT_PACK_SIZE,
      ...(opts.retentionDays !== undefined ? { retentionDays: opts.retentionDays } : {}),
    };
    // HMAC-SHA256 ids are version 1, which also names packs by SHA-256.
    const version = config.contentId === "hmac-sha256" ? 1 : REPOSITORY_VERSION;
    const info: VersionFile = { format: REPOSITORY_FORMAT, version, id: randomId(), created: new Date().toISOString() };
    const keyFile = await wrapMasterKeys(keys, password, opts.kdf ?? DEFAULT_KDF);
    // The version file goes last: a location with only some of these objects is not yet a repository.
    await location.put(keyOf.keyFile(randomId()), Buffer.from(JSON.stringify(keyFile, null, 2)));
    await location.put(keyOf.config(), sealObject(keys, keyOf.config(), Buffer.from(JSON.stringify(config))));
    await location.put(keyOf.version(), Buffer.from(JSON.stringify(info, null, 2)));
    return new Repository(location, keys, config, info);
  }

  static async open(location: Location, password: string): Promise<Repository> {
    let info: VersionFile;
    try {
      info = parseVersionFile((await location.get(keyOf.version())).toString("utf8"));
    } catch (err) {
      if (err instanceof LocationError && err.code === "not-found") {
        throw new RepositoryError("not-a-repository", `${location.address} holds no Lifeboat repository (no ${keyOf.version()})`);
      }
      throw err;
    }
    // The config is fetched while the password is checked (scrypt runs on libuv's threads).
    const sealedConfig = location.get(keyOf.config());
    sealedConfig.catch(() => undefined); // awaited once the keys are known
    const keyFiles: KeyFile[] = [];
    for await (const obj of location.list(PREFIX.keys)) keyFiles.push(await readJson<KeyFile>(location, obj.key));
    let keys: MasterKeys | undefined;
    for (const file of keyFiles) {
      try {
        keys = await unwrapMasterKeys(file, password);
        break;
      } catch (err) {
        if (!(err instanceof WrongPasswordError)) throw err;
      }
    }
    if (!keys) throw new RepositoryError("wrong-password", `wrong password for the repository at ${location.address}`);
    const config = JSON.parse(openObject(keys, keyOf.config(), await sealedConfig).toString("utf8")) as RepositoryConfig;
    if (config.version !== 1 || config.chunker.algorithm !== CHUNKER_NAME) {
      throw new RepositoryError("unsupported", `repository uses ${config.chunker.algorithm} (config version ${config.version}), which this Lifeboat cannot read`);
    }
    if (!isContentIdAlgorithm(config.contentId) || (info.version === 1 && config.contentId !== "hmac-sha256")) {
      throw new RepositoryError("unsupported", `repository (format version ${info.version}) derives chunk ids with ${String(config.contentId)}, which this Lifeboat cannot read`);
    }
    return new Repository(location, keys, config, info);
  }

  /** Adds a key file for the new password, then removes the others. The data is untouched. */
  async changePassword(newPassword: string, kdf: { N: number; r: number; p: number } = DEFAULT_KDF): Promise<void> {
    const old: string[] = [];
    for await (const obj of this.location.list(PREFIX.keys)) old.push(obj.key);
    await this.location.put(keyOf.keyFile(randomId()), Buffer.from(JSON.stringify(await wrapMasterKeys(this.keys, newPassword, kdf), null, 2)));
    for (const key of old) await this.location.delete(key);
  }

  /** The retention date for objects written now, when the repository is immutable. */
  retainUntil(): Date | undefined {
    return this.config.retentionDays ? new Date(Date.now() + this.config.retentionDays * 86_400_000) : undefined;
  }

  async readSnapshot(id: string): Promise<SnapshotManifest> {
    const key = keyOf.snapshot(id);
    return JSON.parse(openObject(this.keys, key, await this.location.get(key)).toString("utf8")) as SnapshotManifest;
  }

  async writeSnapshot(manifest: SnapshotManifest): Promise<void> {
    const key = keyOf.snapshot(manifest.id);
    await this.location.put(key, sealObject(this.keys, key, Buffer.from(JSON.stringify(manifest))), { retainUntil: this.retainUntil() });
  }

  /** Every snapshot, oldest first. */
  async listSnapshots(): Promise<SnapshotManifest[]> {
    const ids: string[] = [];
    for await (const obj of this.location.list(PREFIX.snapshots)) ids.push(idOfKey(obj.key));
    const manifests = await mapLimit(ids, 8, (id) => this.readSnapshot(id));
    return manifests.sort((a, b) => a.time.localeCompare(b.time));
  }

  /** Deletes snapshot manifests; their data goes with the next prune. */
  async forget(ids: string[]): Promise<void> {
    for (const id of ids) await this.location.delete(keyOf.snapshot(id));
  }

  static hostname(): string {
    return hostname();
  }
}

/** Keep-last-N retention: the snapshots to forget, newest N kept per value of `groupTag`. */
export function snapshotsBeyondKeepLast(snapshots: SnapshotManifest[], keepLast: number, groupTag = "backup"): string[] {
  if (!Number.isInteger(keepLast) || keepLast < 1) throw new Error(`keep-last must be a whole number ≥ 1, got ${keepLast}`);
  const groups = new Map<string, SnapshotManifest[]>();
  for (const s of snapshots) {
    const group = s.tags[groupTag] ?? "";
    groups.set(group, [...(groups.get(group) ?? []), s]);
  }
  return [...groups.values()].flatMap((list) =>
    [...list].sort((a, b) => b.time.localeCompare(a.time)).slice(keepLast).map((s) => s.id));
}
