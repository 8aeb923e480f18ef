// Incremental volume sync: brings an existing, already filled claim to exactly the content of a
// volume stream in a snapshot, sending through the exec stream only what differs. A mover lists
// what the claim holds (type, size, mtime, mode, owner, links, symlink targets; NUL-separated, so
// any file name survives); the snapshot's tar is read from the repository and compared entry by
// entry; only new or changed entries go into a tar fed to `tar x` in the mover; what the snapshot no
// longer has is removed; directories whose times were disturbed get their metadata back last.
// See VOLUMES.md, "Incremental sync into an existing claim", for the rules and the limits.
import { PassThrough, Readable, type Readable as NodeReadable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { extract, type Extract, type Header } from "tar-stream";
import { execStream } from "../clusters/exec";
import { mapLimit } from "../repo/concurrency";
import type { SnapshotManifest } from "../repo/format";
import type { RepoIndex } from "../repo/repo-index";
import type { Repository } from "../repo/repository";
import type { TransferProgress } from "../transfer/progress";
import { restoreChunks } from "../transfer/restore";
import { volumeStreamName } from "./backup";
import { MOUNT_PATH, startMover, type Mover } from "./mover";
import type { VolumeFill } from "./restore";

// ---------------------------------------------------------------------------------------------
// Paths. File names are byte strings: they are carried as "latin1" strings (one char per byte) from
// the listing and the snapshot's tar to the tar sent, so names that are not UTF-8 survive intact.

export class SyncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SyncError";
  }
}

/** A tar or listing name relative to the volume's root: "./a//b/" → "a/b", "./" → "". Pure. */
export function normalizePath(name: string): string {
  const parts: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") throw new SyncError(`unsafe path in the volume stream: ${display(name)}`);
    parts.push(part);
  }
  return parts.join("/");
}

/** The directory holding `path` ("" for a top-level entry, undefined for the root itself). */
export function parentOf(path: string): string | undefined {
  if (path === "") return undefined;
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** A byte-string path as text for messages. */
export const display = (path: string) => JSON.stringify(Buffer.from(path, "latin1").toString("utf8"));

// ---------------------------------------------------------------------------------------------
// The destination's listing.

export type DestKind = "file" | "directory" | "symlink" | "other";

export interface DestEntry {
  path: string;
  kind: DestKind;
  /** Permission bits (07777). */
  mode: number;
  size: number;
  /** Modification time, seconds since the epoch. */
  mtime: number;
  uid: number;
  gid: number;
  nlink: number;
  inode: number;
  /** A symlink's target. */
  target?: string;
}

/**
 * Lists the claim mounted at "$1". Per batch of names from `find -print0`, three parts, so that no
 * name or target has to be escaped: one metadata line per name (stat prints no name); a NUL; each
 * name, NUL-terminated; then each symlink's target (in the batch's order), NUL-terminated. busybox
 * find, xargs, stat and readlink (1.35+, or GNU's); any failure (a file vanishing midway) fails the
 * whole listing, and parseListing rejects a listing whose parts do not line up.
 */
export const LIST_SCRIPT = [
  // find's own failures count too, where the shell can tell (busybox ash with its bash extensions).
  "(set -o pipefail) 2>/dev/null && set -o pipefail",
  'cd "$1" || exit 1',
  "find . -xdev -print0 | xargs -0 -r sh -c '" +
    'stat -c "%f %s %Y %u %g %h %i" "$@" || exit 1; ' +
    'printf "\\0"; ' +
    'printf "%s\\0" "$@"; ' +
    'for f; do if [ -L "$f" ]; then readlink -n "$f" || exit 1; printf "\\0"; fi; done' +
    "' sh",
].join("\n");

const S_IFMT = 0o170000;
const kindOf = (rawMode: number): DestKind => {
  switch (rawMode & S_IFMT) {
    case 0o100000: return "file";
    case 0o040000: return "directory";
    case 0o120000: return "symlink";
    default: return "other";
  }
};

const META = /^([0-9a-f]+) (\d+) (-?\d+) (\d+) (\d+) (\d+) (\d+)$/;

/** Parses LIST_SCRIPT's output into entries by normalized path ("" is the root). Pure. */
export function parseListing(out: Buffer): Map<string, DestEntry> {
  const entries = new Map<string, DestEntry>();
  let at = 0;
  const field = (what: string): string => {
    const end = out.indexOf(0, at);
    if (end < 0) throw new SyncError(`the destination's listing is malformed: ${what} is not terminated (did the claim change during the sync?)`);
    const text = out.toString("latin1", at, end);
    at = end + 1;
    return text;
  };
  while (at < out.length) {
    const lines = field("a batch's metadata").split("\n");
    if (lines.pop() !== "" || lines.length === 0) throw new SyncError("the destination's listing is malformed: a batch without metadata lines");
    const batch = lines.map((line) => {
      const m = META.exec(line);
      if (!m) throw new SyncError(`the destination's listing is malformed: ${JSON.stringify(line)}`);
      const raw = parseInt(m[1]!, 16);
      return { kind: kindOf(raw), mode: raw & 0o7777, size: Number(m[2]), mtime: Number(m[3]), uid: Number(m[4]), gid: Number(m[5]), nlink: Number(m[6]), inode: Number(m[7]) };
    });
    const named = batch.map((meta) => ({ ...meta, path: normalizePath(field("a name")) } as DestEntry));
    for (const e of named) {
      if (e.kind === "symlink") e.target = field("a symlink's target");
      entries.set(e.path, e);
    }
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// The snapshot's entries and the decision.

export type EntryType = "file" | "directory" | "symlink" | "link" | "character-device" | "block-device" | "fifo";

export interface SnapshotEntry {
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  /** A symlink's target, or a hard link's target as a normalized path. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

/** A tar-stream header (names decoded as latin1) as a snapshot entry. Pure. */
export function snapshotEntry(h: Header): SnapshotEntry {
  // pax records are decoded as UTF-8 by tar-stream: back to bytes, like every other name here.
  const pax = (h.pax ?? {}) as { path?: string; linkpath?: string };
  const bytes = (s: string, fromPax: boolean) => (fromPax ? Buffer.from(s, "utf8").toString("latin1") : s);
  const name = bytes(h.name, pax.path !== undefined);
  const link = h.linkname ? bytes(h.linkname, pax.linkpath !== undefined) : undefined;
  const type: EntryType = h.type === "contiguous-file" ? "file" : h.type;
  if (!["file", "directory", "symlink", "link", "character-device", "block-device", "fifo"].includes(type)) throw new SyncError(`unsupported entry type ${String(h.type)} for ${display(name)} in the volume stream`);
  const entry: SnapshotEntry = { path: normalizePath(name), type, mode: h.mode & 0o7777, uid: h.uid, gid: h.gid, size: h.size, mtime: Math.round(h.mtime.getTime() / 1000), devmajor: h.devmajor, devminor: h.devminor };
  if (link !== undefined) entry.linkname = type === "link" ? normalizePath(link) : link;
  return entry;
}

/**
 * What to do with one snapshot entry given what the destination holds at its path. Pure.
 * - skip: the destination already has it (a regular file: same size, mtime, mode, owner and a
 *   single link; a directory: same mode, owner, mtime; a symlink: same target);
 * - send: goes into the tar (new or changed; hard links, devices and fifos always);
 * - replace: a directory where the snapshot has something else or the reverse: the destination's
 *   entry is removed first (tar cannot turn one into the other);
 * - update: an existing directory whose mode, owner or time differ: fixed at the end.
 */
export type SyncAction = "skip" | "send" | "replace" | "update";

export function decide(entry: SnapshotEntry, dest: DestEntry | undefined): SyncAction {
  if (!dest) return "send";
  if ((entry.type === "directory") !== (dest.kind === "directory")) return "replace";
  const sameOwner = dest.uid === entry.uid && dest.gid === entry.gid;
  switch (entry.type) {
    case "directory":
      return sameOwner && dest.mode === entry.mode && dest.mtime === entry.mtime ? "skip" : "update";
    case "file":
      // A file with several links on the destination is re-sent: skipping it could leave it linked
      // to names the snapshot has as separate files.
      return dest.kind === "file" && dest.nlink === 1 && sameOwner && dest.mode === entry.mode && dest.size === entry.size && dest.mtime === entry.mtime ? "skip" : "send";
    case "symlink":
      // By target only: busybox tar restores no symlink's owner (nor its time), so neither could converge.
      return dest.kind === "symlink" && dest.target === entry.linkname ? "skip" : "send";
    default:
      return "send";
  }
}

/**
 * The bookkeeping of one sync, fed the snapshot's entries in tar order: decisions, what the
 * destination has that the snapshot lacks, and the directories whose metadata must be set last
 * (creating or removing an entry changes its directory's mtime). Pure.
 */
export class SyncPlan {
  private readonly seen = new Set<string>();
  /** Replaced paths: what the destination held below them was deleted with them. */
  private readonly gone = new Set<string>();
  private readonly dirs = new Map<string, SnapshotEntry>();
  private readonly touched = new Set<string>();

  constructor(private readonly dest: Map<string, DestEntry>) {}

  private underGone(path: string): boolean {
    if (this.gone.size === 0) return false;
    for (let p = parentOf(path); p !== undefined && p !== ""; p = parentOf(p)) if (this.gone.has(p)) return true;
    return false;
  }

  private touch(path: string | undefined) {
    if (path !== undefined) this.touched.add(path);
  }

  next(entry: SnapshotEntry): SyncAction {
    const dest = this.underGone(entry.path) || this.seen.has(entry.path) ? undefined : this.dest.get(entry.path);
    this.seen.add(entry.path);
    const action = decide(entry, dest);
    if (entry.type === "directory") this.dirs.set(entry.path, entry);
    if (action === "replace") this.gone.add(entry.path);
    if (action === "send" || action === "replace") {
      this.touch(parentOf(entry.path));
      if (entry.type === "directory") this.touch(entry.path);
    }
    if (action === "update") this.touch(entry.path);
    return action;
  }

  /**
   * Once every entry is seen: the destination's paths the snapshot does not have, only the topmost
   * of each removed tree (rm -rf takes the rest), sorted; and how many entries go in all. Never the root.
   */
  removals(): { paths: string[]; removed: number } {
    const candidates = new Set<string>();
    let removed = 0;
    for (const path of this.dest.keys()) {
      if (path === "" || this.seen.has(path)) continue;
      removed++;
      if (!this.underGone(path)) candidates.add(path);
    }
    const paths = [...candidates].filter((p) => !candidates.has(parentOf(p)!)).sort();
    for (const p of paths) this.touch(parentOf(p));
    return { paths, removed };
  }

  /** The snapshot's directories whose metadata must be applied last (after removals()). */
  fixups(): SnapshotEntry[] {
    return [...this.touched].filter((p) => this.dirs.has(p)).sort().map((p) => this.dirs.get(p)!);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing tar: GNU format like busybox's own (long names as ././@LongLink entries, big numbers in
// base-256), names written byte for byte.

const BLOCK = 512;
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

const TYPEFLAG: Record<EntryType, string> = { file: "0", link: "1", symlink: "2", "character-device": "3", "block-device": "4", directory: "5", fifo: "6" };

function putNumber(buf: Buffer, offset: number, width: number, value: number): void {
  if (value >= 0 && value < 8 ** (width - 1)) {
    buf.write(value.toString(8).padStart(width - 1, "0"), offset, "ascii");
    buf[offset + width - 1] = 0;
    return;
  }
  // GNU base-256: big-endian two's complement with the top bit set as the marker.
  let v = BigInt(value);
  for (let i = width - 1; i > 0; i--) {
    buf[offset + i] = Number(BigInt.asUintN(8, v));
    v >>= 8n;
  }
  buf[offset] = value < 0 ? 0xff : 0x80;
}

function headerBlock(name: Buffer, typeflag: string, fields: { mode: number; uid: number; gid: number; size: number; mtime: number; linkname?: Buffer; devmajor?: number; devminor?: number }): Buffer {
  const b = Buffer.alloc(BLOCK);
  name.copy(b, 0, 0, Math.min(name.length, 100));
  putNumber(b, 100, 8, fields.mode);
  putNumber(b, 108, 8, fields.uid);
  putNumber(b, 116, 8, fields.gid);
  putNumber(b, 124, 12, fields.size);
  putNumber(b, 136, 12, fields.mtime);
  b.write(typeflag, 156, "ascii");
  fields.linkname?.copy(b, 157, 0, Math.min(fields.linkname.length, 100));
  b.write("ustar  \0", 257, "ascii");
  putNumber(b, 329, 8, fields.devmajor ?? 0);
  putNumber(b, 337, 8, fields.devminor ?? 0);
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
  return b;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

function longName(typeflag: "L" | "K", value: Buffer): Buffer {
  const data = Buffer.concat([value, Buffer.from([0])]);
  return Buffer.concat([headerBlock(Buffer.from("././@LongLink"), typeflag, { mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 0 }), data, padding(data.length)]);
}

/** The name an entry is written under: "./" + path, directories with a trailing slash. */
export function tarName(entry: Pick<SnapshotEntry, "path" | "type">): string {
  if (entry.path === "") return "./";
  return `./${entry.path}${entry.type === "directory" ? "/" : ""}`;
}

/** The header block(s) of one entry (its data, padded to 512 bytes, follows). Pure. */
export function tarHeader(entry: SnapshotEntry): Buffer {
  const name = Buffer.from(tarName(entry), "latin1");
  const link = entry.linkname === undefined ? undefined : Buffer.from(entry.type === "link" ? tarName({ path: entry.linkname, type: "file" }) : entry.linkname, "latin1");
  const parts: Buffer[] = [];
  if (link && link.length > 100) parts.push(longName("K", link));
  if (name.length > 100) parts.push(longName("L", name));
  const size = entry.type === "file" || entry.type === "link" ? entry.size : 0;
  parts.push(headerBlock(name, TYPEFLAG[entry.type], { ...entry, size, linkname: link }));
  return Buffer.concat(parts);
}

export const tarPadding = padding;

// ---------------------------------------------------------------------------------------------
// Running it: commands in the mover (through exec), or anywhere with the same tools (tests).

export interface CommandOutcome {
  exitCode: number;
  stderr: string;
}

export interface CommandHandle {
  output: NodeReadable;
  done: Promise<CommandOutcome>;
  close(): void;
}

/** Runs a command where the claim is mounted (in the mover: execStream). */
export type CommandRunner = (argv: string[], stdin?: AsyncIterable<Uint8Array>) => Promise<CommandHandle>;

async function runToEnd(run: CommandRunner, argv: string[], what: string, stdin?: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const handle = await run(argv, stdin);
  const parts: Buffer[] = [];
  const reading = (async () => {
    for await (const part of handle.output as AsyncIterable<Buffer>) parts.push(part);
  })();
  const [outcome] = await Promise.all([handle.done, reading]);
  if (outcome.exitCode !== 0) throw new SyncError(`${what} failed (exit ${outcome.exitCode}): ${outcome.stderr.trim()}`);
  return Buffer.concat(parts);
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) { /* discarded */ }
}

async function* once(buf: Buffer): AsyncGenerator<Uint8Array> {
  yield buf;
}

/** `tar x` sessions fed with backpressure; a new one is opened lazily after each close(). */
class TarSink {
  bytes = 0;
  sessions = 0;
  private seg?: { pass: PassThrough; handle: CommandHandle; ended?: CommandOutcome | Error; wake?: () => void };

  constructor(private readonly run: CommandRunner, private readonly root: string) {}

  private async open() {
    const pass = new PassThrough({ highWaterMark: 1024 * 1024 });
    const handle = await this.run(["tar", "xf", "-", "--numeric-owner", "-C", this.root], pass);
    handle.output.resume();
    const seg: NonNullable<TarSink["seg"]> = { pass, handle };
    void handle.done.then((o) => (seg.ended = o), (err: Error) => (seg.ended = err)).finally(() => seg.wake?.());
    this.seg = seg;
    this.sessions++;
    return seg;
  }

  private early(ended: CommandOutcome | Error): Error {
    return ended instanceof Error ? ended : new SyncError(`tar ended before its input (exit ${ended.exitCode}): ${ended.stderr.trim()}`);
  }

  async write(buf: Buffer): Promise<void> {
    if (buf.length === 0) return;
    const seg = this.seg ?? (await this.open());
    if (seg.ended) throw this.early(seg.ended);
    this.bytes += buf.length;
    if (seg.pass.write(buf)) return;
    await new Promise<void>((resolve) => {
      const wake = () => {
        seg.pass.off("drain", wake);
        seg.wake = undefined;
        resolve();
      };
      seg.wake = wake;
      seg.pass.on("drain", wake);
    });
    if (seg.ended) throw this.early(seg.ended);
  }

  /** Ends the current session and waits for tar's verdict. */
  async close(): Promise<void> {
    const seg = this.seg;
    if (!seg) return;
    this.seg = undefined;
    this.bytes += END_OF_ARCHIVE.length;
    seg.pass.end(END_OF_ARCHIVE);
    const outcome = await seg.handle.done;
    if (outcome.exitCode !== 0) throw new SyncError(`tar exited with ${outcome.exitCode}: ${outcome.stderr.trim()}`);
  }

  abort() {
    this.seg?.pass.destroy();
    this.seg?.handle.close();
    this.seg = undefined;
  }
}

export interface SyncCounts {
  /** Bytes sent into the claim's side: the tars and the removal lists. */
  bytesSent: number;
  /** Bytes of the destination's listing that came back. */
  listingBytes: number;
  /** Regular files whose data was sent / that were already there. */
  filesSent: number;
  filesSkipped: number;
  /** Entries written into the tars (files, directories, links, the final directory fixes). */
  entriesSent: number;
  /** Destination entries deleted because the snapshot does not have them. */
  removed: number;
  /** Entries whose type changed between a directory and something else. */
  replaced: number;
  /** tar sessions run (1 plus one per replacement, plus the directory fixes). */
  tarSessions: number;
}

const newCounts = (): SyncCounts => ({ bytesSent: 0, listingBytes: 0, filesSent: 0, filesSkipped: 0, entriesSent: 0, removed: 0, replaced: 0, tarSessions: 0 });

/**
 * Brings the tree at `root` (where `run` executes) to exactly the content of the tar `source`.
 * The engine of syncVolume, independent of Kubernetes. Throws on the first failure; `counts` holds
 * what was done up to then.
 */
export async function syncTree(run: CommandRunner, root: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, counts: SyncCounts = newCounts(), signal?: AbortSignal): Promise<SyncCounts> {
  const listing = await runToEnd(run, ["sh", "-c", LIST_SCRIPT, "sh", root], "listing the destination");
  counts.listingBytes = listing.length;
  const plan = new SyncPlan(parseListing(listing));
  const sink = new TarSink(run, root);
  const remove = async (paths: string[]) => {
    const list = Buffer.concat(paths.map((p) => Buffer.from(`${root}/${p}\0`, "latin1")));
    counts.bytesSent += list.length;
    await runToEnd(run, ["xargs", "-0", "-r", "rm", "-rf"], "removing entries", once(list));
  };
  const send = async (entry: SnapshotEntry, data?: AsyncIterable<unknown>) => {
    await sink.write(tarHeader(entry));
    counts.entriesSent++;
    if (!data) return;
    for await (const chunk of data) await sink.write(chunk as Buffer);
    await sink.write(padding(entry.size));
  };

  const tar: Extract = (extract as (opts: { filenameEncoding: BufferEncoding }) => Extract)({ filenameEncoding: "latin1" });
  const feeding = pipeline(Readable.from(source, { objectMode: false, highWaterMark: 4 * 1024 * 1024 }), tar as unknown as NodeJS.WritableStream, { signal });
  feeding.catch(() => undefined); // surfaced by the loop below, or awaited after it
  try {
    for await (const item of tar) {
      if (signal?.aborted) throw signal.reason;
      const entry = snapshotEntry(item.header);
      const action = plan.next(entry);
      const isFile = entry.type === "file";
      if (action === "skip" || action === "update") {
        if (isFile) counts.filesSkipped++;
        await drain(item);
        continue;
      }
      if (action === "replace") {
        counts.replaced++;
        await sink.close();
        await remove([entry.path]);
      }
      if (isFile) counts.filesSent++;
      const carriesData = (entry.type === "file" || entry.type === "link") && entry.size > 0;
      await send(entry, carriesData ? item : undefined);
      if (!carriesData) await drain(item);
    }
    await feeding;
    await sink.close();
    const { paths, removed } = plan.removals();
    counts.removed = removed;
    if (paths.length) await remove(paths);
    for (const dir of plan.fixups()) await send(dir);
    await sink.close();
    return counts;
  } catch (err) {
    sink.abort();
    tar.destroy();
    // A broken stream (a missing pack, a truncated tar) surfaces in the loop as a bare "destroyed":
    // the reason is the pipeline's.
    let timer: NodeJS.Timeout | undefined;
    const upstream = await Promise.race([feeding.then(() => undefined, (e: unknown) => e), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    if (!(err instanceof SyncError) && upstream instanceof Error && (upstream as { code?: string }).code !== "ERR_STREAM_PREMATURE_CLOSE") {
      throw new SyncError(`reading the volume stream: ${upstream.message}`);
    }
    throw err;
  } finally {
    counts.bytesSent += sink.bytes;
    counts.tarSessions = sink.sessions;
  }
}

// ---------------------------------------------------------------------------------------------
// The claim on a cluster.

export interface VolumeSyncOptions {
  image: string;
  jobId: string;
  index?: RepoIndex;
  /** Where to run the mover; by default the node of a running pod that mounts the claim, if any. */
  nodeName?: string;
  parallel?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (claim: string, progress: TransferProgress) => void;
}

export interface VolumeSyncResult extends VolumeFill, SyncCounts {
  ok: boolean;
  /** The size of the snapshot's volume stream: what a full restore would have sent. */
  streamBytes: number;
  seconds: number;
  reason?: string;
}

async function nodeUsing(kc: KubeConfig, namespace: string, claim: string): Promise<string | undefined> {
  const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace });
  return pods.items.find((p) => p.status?.phase === "Running" && p.spec?.nodeName && (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim))?.spec?.nodeName;
}

/**
 * Brings the existing claim `fill.namespace/fill.claim` to exactly the content of the snapshot's
 * volume stream for `fill.sourceNamespace/fill.claim`, sending only what differs. Nothing should
 * write to the claim meanwhile. Never throws: a failure is `ok: false` with the reason (the claim
 * may then be partly updated; running the sync again completes it). The mover is always removed.
 */
export async function syncVolume(kc: KubeConfig, repo: Repository, snapshot: SnapshotManifest, fill: VolumeFill, opts: VolumeSyncOptions): Promise<VolumeSyncResult> {
  const started = Date.now();
  const counts = newCounts();
  const result = (ok: boolean, streamBytes: number, reason?: string): VolumeSyncResult => ({ ...fill, ok, ...counts, streamBytes, seconds: (Date.now() - started) / 1000, ...(reason !== undefined ? { reason } : {}) });
  const name = volumeStreamName(fill.sourceNamespace, fill.claim);
  const stream = snapshot.streams.find((s) => s.name === name);
  if (!stream) return result(false, 0, `the backup has no data for ${fill.sourceNamespace}/${fill.claim}`);
  let mover: Mover | undefined;
  try {
    const nodeName = opts.nodeName ?? (await nodeUsing(kc, fill.namespace, fill.claim));
    mover = await startMover(kc, { namespace: fill.namespace, claim: fill.claim, image: opts.image, readOnly: false, nodeName, jobId: opts.jobId }, { timeoutMs: opts.timeoutMs ?? 180_000, signal: opts.signal });
    const target = { namespace: fill.namespace, pod: mover.name, container: "mover" };
    const run: CommandRunner = (argv, stdin) => execStream(kc, target, argv, { stdin, signal: opts.signal });
    const data = restoreChunks(repo, stream, { index: opts.index, signal: opts.signal, onProgress: (p) => opts.onProgress?.(`${fill.namespace}/${fill.claim}`, p) });
    await syncTree(run, MOUNT_PATH, data, counts, opts.signal);
    return result(true, stream.size);
  } catch (err) {
    return result(false, stream.size, err instanceof Error ? err.message : String(err));
  } finally {
    await mover?.remove();
  }
}

/** Syncs several claims, a few at a time; each gets a result. */
export async function syncVolumes(kc: KubeConfig, repo: Repository, snapshot: SnapshotManifest, fills: VolumeFill[], opts: VolumeSyncOptions): Promise<VolumeSyncResult[]> {
  return mapLimit(fills, opts.parallel ?? 3, (fill) => syncVolume(kc, repo, snapshot, fill, opts));
}
