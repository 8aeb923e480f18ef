// A Linux pipe holds 64 KiB unless its owner asks for more. Through such a pipe the writer (tar,
// pg_dump) blocks every 64 KiB until the reader catches up, and the two hand the CPU back and forth:
// here `cat | cat` moves a GiB in 1.5-2 s. With 1 MiB the writer runs ahead while the reader cuts
// what it read. Node has no fcntl(2): libc's is called through main/native/ffi.ts. Anything that
// fails leaves the pipe as it was: only speed depends on it.
import { libcFunction } from "../native/ffi";

const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;
/** What an unprivileged process may ask for by default (/proc/sys/fs/pipe-max-size). */
export const PIPE_BYTES = 1024 * 1024;

type Fcntl = (fd: number, cmd: number, arg: number) => number;
let fcntl: Fcntl | null | undefined;

/** fcntl on the pipe behind `fd`: its result, or undefined when it failed (not a pipe) or fcntl is out of reach. */
function pipeFcntl(fd: number, cmd: number, arg: number): number | undefined {
  // Looked up on first use, in the reader thread: most backups never read a pipe.
  if (fcntl === undefined) fcntl = libcFunction<Fcntl>("int fcntl(int fd, int cmd, int arg)");
  const result = fcntl?.(fd, cmd, arg);
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
