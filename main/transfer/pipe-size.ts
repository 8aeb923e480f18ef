// A Linux pipe holds 64 KiB unless its owner asks for more. Through such a pipe the writer (tar,
// pg_dump) blocks every 64 KiB until the reader catches up, and the two hand the CPU back and forth:
// here `cat | cat` moves a GiB in 1.5-2 s. With 1 MiB the writer runs ahead while the reader cuts
// what it read. Node has no fcntl(2); koffi (an FFI whose package carries prebuilt binaries for every
// platform) calls libc's. Anything that fails leaves the pipe as it was: only speed depends on it.
import { createRequire } from "node:module";
import type * as Koffi from "koffi";

const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;
/** What an unprivileged process may ask for by default (/proc/sys/fs/pipe-max-size). */
export const PIPE_BYTES = 1024 * 1024;

type Fcntl = (fd: number, cmd: number, arg: number) => number;
let fcntl: Fcntl | null | undefined;

function libcFcntl(): Fcntl | null {
  if (fcntl !== undefined) return fcntl;
  fcntl = null;
  if (process.platform !== "linux") return fcntl;
  try {
    // Loaded on first use, in the reader thread: most backups never read a pipe.
    const koffi = createRequire(import.meta.url)("koffi") as typeof Koffi;
    for (const name of ["libc.so.6", "libc.so"]) {
      try {
        fcntl = koffi.load(name).func("int fcntl(int fd, int cmd, int arg)") as Fcntl;
        break;
      } catch {
        // glibc names it libc.so.6; musl, libc.so.
      }
    }
  } catch {
    // No binary for this platform: pipes keep their size.
  }
  return fcntl;
}

/** fcntl on the pipe behind `fd`: its result, or undefined when it failed (not a pipe) or fcntl is out of reach. */
function pipeFcntl(fd: number, cmd: number, arg: number): number | undefined {
  const result = libcFcntl()?.(fd, cmd, arg);
  return result !== undefined && result >= 0 ? result : undefined;
}

/** Grows the pipe (anonymous or named) behind `fd` to PIPE_BYTES; its new size, or undefined when it could not. */
export function enlargePipe(fd: number): number | undefined {
  return pipeFcntl(fd, F_SETPIPE_SZ, PIPE_BYTES);
}

/** The capacity of the pipe behind `fd`, or undefined when it is not a pipe (or fcntl is out of reach). */
export function pipeSize(fd: number): number | undefined {
  return pipeFcntl(fd, F_GETPIPE_SZ, 0);
}
