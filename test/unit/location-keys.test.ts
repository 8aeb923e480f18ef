// Pure helpers of the folder driver and byte ranges: which keys may name a file under the root, and
// which directories a durable write must flush.
import { join } from "node:path";
import { describe, expect, test } from "vitest";
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
