// Incremental volume sync (main/volumes/sync.ts): the listing parser with names no line format
// survives, the skip/send/replace decision, the plan's removals and directory fixes, the tar writer
// read back by tar-stream; then the whole engine (syncTree) against a local tree with busybox, the
// mover's own tools: every kind of change, type changes both ways, hard links, odd names.
import { spawn, execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, renameSync, rmSync, symlinkSync, linkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, test } from "vitest";
import { extract, type Header } from "tar-stream";
import {
  decide, END_OF_ARCHIVE, LIST_SCRIPT, normalizePath, parentOf, parseListing, snapshotEntry, syncTree, SyncPlan, tarHeader, tarPadding,
  type CommandRunner, type DestEntry, type SnapshotEntry,
} from "../../main/volumes/sync";

const NUL = "\0";
const listing = (...batches: Array<{ meta: string[]; names: string[]; targets?: string[] }>) =>
  Buffer.from(batches.map((b) => b.meta.map((m) => `${m}\n`).join("") + NUL + b.names.map((n) => n + NUL).join("") + (b.targets ?? []).map((t) => t + NUL).join("")).join(""), "latin1");

const file = (path: string, over: Partial<DestEntry> = {}): DestEntry => ({ path, kind: "file", mode: 0o644, size: 10, mtime: 1_700_000_000, uid: 1000, gid: 1000, nlink: 1, inode: 1, ...over });
const dir = (path: string, over: Partial<DestEntry> = {}): DestEntry => ({ ...file(path), kind: "directory", mode: 0o755, size: 4096, ...over });
const entry = (path: string, over: Partial<SnapshotEntry> = {}): SnapshotEntry => ({ path, type: "file", mode: 0o644, size: 10, mtime: 1_700_000_000, uid: 1000, gid: 1000, ...over });
const sdir = (path: string, over: Partial<SnapshotEntry> = {}) => entry(path, { type: "directory", mode: 0o755, size: 0, ...over });

describe("paths", () => {
  test("normalizePath: tar and find names to paths relative to the root; .. is refused", () => {
    expect(normalizePath("./")).toBe("");
    expect(normalizePath(".")).toBe("");
    expect(normalizePath("./a//b/")).toBe("a/b");
    expect(normalizePath("/abs/x")).toBe("abs/x");
    expect(normalizePath("./sp ace\nnl")).toBe("sp ace\nnl");
    expect(() => normalizePath("./a/../../etc")).toThrow(/unsafe path/);
    expect(parentOf("a/b/c")).toBe("a/b");
    expect(parentOf("a")).toBe("");
    expect(parentOf("")).toBeUndefined();
  });
});

describe("parseListing", () => {
  test("names with newlines, spaces, pipes and non-UTF-8 bytes; symlink targets with newlines; several batches", () => {
    const odd = "./we|ird\nname 1";
    const latin = Buffer.from([0x2e, 0x2f, 0x66, 0xff, 0xfe]).toString("latin1"); // "./f\xff\xfe"
    const out = listing(
      { meta: ["41ed 4096 1700000000 0 0 3 2", "81a4 5 1700000001 1000 1001 1 3", "a1ff 7 1700000002 0 0 1 4"], names: [".", odd, "./link"], targets: ["tar\nget"] },
      { meta: ["81b6 0 -5 65534 65534 2 9", "1180 0 1700000003 0 0 1 10"], names: [latin, "./fifo"] },
    );
    const entries = parseListing(out);
    expect([...entries.keys()]).toEqual(["", "we|ird\nname 1", "link", latin.slice(2), "fifo"]);
    expect(entries.get("")).toMatchObject({ kind: "directory", mode: 0o755, nlink: 3 });
    expect(entries.get("we|ird\nname 1")).toEqual({ path: "we|ird\nname 1", kind: "file", mode: 0o644, size: 5, mtime: 1_700_000_001, uid: 1000, gid: 1001, nlink: 1, inode: 3 });
    expect(entries.get("link")).toMatchObject({ kind: "symlink", target: "tar\nget" });
    expect(entries.get(latin.slice(2))).toMatchObject({ kind: "file", mode: 0o666, mtime: -5, nlink: 2 });
    expect(Buffer.from(latin.slice(2), "latin1")).toEqual(Buffer.from([0x66, 0xff, 0xfe]));
    expect(entries.get("fifo")).toMatchObject({ kind: "other" });
  });

  test("an empty listing is empty; a truncated or garbled one is an error, never a partial map", () => {
    expect(parseListing(Buffer.alloc(0)).size).toBe(0);
    const good = listing({ meta: ["81a4 5 1 0 0 1 3", "a1ff 1 1 0 0 1 4"], names: ["./a", "./l"], targets: ["x"] });
    expect(() => parseListing(good.subarray(0, good.length - 1))).toThrow(/not terminated/);
    expect(() => parseListing(listing({ meta: ["81a4 5 1 0 0 1 3", "81a4 5 1 0 0 1 4"], names: ["./a"] }))).toThrow(/not terminated/);
    expect(() => parseListing(listing({ meta: ["stat: can't stat './a'"], names: ["./a"] }))).toThrow(/malformed/);
  });
});

describe("decide", () => {
  test("a regular file is skipped only when size, mtime, mode, owner match and it has one link", () => {
    expect(decide(entry("a"), file("a"))).toBe("skip");
    expect(decide(entry("a"), undefined)).toBe("send");
    expect(decide(entry("a", { size: 11 }), file("a"))).toBe("send");
    expect(decide(entry("a", { mtime: 1_700_000_001 }), file("a"))).toBe("send");
    expect(decide(entry("a", { mode: 0o600 }), file("a"))).toBe("send");
    expect(decide(entry("a", { uid: 0 }), file("a"))).toBe("send");
    expect(decide(entry("a", { gid: 0 }), file("a"))).toBe("send");
    expect(decide(entry("a"), file("a", { nlink: 2 }))).toBe("send");
    expect(decide(entry("a"), { ...file("a"), kind: "symlink", target: "b" })).toBe("send");
  });

  test("directories: skip, update when mode/owner/mtime differ, replace across the directory boundary", () => {
    expect(decide(sdir("d"), dir("d"))).toBe("skip");
    expect(decide(sdir("d", { mode: 0o700 }), dir("d"))).toBe("update");
    expect(decide(sdir("d", { mtime: 5 }), dir("d"))).toBe("update");
    expect(decide(sdir("d"), undefined)).toBe("send");
    expect(decide(sdir("d"), file("d"))).toBe("replace");
    expect(decide(entry("d"), dir("d"))).toBe("replace");
    expect(decide(entry("d", { type: "symlink", linkname: "x" }), dir("d"))).toBe("replace");
    expect(decide(entry("d", { type: "link", linkname: "a" }), dir("d"))).toBe("replace");
  });

  test("symlinks by target and owner; hard links, devices and fifos always", () => {
    const link = { ...file("l"), kind: "symlink" as const, target: "to/x" };
    expect(decide(entry("l", { type: "symlink", linkname: "to/x" }), link)).toBe("skip");
    expect(decide(entry("l", { type: "symlink", linkname: "to/y" }), link)).toBe("send");
    expect(decide(entry("l", { type: "symlink", linkname: "to/x", uid: 0 }), link)).toBe("skip"); // busybox tar cannot restore a symlink's owner
    expect(decide(entry("h", { type: "link", linkname: "a" }), file("h"))).toBe("send");
    expect(decide(entry("p", { type: "fifo" }), { ...file("p"), kind: "other" })).toBe("send");
  });
});

describe("SyncPlan", () => {
  const destOf = (...entries: DestEntry[]) => new Map(entries.map((e) => [e.path, e]));

  test("removals: only the topmost path of each removed tree, sorted, never the root; their directories are fixed", () => {
    const plan = new SyncPlan(destOf(dir(""), dir("keep"), file("keep/a"), file("keep/old"), dir("old"), dir("old/sub"), file("old/sub/x"), file("zz")));
    for (const e of [sdir(""), sdir("keep"), entry("keep/a")]) expect(plan.next(e)).toBe("skip");
    expect(plan.removals()).toEqual({ paths: ["keep/old", "old", "zz"], removed: 5 });
    expect(plan.fixups().map((d) => d.path)).toEqual(["", "keep"]);
  });

  test("a snapshot without a root entry never removes the root", () => {
    const plan = new SyncPlan(destOf(dir(""), file("a")));
    plan.next(entry("a"));
    expect(plan.removals()).toEqual({ paths: [], removed: 0 });
  });

  test("replace: what the destination held below a replaced directory is new, not compared and not listed for removal", () => {
    const plan = new SyncPlan(destOf(dir(""), dir("d"), file("d/a"), file("d/b"), file("f")));
    expect(plan.next(sdir(""))).toBe("skip");
    expect(plan.next(entry("d"))).toBe("replace"); // was a directory
    expect(plan.next(sdir("f"))).toBe("replace"); // was a file
    expect(plan.next(entry("f/a"))).toBe("send");
    expect(plan.removals()).toEqual({ paths: [], removed: 2 }); // d/a and d/b went with d
    expect(plan.fixups().map((d) => d.path)).toEqual(["", "f"]);
  });

  test("a sent or new entry marks its directory; a new directory is fixed after its contents", () => {
    const plan = new SyncPlan(destOf(dir(""), dir("a", { mtime: 1_700_000_000 }), dir("a/b"), file("a/b/c")));
    expect(plan.next(sdir(""))).toBe("skip");
    expect(plan.next(sdir("a"))).toBe("skip");
    expect(plan.next(sdir("a/b"))).toBe("skip");
    expect(plan.next(entry("a/b/c", { size: 99 }))).toBe("send");
    expect(plan.next(sdir("a/new"))).toBe("send");
    expect(plan.next(entry("a/new/x"))).toBe("send");
    plan.removals();
    expect(plan.fixups().map((d) => d.path)).toEqual(["a", "a/b", "a/new"]);
  });
});

describe("tarHeader", () => {
  async function readBack(tar: Buffer): Promise<Array<{ header: Header; data: Buffer }>> {
    const ex = (extract as (o: { filenameEncoding: BufferEncoding }) => ReturnType<typeof extract>)({ filenameEncoding: "latin1" });
    Readable.from([tar]).pipe(ex as unknown as NodeJS.WritableStream);
    const out: Array<{ header: Header; data: Buffer }> = [];
    for await (const e of ex) {
      const parts: Buffer[] = [];
      for await (const c of e) parts.push(c as Buffer);
      out.push({ header: e.header, data: Buffer.concat(parts) });
    }
    return out;
  }

  test("long names and link names, odd bytes, big owners and sizes survive a round trip through tar-stream", async () => {
    const longPath = `${"d".repeat(90)}/${"n".repeat(120)}\nx`;
    const latin = Buffer.from([0x66, 0xff, 0x0a, 0x7c]).toString("latin1");
    const entries: SnapshotEntry[] = [
      sdir("", { uid: 0, gid: 0 }),
      entry(latin, { size: 3, uid: 1_000_680_000, gid: 1_000_680_000, mode: 0o4755 }),
      entry(longPath, { size: 0 }),
      entry("hl", { type: "link", size: 0, linkname: longPath }),
      entry("sym", { type: "symlink", size: 0, linkname: `../${"t".repeat(150)}` }),
    ];
    const parts: Buffer[] = [];
    for (const e of entries) {
      parts.push(tarHeader(e));
      if (e.size) parts.push(Buffer.from("abc"), tarPadding(3));
    }
    parts.push(END_OF_ARCHIVE);
    const back = await readBack(Buffer.concat(parts));
    expect(back.map((b) => snapshotEntry(b.header))).toEqual(entries.map((e) => ({ ...e, devmajor: 0, devminor: 0 })));
    expect(back[1]!.data.toString()).toBe("abc");
    expect(back.map((b) => b.header.name)).toEqual(["./", `./${latin}`, `./${longPath}`, "./hl", "./sym"]);
  });

  test("numbers beyond the octal fields use GNU base-256: sizes of 8 GiB and more, times before 1970", () => {
    const h = tarHeader(entry("big", { size: 10 * 2 ** 30, mtime: -86_400 }));
    expect(h[124]).toBe(0x80);
    expect(h.readBigUInt64BE(124 + 4)).toBe(BigInt(10 * 2 ** 30));
    expect(h[136]).toBe(0xff); // two's complement, as busybox and GNU tar read it
    expect(h.readBigInt64BE(136 + 4)).toBe(-86_400n);
  });
});

// The engine against a real tree, with busybox's find, stat, xargs, tar, rm (as in the mover).
const BUSYBOX = "/bin/busybox";
const canRun = existsSync(BUSYBOX) && process.getuid?.() === 0;

describe.skipIf(!canRun)("syncTree with busybox on a local tree", () => {
  const scratch = mkdtempSync(join(tmpdir(), "lifeboat-vsync-unit-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const bin = join(scratch, "bin");
  mkdirSync(bin);
  for (const tool of ["sh", "find", "xargs", "stat", "printf", "readlink", "tar", "rm", "cat"]) symlinkSync(BUSYBOX, join(bin, tool));

  const local: CommandRunner = async (argv, stdin) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { PATH: bin }, stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    if (stdin && child.stdin) {
      const input = child.stdin;
      input.on("error", () => undefined);
      void (async () => {
        for await (const c of stdin) if (!input.write(c)) await once(input, "drain");
        input.end();
      })().catch(() => undefined);
    }
    const done = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve({ exitCode: code ?? -1, stderr }));
    });
    return { output: child.stdout!, done, close: () => void child.kill() };
  };
  const tarOf = (dirPath: string) => execFileSync(BUSYBOX, ["tar", "cf", "-", "-C", dirPath, "."], { maxBuffer: 64 * 1024 * 1024 });

  /** Every entry, byte-exact names, with type, mode, owner, size, mtime (not for symlinks), content hash or target, links. */
  function describeTree(root: string): string[] {
    const rows: string[] = [];
    const walk = (rel: Buffer) => {
      const abs = Buffer.concat([Buffer.from(root), rel.length ? Buffer.from("/") : Buffer.alloc(0), rel]);
      const st = lstatSync(abs);
      const type = st.isDirectory() ? "d" : st.isSymbolicLink() ? "l" : st.isFile() ? "f" : st.isFIFO() ? "p" : "?";
      const content = st.isFile() ? createHash("sha256").update(readFileSync(abs)).digest("hex").slice(0, 16) : st.isSymbolicLink() ? readlinkSync(abs, { encoding: "buffer" }).toString("latin1") : "";
      rows.push([JSON.stringify(rel.toString("latin1")), type, (st.mode & 0o7777).toString(8), `${st.uid}:${st.gid}`, st.isFile() ? st.size : "", st.isSymbolicLink() ? "" : Math.floor(st.mtimeMs / 1000), content, st.isDirectory() ? "" : st.nlink].join("|"));
      if (st.isDirectory()) for (const name of readdirSync(abs, { encoding: "buffer" })) walk(rel.length ? Buffer.concat([rel, Buffer.from("/"), name]) : name);
    };
    walk(Buffer.alloc(0));
    return rows.sort();
  }

  test("brings a changed tree to exactly the snapshot, sending only what differs; a second run sends almost nothing", async () => {
    const dst = join(scratch, "dst");
    const src = join(scratch, "src");
    // The previous state: what the destination holds.
    mkdirSync(join(dst, "sub/deeper"), { recursive: true });
    writeFileSync(join(dst, "big.bin"), Buffer.alloc(2 * 1024 * 1024, 7));
    writeFileSync(join(dst, "changed.txt"), "version 1");
    writeFileSync(join(dst, "mode.txt"), "m");
    writeFileSync(join(dst, "owner.txt"), "o");
    writeFileSync(join(dst, "gone.txt"), "bye");
    mkdirSync(join(dst, "gonedir/inner"), { recursive: true });
    writeFileSync(join(dst, "gonedir/inner/x"), "x");
    writeFileSync(join(dst, "odd |name\nwith newline"), "odd");
    writeFileSync(join(dst, "f2d"), "file becomes a directory");
    mkdirSync(join(dst, "d2f/kid"), { recursive: true });
    writeFileSync(join(dst, "d2f/kid/y"), "directory becomes a file");
    symlinkSync("big.bin", join(dst, "link-same"));
    symlinkSync("mode.txt", join(dst, "link-retarget"));
    symlinkSync("big.bin", join(dst, "l2f"));
    writeFileSync(join(dst, "hl-a"), "linked");
    writeFileSync(join(dst, "hl-b"), "linked");
    writeFileSync(join(dst, "sub/deeper/file"), "deep");
    writeFileSync(join(dst, `sub/${"long".repeat(40)}`), "long name");
    chownSync(join(dst, "owner.txt"), 1000, 1000);
    utimesSync(join(dst, "big.bin"), 1_600_000_000, 1_600_000_000);
    // The snapshot: a copy, then changed.
    mkdirSync(src);
    execFileSync(BUSYBOX, ["sh", "-c", `${BUSYBOX} tar cf - -C "$1" . | ${BUSYBOX} tar xf - --numeric-owner -C "$2"`, "sh", dst, src]);
    writeFileSync(join(src, "changed.txt"), "version 2"); // same size
    utimesSync(join(src, "changed.txt"), 1_700_000_000, 1_700_000_000); // another second (see the limits)
    chmodSync(join(src, "mode.txt"), 0o600);
    chownSync(join(src, "owner.txt"), 2000, 3000);
    writeFileSync(join(src, "new.txt"), "hello");
    writeFileSync(Buffer.from(`${src}/n\xe9\xff`, "latin1"), "not UTF-8");
    rmSync(join(src, "gone.txt"));
    rmSync(join(src, "gonedir"), { recursive: true });
    rmSync(join(src, "f2d"));
    mkdirSync(join(src, "f2d"));
    writeFileSync(join(src, "f2d/inside"), "now a directory");
    rmSync(join(src, "d2f"), { recursive: true });
    writeFileSync(join(src, "d2f"), "now a file");
    rmSync(join(src, "link-retarget"));
    symlinkSync("owner.txt", join(src, "link-retarget"));
    rmSync(join(src, "l2f"));
    writeFileSync(join(src, "l2f"), "was a symlink");
    rmSync(join(src, "hl-b"));
    linkSync(join(src, "hl-a"), join(src, "hl-b"));
    execFileSync("mkfifo", [join(src, "fifo")]);
    chmodSync(join(src, "sub"), 0o750);
    renameSync(join(src, "sub/deeper/file"), join(src, "sub/deeper/renamed"));

    const snapshot = tarOf(src);
    const first = await syncTree(local, dst, [snapshot]);
    expect(describeTree(dst)).toEqual(describeTree(src));
    console.log(`local sync: ${first.bytesSent} bytes sent of a ${snapshot.length}-byte snapshot`, first);
    expect(first.filesSkipped).toBeGreaterThanOrEqual(3); // big.bin, the odd name, the long one
    expect(first.bytesSent).toBeLessThan(snapshot.length / 10); // big.bin stayed
    expect(first.replaced).toBe(2);
    expect(first.removed).toBe(7); // gone.txt, gonedir and its 2 entries, deeper/file, d2f's 2 entries
    expect(first.tarSessions).toBeGreaterThanOrEqual(3);

    const again = await syncTree(local, dst, [snapshot]);
    expect(describeTree(dst)).toEqual(describeTree(src));
    // Only the hard-linked pair (always sent), the fifo and their directory's times.
    expect(again).toMatchObject({ filesSent: 1, removed: 0, replaced: 0 });
    expect(again.bytesSent).toBeLessThan(8 * 1024);
  });

  test("a truncated volume stream fails the sync with the stream's reason", async () => {
    const dst = join(scratch, "ro");
    mkdirSync(dst);
    const bad = Buffer.concat([tarHeader(entry("x", { size: 5 })), Buffer.from("abc")]); // truncated
    await expect(syncTree(local, dst, [bad])).rejects.toThrow(/reading the volume stream: Unexpected end of data/);
  });

  test("the listing script's output parses as the tree it describes", async () => {
    const root = join(scratch, "list");
    mkdirSync(join(root, "a\nb"), { recursive: true });
    symlinkSync("t\narget", join(root, "a\nb/l"));
    const out = execFileSync(join(bin, "sh"), ["-c", LIST_SCRIPT, "sh", root], { env: { PATH: bin } });
    const entries = parseListing(out);
    expect([...entries.keys()].sort()).toEqual(["", "a\nb", "a\nb/l"]);
    expect(entries.get("a\nb/l")).toMatchObject({ kind: "symlink", target: "t\narget" });
  });
});
