// Writing packs around the page cache (O_DIRECT) on a local Linux disk. Through the cache, every
// byte of a backup is first copied into newly allocated cache pages, which here cost as much CPU as
// compressing the data (0.24-2.08 s of system time for 640 MB, depending on how fresh the memory
// is), and a backup of gigabytes evicts what the machine's applications had cached. A direct write
// hands the disk the buffer itself. It needs the buffer's address and the file offset aligned to
// the disk's block, so pack buffers are allocated aligned; the unaligned tail of an object is
// written through the cache. Only speed depends on any of this: whatever fails is written as before.
import { constants } from "node:fs";
import { open, statfs, type FileHandle } from "node:fs/promises";
import { linuxFfi } from "../native/ffi";
import { errorCode } from "./errors";

/** Covers the logical block size of every disk in use (512 or 4096 bytes). */
export const DIRECT_IO_ALIGNMENT = 4096;
/** Below this, the cache's copy costs less than a second open and the disk's latency. */
export const DIRECT_IO_MIN_BYTES = 1024 * 1024;
/** Each direct write(2) at most this much: the kernel pins the pages of one call at once. */
const DIRECT_WRITE_BYTES = 8 * 1024 * 1024;

/**
 * Filesystems (statfs f_type) on local block devices, where direct I/O is as durable as buffered
 * and cheaper. NFS and SMB are left out: there, O_DIRECT turns every write into a synchronous round
 * trip; tmpfs and overlay have no disk to write to directly.
 */
const LOCAL_DISK_FILESYSTEMS = new Set([
  0xef53, // ext2, ext3, ext4
  0x58465342, // xfs
  0x9123683e, // btrfs
]);

export function isLocalDiskFilesystem(type: number | bigint): boolean {
  return LOCAL_DISK_FILESYSTEMS.has(Number(type));
}

/** Where a buffer's bytes start in memory, or undefined when that cannot be known on this platform. */
export function bufferAddress(buffer: Uint8Array): bigint | undefined {
  return linuxFfi()?.address(buffer);
}

/** A buffer of `bytes` (shared memory, or not initialized) whose first byte is aligned for direct I/O where that can be arranged. */
export function allocateAligned(bytes: number, shared: boolean): Buffer {
  const room = bytes + DIRECT_IO_ALIGNMENT;
  const whole = shared ? Buffer.from(new SharedArrayBuffer(room)) : Buffer.allocUnsafeSlow(room);
  const address = bufferAddress(whole);
  const skip = address === undefined ? 0 : (DIRECT_IO_ALIGNMENT - Number(address % BigInt(DIRECT_IO_ALIGNMENT))) % DIRECT_IO_ALIGNMENT;
  return whole.subarray(skip, skip + bytes);
}

/** Whether a body can go to disk directly: large enough, and starting at an aligned address. Pure. */
export function directWritable(length: number, address: bigint | undefined): boolean {
  return length >= DIRECT_IO_MIN_BYTES && address !== undefined && address % BigInt(DIRECT_IO_ALIGNMENT) === 0n;
}

/** Whether the folder at `root` is on a local disk (statfs), so its large writes may go around the cache. */
export async function directIoFolder(root: string): Promise<boolean> {
  if (process.platform !== "linux" || constants.O_DIRECT === undefined) return false;
  try {
    return isLocalDiskFilesystem((await statfs(root)).type);
  } catch {
    return false;
  }
}

function isUnsupported(err: unknown): boolean {
  const code = errorCode(err);
  return code === "EINVAL" || code === "EOPNOTSUPP" || code === "ENOTSUP";
}

/**
 * Writes `body` into the new, empty file at `path` (open as `handle`): its aligned part directly,
 * the rest through `handle`. Returns false, having written nothing that counts, when the body or
 * the filesystem does not allow it; the caller then writes the whole body through `handle`.
 * The caller still syncs `handle`: a direct write skips the cache, not the file's metadata.
 */
export async function writeDirect(handle: FileHandle, path: string, body: Buffer): Promise<boolean> {
  if (!directWritable(body.length, bufferAddress(body))) return false;
  const aligned = body.length - (body.length % DIRECT_IO_ALIGNMENT);
  let direct: FileHandle;
  try {
    direct = await open(path, constants.O_WRONLY | constants.O_DIRECT);
  } catch (err) {
    if (isUnsupported(err)) return false;
    throw err;
  }
  let at = 0;
  try {
    while (at < aligned) {
      const { bytesWritten } = await direct.write(body, at, Math.min(aligned - at, DIRECT_WRITE_BYTES), at);
      at += bytesWritten;
      // A short write (a full disk reports itself on the next call) leaves the rest unaligned.
      if (bytesWritten === 0 || bytesWritten % DIRECT_IO_ALIGNMENT !== 0) break;
    }
  } catch (err) {
    if (isUnsupported(err)) {
      await handle.truncate(0);
      return false;
    }
    throw err;
  } finally {
    await direct.close();
  }
  while (at < body.length) {
    const { bytesWritten } = await handle.write(body, at, body.length - at, at);
    at += bytesWritten;
  }
  return true;
}
