// The folder driver: a local disk or an NFS/SMB mount. Objects are files under the root, keys map to
// relative paths with "/" separators. A put writes a temporary file next to the target, flushes it
// to disk and renames it into place, so a crash or power loss never leaves a partial object visible.
import { randomBytes } from "node:crypto";
import { mkdir, open, opendir, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import type { FolderLocationConfig } from "./config";
import { directIoFolder, writeDirect } from "./direct-io";
import { classifyFsError, errorCode, type Operation } from "./errors";
import { assertIntoRange, assertRange, type ByteRange } from "./range";
import { LocationError, type Location, type ObjectInfo, type PutOptions } from "./types";

const TEMP_SUFFIX = /\.tmp-[0-9a-f]{16}$/;

export function isTempName(name: string): boolean {
  return TEMP_SUFFIX.test(name);
}

function tempNameFor(path: string): string {
  return `${path}.tmp-${randomBytes(8).toString("hex")}`;
}

/** Why a key cannot name a file under the root, or undefined when it can. */
export function invalidKeyReason(key: string): string | undefined {
  if (key === "") return "the key is empty";
  if (key.includes("\0")) return "the key contains a NUL character";
  if (key.includes("\\")) return "the key contains a backslash";
  if (key.startsWith("/")) return "the key is an absolute path";
  const segments = key.split("/");
  if (segments.some((s) => s === "")) return "the key has an empty path segment";
  if (segments.some((s) => s === "." || s === "..")) return "the key contains . or .. and could escape the folder";
  if (isTempName(segments[segments.length - 1] ?? "")) return "the key looks like one of the driver's temporary files";
  return undefined;
}

/** The file for `key` under `root`; throws for keys that are malformed or would leave the root. */
export function keyToPath(root: string, key: string): string {
  const reason = invalidKeyReason(key);
  if (reason) throw new LocationError("invalid-config", `Invalid object key "${key}": ${reason}`);
  const path = join(root, ...key.split("/"));
  const rel = relative(root, path);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new LocationError("invalid-config", `Invalid object key "${key}": it resolves outside the folder`);
  }
  return path;
}

/** Directories to fsync after `mkdir -p dir` created `firstCreated`: its parent down to `dir`. */
export function directoriesToSync(dir: string, firstCreated: string | undefined): string[] {
  const dirs = [dir];
  if (firstCreated === undefined) return dirs;
  const top = dirname(firstCreated);
  for (let d = dir; d !== top && dirname(d) !== d; ) {
    d = dirname(d);
    dirs.push(d);
  }
  return dirs;
}

async function syncDirectory(dir: string): Promise<void> {
  // Makes the rename (the new directory entry) durable. Windows cannot open a directory for this;
  // NTFS journals the rename itself.
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FolderLocation implements Location {
  readonly kind = "folder" as const;
  readonly address: string;
  private readonly root: string;
  /** Whether large objects are written around the page cache (a local disk; see direct-io.ts). */
  private directIo: Promise<boolean> | undefined;

  constructor(config: FolderLocationConfig) {
    this.root = config.path;
    this.address = `folder ${config.path}`;
  }

  private error(err: unknown, operation: Operation, key: string | undefined, path: string): LocationError {
    return classifyFsError(err, { address: this.address, container: this.root, operation, key, path });
  }

  /** Refuses to work on a missing root: creating it could write backups to the local disk under an unmounted NFS mount point. */
  private async assertRoot(): Promise<void> {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(this.root)).isDirectory();
    } catch (err) {
      if (errorCode(err) === "ENOENT") {
        throw new LocationError("no-container", `The folder ${this.root} does not exist`,
          "Create the folder, or mount the share that should be there, and try again.", { cause: err });
      }
      throw this.error(err, "head", undefined, this.root);
    }
    if (!isDirectory) throw new LocationError("invalid-config", `${this.root} is not a folder`, "Choose a folder as the backup location.");
  }

  /** ENOENT on an object means "not found", unless the whole root is gone. */
  private async notFound(err: unknown, operation: Operation, key: string, path: string): Promise<LocationError> {
    await this.assertRoot();
    return this.error(err, operation, key, path);
  }

  async put(key: string, body: Buffer | Readable, opts: PutOptions = {}): Promise<void> {
    if (opts.retainUntil) {
      throw new LocationError("invalid-config", `${this.address} cannot keep objects immutable until a date (no object lock on folders)`,
        "Use an S3 bucket with object lock for immutable backups, or turn off immutability for this location.");
    }
    const path = keyToPath(this.root, key);
    await this.assertRoot();
    const dir = dirname(path);
    const temp = tempNameFor(path);
    try {
      const firstCreated = await mkdir(dir, { recursive: true });
      const handle = await open(temp, "wx");
      try {
        if (Buffer.isBuffer(body)) {
          this.directIo ??= directIoFolder(this.root);
          const direct = (await this.directIo) && (await writeDirect(handle, temp, body));
          if (!direct) await handle.writeFile(body);
        } else {
          for await (const chunk of body) await handle.writeFile(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Uint8Array));
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
      for (const d of directoriesToSync(dir, firstCreated)) await syncDirectory(d);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw this.error(err, "put", key, path);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    if (!range) {
      const path = keyToPath(this.root, key);
      try {
        return await readFile(path);
      } catch (err) {
        if (errorCode(err) === "ENOENT") throw await this.notFound(err, "get", key, path);
        throw this.error(err, "get", key, path);
      }
    }
    assertRange(range);
    // Not zero-filled: only the bytes read are ever returned.
    const buffer = Buffer.allocUnsafeSlow(range.length);
    return buffer.subarray(0, await this.readInto(key, range, buffer));
  }

  async readInto(key: string, range: ByteRange, into: Uint8Array): Promise<number> {
    assertIntoRange(range, into);
    const path = keyToPath(this.root, key);
    try {
      const handle = await open(path, "r");
      try {
        let filled = 0;
        while (filled < range.length) {
          const { bytesRead } = await handle.read(into, filled, range.length - filled, range.offset + filled);
          if (bytesRead === 0) break; // end of file: like S3, a range past the end returns what there is
          filled += bytesRead;
        }
        return filled;
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (errorCode(err) === "ENOENT") throw await this.notFound(err, "get", key, path);
      throw this.error(err, "get", key, path);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const path = keyToPath(this.root, key);
    try {
      // Opened first so a missing file fails here, not later as a stream error.
      const handle = await open(path, "r");
      return handle.createReadStream();
    } catch (err) {
      if (errorCode(err) === "ENOENT") throw await this.notFound(err, "get", key, path);
      throw this.error(err, "get", key, path);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const path = keyToPath(this.root, key);
    try {
      const s = await stat(path);
      return s.isFile() ? { key, size: s.size, lastModified: s.mtime } : undefined;
    } catch (err) {
      if (errorCode(err) === "ENOENT" || errorCode(err) === "ENOTDIR") {
        await this.assertRoot();
        return undefined;
      }
      throw this.error(err, "head", key, path);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    await this.assertRoot();
    // Walk only the deepest directory the prefix names, e.g. "data/ab" starts in data/.
    const lastSlash = prefix.lastIndexOf("/");
    const startKey = lastSlash >= 0 ? prefix.slice(0, lastSlash) : "";
    const startDir = startKey ? keyToPath(this.root, startKey) : this.root;
    yield* this.walk(startDir, startKey, prefix);
  }

  private async *walk(dir: string, dirKey: string, prefix: string): AsyncGenerator<ObjectInfo> {
    let entries;
    try {
      entries = await opendir(dir);
    } catch (err) {
      if (errorCode(err) === "ENOENT" || errorCode(err) === "ENOTDIR") return;
      throw this.error(err, "list", prefix, dir);
    }
    for await (const entry of entries) {
      const key = dirKey ? `${dirKey}/${entry.name}` : entry.name;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(path, key, prefix);
      } else if (entry.isFile() && !isTempName(entry.name) && key.startsWith(prefix)) {
        try {
          const s = await stat(path);
          yield { key, size: s.size, lastModified: s.mtime };
        } catch (err) {
          if (errorCode(err) !== "ENOENT") throw this.error(err, "list", prefix, path); // deleted meanwhile
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    const path = keyToPath(this.root, key);
    try {
      await unlink(path);
    } catch (err) {
      if (errorCode(err) === "ENOENT") {
        await this.assertRoot();
        return;
      }
      throw this.error(err, "delete", key, path);
    }
  }

  async objectLockEnabled(): Promise<boolean> {
    return false;
  }

  async createContainer(): Promise<boolean> {
    await this.assertRoot();
    return false;
  }

  async close(): Promise<void> {}
}
