// Optional calls into libc for what Node does not offer (fcntl on a pipe, a buffer's address),
// through koffi: an FFI whose package carries prebuilt binaries for every platform. Linux only,
// loaded on first use. Nothing depends on it for correctness: without it, callers do what they
// did before (a pipe keeps its size, a pack is written through the page cache).
import { createRequire } from "node:module";
import type * as Koffi from "koffi";

let loaded: typeof Koffi | null | undefined;

/** koffi on Linux, or null elsewhere or when its binary does not load. */
export function linuxFfi(): typeof Koffi | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.platform !== "linux") return loaded;
  try {
    loaded = createRequire(import.meta.url)("koffi") as typeof Koffi;
  } catch {
    // No binary for this platform.
  }
  return loaded;
}

/** A libc function by its C declaration (e.g. "int fcntl(int fd, int cmd, int arg)"), or null when out of reach. */
export function libcFunction<F>(declaration: string): F | null {
  const koffi = linuxFfi();
  if (!koffi) return null;
  // glibc names it libc.so.6; musl, libc.so.
  for (const name of ["libc.so.6", "libc.so"]) {
    try {
      return koffi.load(name).func(declaration) as F;
    } catch {
      // try the next name
    }
  }
  return null;
}
