// Object names and binary layouts of the repository format (FORMAT.md). Pure functions only.
import { randomBytes } from "node:crypto";
import { ID_BYTES } from "./crypto";

export const REPOSITORY_FORMAT = "lifeboat-repository";
/**
 * Format versions this Lifeboat reads and writes. Version 2 lets the config choose how chunk ids are
 * derived (BLAKE3 by default); version 1 always used HMAC-SHA256. Version 3 names packs by BLAKE3
 * instead of SHA-256. A repository is written with the lowest version that describes it, so an
 * older Lifeboat refuses a repository it would misread instead of writing the wrong kind of names
 * or ids into it.
 */
export const REPOSITORY_VERSIONS = [1, 2, 3] as const;
export const REPOSITORY_VERSION = 3;

/** How a repository names its packs: by a hash of their bytes, which verify checks. */
export type PackHash = "sha256" | "blake3";

/** The pack hash of a format version: BLAKE3 from version 3, SHA-256 before. */
export const packHashOf = (version: number): PackHash => (version >= 3 ? "blake3" : "sha256");

export const keyOf = {
  version: () => "lifeboat-repository.json",
  config: () => "config",
  keyFile: (id: string) => `keys/${id}`,
  pack: (id: string) => `data/${id.slice(0, 2)}/${id}`,
  index: (id: string) => `index/${id}`,
  snapshot: (id: string) => `snapshots/${id}`,
  lock: (id: string) => `locks/${id}`,
};

export const PREFIX = { keys: "keys/", packs: "data/", index: "index/", snapshots: "snapshots/", locks: "locks/" } as const;

/** The id at the end of an object key ("data/ab/ab12…" → "ab12…"). */
export const idOfKey = (key: string) => key.slice(key.lastIndexOf("/") + 1);

export const randomId = () => randomBytes(16).toString("hex");

export const BLOB_DATA = 0;
export const BLOB_LIST = 1;
export type BlobType = typeof BLOB_DATA | typeof BLOB_LIST;

export interface PackedBlob {
  type: BlobType;
  id: Buffer;
  /** Bytes stored in the pack (sealed). */
  length: number;
  /** Bytes of the chunk before compression and encryption. */
  rawLength: number;
}

export interface IndexedBlob extends PackedBlob {
  offset: number;
}

export interface IndexedPack {
  id: string;
  blobs: IndexedBlob[];
}

export interface IndexSegment {
  supersedes: string[];
  packs: IndexedPack[];
}

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FormatError";
  }
}

// ---------------------------------------------------------------------------------------------------
// A little cursor over bytes, so layouts below read like their description.

class Writer {
  private parts: Buffer[] = [];
  u8(n: number) { this.parts.push(Buffer.of(n)); return this; }
  u32(n: number) { const b = Buffer.alloc(4); b.writeUInt32LE(n); this.parts.push(b); return this; }
  bytes(b: Uint8Array) { this.parts.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength)); return this; }
  done() { return Buffer.concat(this.parts); }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer, private readonly what: string) {}
  private need(n: number) {
    if (this.pos + n > this.buf.length) throw new FormatError(`${this.what}: truncated at byte ${this.pos}`);
  }
  u8() { this.need(1); return this.buf[this.pos++]!; }
  u32() { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  bytes(n: number) { this.need(n); const v = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return Buffer.from(v); }
  end() { if (this.pos !== this.buf.length) throw new FormatError(`${this.what}: ${this.buf.length - this.pos} unexpected trailing bytes`); }
}

function blobType(n: number, what: string): BlobType {
  if (n !== BLOB_DATA && n !== BLOB_LIST) throw new FormatError(`${what}: unknown blob type ${n}`);
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Pack header: count, then per blob type (1) id (32) length (4) raw length (4). Offsets are cumulative.

export function encodePackHeader(blobs: PackedBlob[]): Buffer {
  const w = new Writer().u32(blobs.length);
  for (const b of blobs) w.u8(b.type).bytes(b.id).u32(b.length).u32(b.rawLength);
  return w.done();
}

export function decodePackHeader(buf: Buffer): IndexedBlob[] {
  const r = new Reader(buf, "pack header");
  const count = r.u32();
  const blobs: IndexedBlob[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const type = blobType(r.u8(), "pack header");
    const id = r.bytes(ID_BYTES);
    const length = r.u32();
    const rawLength = r.u32();
    blobs.push({ type, id, length, rawLength, offset });
    offset += length;
  }
  r.end();
  return blobs;
}

/** Pack trailer: sealed header, its length (uint32 LE) and the magic. */
export const PACK_MAGIC = Buffer.from("LBPACK01");
export const PACK_TRAILER_BYTES = 4 + PACK_MAGIC.length;

export function packTrailer(sealedHeader: Buffer): Buffer {
  return new Writer().bytes(sealedHeader).u32(sealedHeader.length).bytes(PACK_MAGIC).done();
}

/** From the last bytes of a pack: where its sealed header starts and how long it is. */
export function locatePackHeader(packLength: number, tail: Buffer): { offset: number; length: number } {
  if (tail.length < PACK_TRAILER_BYTES || !tail.subarray(tail.length - PACK_MAGIC.length).equals(PACK_MAGIC)) {
    throw new FormatError("pack: missing trailer (truncated or not a pack)");
  }
  const length = tail.readUInt32LE(tail.length - PACK_TRAILER_BYTES);
  const offset = packLength - PACK_TRAILER_BYTES - length;
  if (offset < 0) throw new FormatError(`pack: header length ${length} exceeds the pack (${packLength} bytes)`);
  return { offset, length };
}

// ---------------------------------------------------------------------------------------------------
// Index segment: magic, superseded segment ids, then packs with their blobs.

const INDEX_MAGIC = Buffer.from("LBIDX001");

export function encodeIndexSegment(seg: IndexSegment): Buffer {
  const w = new Writer().bytes(INDEX_MAGIC).u32(seg.supersedes.length);
  for (const id of seg.supersedes) w.bytes(Buffer.from(id, "hex"));
  w.u32(seg.packs.length);
  for (const pack of seg.packs) {
    w.bytes(Buffer.from(pack.id, "hex")).u32(pack.blobs.length);
    for (const b of pack.blobs) w.u8(b.type).bytes(b.id).u32(b.offset).u32(b.length).u32(b.rawLength);
  }
  return w.done();
}

export function decodeIndexSegment(buf: Buffer): IndexSegment {
  const r = new Reader(buf, "index segment");
  if (!r.bytes(INDEX_MAGIC.length).equals(INDEX_MAGIC)) throw new FormatError("index segment: bad magic");
  const supersedes = Array.from({ length: r.u32() }, () => r.bytes(16).toString("hex"));
  const packs: IndexedPack[] = [];
  for (let p = r.u32(); p > 0; p--) {
    const id = r.bytes(32).toString("hex");
    const blobs: IndexedBlob[] = [];
    for (let b = r.u32(); b > 0; b--) {
      const type = blobType(r.u8(), "index segment");
      blobs.push({ type, id: r.bytes(ID_BYTES), offset: r.u32(), length: r.u32(), rawLength: r.u32() });
    }
    packs.push({ id, blobs });
  }
  r.end();
  return { supersedes, packs };
}

// ---------------------------------------------------------------------------------------------------
// Chunk lists: per chunk its id (32) and raw length (4).

export interface ChunkRef {
  id: Buffer;
  rawLength: number;
}

export const CHUNK_LIST_ENTRY_BYTES = ID_BYTES + 4;
/** Entries per list blob: 64 Ki entries (2.25 MiB) keep list blobs near the chunk size. */
export const CHUNK_LIST_MAX_ENTRIES = 64 * 1024;

export function encodeChunkList(refs: ChunkRef[]): Buffer {
  const out = Buffer.alloc(refs.length * CHUNK_LIST_ENTRY_BYTES);
  refs.forEach((ref, i) => {
    ref.id.copy(out, i * CHUNK_LIST_ENTRY_BYTES);
    out.writeUInt32LE(ref.rawLength, i * CHUNK_LIST_ENTRY_BYTES + ID_BYTES);
  });
  return out;
}

export function decodeChunkList(buf: Buffer): ChunkRef[] {
  if (buf.length % CHUNK_LIST_ENTRY_BYTES !== 0) throw new FormatError(`chunk list: ${buf.length} bytes is not a whole number of entries`);
  const refs: ChunkRef[] = [];
  for (let o = 0; o < buf.length; o += CHUNK_LIST_ENTRY_BYTES) {
    refs.push({ id: Buffer.from(buf.subarray(o, o + ID_BYTES)), rawLength: buf.readUInt32LE(o + ID_BYTES) });
  }
  return refs;
}

// ---------------------------------------------------------------------------------------------------
// Snapshots and the version file (JSON; snapshots are encrypted).

export interface SnapshotStream {
  name: string;
  size: number;
  chunks: number;
  /** Ids (hex) of the list blobs holding the stream's chunk list, in order. */
  lists: string[];
}

export interface SnapshotSummary {
  bytes: number;
  newBytes: number;
  storedBytes: number;
  seconds: number;
}

export interface SnapshotManifest {
  version: 1;
  id: string;
  time: string;
  hostname: string;
  tags: Record<string, string>;
  meta: unknown;
  streams: SnapshotStream[];
  summary: SnapshotSummary;
}

export interface VersionFile {
  format: typeof REPOSITORY_FORMAT;
  version: number;
  id: string;
  created: string;
}

export function parseVersionFile(text: string): VersionFile {
  let v: Partial<VersionFile>;
  try {
    v = JSON.parse(text) as Partial<VersionFile>;
  } catch {
    throw new FormatError("lifeboat-repository.json is not JSON");
  }
  if (v.format !== REPOSITORY_FORMAT) throw new FormatError(`not a Lifeboat repository (format "${String(v.format)}")`);
  if (!(REPOSITORY_VERSIONS as readonly unknown[]).includes(v.version)) {
    throw new FormatError(`repository format version ${String(v.version)} is not supported by this Lifeboat (supports ${REPOSITORY_VERSIONS.slice(0, -1).join(", ")} and ${REPOSITORY_VERSIONS.at(-1)})`);
  }
  return v as VersionFile;
}
