// Pure helpers of the folder driver and byte ranges: which keys may name a file under the root, and
// which directories a durable write must flush.
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { DIRECT_IO_MIN_BYTES, directWritable, isLocalDiskFilesystem } from "../../main/locations/direct-io";
import { directoriesToSync, invalidKeyReason, isTempName, keyToPath } from "../../main/locations/folder";
import { assertRange, httpRange } from "../../main/locations/range";
import { LocationError } from "../../main/locations/types";

describe("folder keys", () => {
  test("ordinary keys map to paths under the root with the platform's separators", () => {
    expect(keyToPath("/mnt/backups", "packs/ab/cdef")).toBe(join("/mnt/backups", "packs", "ab", "cdef"));
    expect(keyToPath("/mnt/backups", "..hidden-but-fine")).toBe(join("/mnt/backups", "..hidden-but-fine"));
  });

  test.each([
    ["", "empty"],
    ["../etc/passwd", "escape"],
    ["a/../../x", "escape"],
    ["/etc/passwd", "absolute"],
    ["a//b", "empty path segment"],
    ["a/./b", "escape"],
    ["a\\..\\b", "backslash"],
    ["a\0b", "NUL"],
    ["packs/x.tmp-0123456789abcdef", "temporary"],
  ])("%j is refused (%s)", (key, why) => {
    expect(invalidKeyReason(key)).toContain(why === "escape" ? "could escape" : why);
    expect(() => keyToPath("/mnt/backups", key)).toThrow(LocationError);
  });

  test("temporary files are recognised by their suffix only", () => {
    expect(isTempName("obj.tmp-0123456789abcdef")).toBe(true);
    expect(isTempName("obj.tmp-xyz")).toBe(false);
    expect(isTempName("obj")).toBe(false);
  });

  test("after mkdir -p, the parent of the first new directory down to the target are flushed", () => {
    expect(directoriesToSync("/r/a/b/c", undefined)).toEqual(["/r/a/b/c"]);
    expect(directoriesToSync("/r/a/b/c", "/r/a/b")).toEqual(["/r/a/b/c", "/r/a/b", "/r/a"]);
    expect(directoriesToSync("/r/a", "/r/a")).toEqual(["/r/a", "/r"]);
  });
});

describe("byte ranges", () => {
  test("become inclusive HTTP ranges", () => {
    expect(httpRange({ offset: 0, length: 1 })).toBe("bytes=0-0");
    expect(httpRange({ offset: 16, length: 100 })).toBe("bytes=16-115");
  });

  test("negative or fractional ranges are programming errors", () => {
    expect(() => assertRange({ offset: -1, length: 5 })).toThrow(RangeError);
    expect(() => assertRange({ offset: 0, length: 1.5 })).toThrow(RangeError);
    expect(() => assertRange({ offset: 0, length: 0 })).not.toThrow();
  });
});

describe("direct I/O decisions", () => {
  test("only local disk filesystems write around the page cache", () => {
    expect(isLocalDiskFilesystem(0xef53)).toBe(true); // ext4
    expect(isLocalDiskFilesystem(0x58465342)).toBe(true); // xfs
    expect(isLocalDiskFilesystem(BigInt(0x9123683e))).toBe(true); // btrfs, as statfs may report it
    expect(isLocalDiskFilesystem(0x6969)).toBe(false); // NFS: every direct write a round trip
    expect(isLocalDiskFilesystem(0xfe534d42)).toBe(false); // SMB2
    expect(isLocalDiskFilesystem(0x01021994)).toBe(false); // tmpfs
  });

  test("a body goes direct when it is large enough and starts on a 4 KiB boundary", () => {
    expect(directWritable(DIRECT_IO_MIN_BYTES, 4096n * 1000n)).toBe(true);
    expect(directWritable(DIRECT_IO_MIN_BYTES - 1, 4096n * 1000n)).toBe(false);
    expect(directWritable(16 * 1024 * 1024, 4096n * 1000n + 16n)).toBe(false);
    expect(directWritable(16 * 1024 * 1024, undefined)).toBe(false);
  });
});
