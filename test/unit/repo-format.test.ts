// The repository format's pure parts, each alone: chunking, crypto, binary layouts, compression,
// the known-id set, read planning, retention choice and progress arithmetic.
import { randomBytes } from "node:crypto";
import { describe, expect, test } from "vitest";
import { chunkAll, createChunker, createStreamCutter, DEFAULT_CHUNKER, gearTable, type ChunkerParams } from "../../main/repo/chunker";
import { createBlobCodec } from "../../main/repo/compression";
import { CONTENT_ID_ALGORITHMS, contentId, IntegrityError, newMasterKeys, openBlob, openObject, packDigest, packName, sealBlob, sealObject, unwrapMasterKeys, wrapMasterKeys, WrongPasswordError } from "../../main/repo/crypto";
import {
  decodeChunkList, decodeIndexSegment, decodePackHeader, encodeChunkList, encodeIndexSegment, encodePackHeader, FormatError,
  locatePackHeader, packHashOf, packTrailer, parseVersionFile,
} from "../../main/repo/format";
import { snapshotsBeyondKeepLast } from "../../main/repo/repository";
import type { SnapshotManifest } from "../../main/repo/format";
import { KnownSet } from "../../main/transfer/known-set";
import { ProgressMeter } from "../../main/transfer/progress";
import { FifoRing, planReads } from "../../main/transfer/restore";
import { isFdSource, pieceBatches } from "../../main/transfer/chunk-stream";
import { SegmentChunks } from "../../main/transfer/segment-chunks";
import { PassThrough, Readable } from "node:stream";

const FAST_KDF = { N: 1024, r: 8, p: 1 };
const seed = Buffer.alloc(32, 7);

describe("chunker", () => {
  const chunker = createChunker(seed);
  const data = randomBytes(48 << 20);

  test("is deterministic and keeps every chunk within min and max", () => {
    const ends = chunkAll(chunker, data);
    expect(chunkAll(chunker, data)).toEqual(ends);
    const sizes = ends.map((e, i) => e - (ends[i - 1] ?? 0));
    for (const s of sizes.slice(0, -1)) {
      expect(s).toBeGreaterThanOrEqual(512 * 1024);
      expect(s).toBeLessThanOrEqual(8 << 20);
    }
    const avg = data.length / sizes.length;
    expect(avg).toBeGreaterThan(0.8 * (1 << 20));
    expect(avg).toBeLessThan(1.5 * (1 << 20));
  });

  test("an insertion changes only the chunks around it", () => {
    const shifted = Buffer.concat([data.subarray(0, 20 << 20), Buffer.from("a few inserted bytes"), data.subarray(20 << 20)]);
    const a = chunkAll(chunker, data);
    const b = chunkAll(chunker, shifted);
    const sizesA = new Set(a.map((e, i) => `${e - (a[i - 1] ?? 0)}`));
    const sizesB = b.map((e, i) => `${e - (b[i - 1] ?? 0)}`);
    const common = sizesB.filter((s) => sizesA.has(s)).length;
    expect(common).toBeGreaterThanOrEqual(sizesB.length - 3);
  });

  test("the gear table depends on the repository's seed", () => {
    expect(gearTable(seed)).toEqual(gearTable(Buffer.alloc(32, 7)));
    expect(gearTable(seed)).not.toEqual(gearTable(Buffer.alloc(32, 8)));
  });

  test("asks for more data instead of cutting early when the stream continues", () => {
    const c = createChunker(seed, { min: 256, avg: 1024, max: 4096 });
    const data = randomBytes(5000);
    expect(c.cut(data, 0, 256, false)).toBe(-1); // not past the minimum yet
    expect(c.cut(data, 0, 256, true)).toBe(256); // the stream ends there
    const cut = c.cut(data, 0, 5000, false);
    expect(cut).toBeGreaterThan(256);
    expect(cut).toBeLessThanOrEqual(4096); // never beyond the maximum
    // Where it cuts with all the data, it cuts the same with only the data up to the cut.
    expect(c.cut(data, 0, cut, false)).toBe(cut);
  });

  /** The boundaries a stream cutter finds when `data` arrives in pieces of the given sizes. */
  function streamEnds(params: ChunkerParams, data: Uint8Array, pieceSize: () => number): number[] {
    const cutter = createStreamCutter(seed, params);
    const ends: number[] = [];
    for (let offset = 0; offset < data.length; ) {
      const to = Math.min(data.length, offset + pieceSize());
      for (let from = offset, end; (end = cutter.next(data, from, to)) >= 0; from = end) ends.push(end);
      offset = to;
    }
    if (cutter.pending > 0) ends.push(data.length);
    return ends;
  }

  test("cutting a stream piece by piece finds the same boundaries as cutting it whole", () => {
    const text = Buffer.from("volume snapshot restore cluster ".repeat(40_000));
    for (let trial = 0; trial < 60; trial++) {
      const avg = 2 ** (8 + (trial % 10));
      const params = { min: Math.floor(avg / (2 + (trial % 3))), avg, max: avg * (2 + (trial % 5)) };
      const source = trial % 2 ? text : data.subarray(0, 1_000_000 + trial * 4099);
      // At every alignment of the underlying memory: the cutter reads whole 32-bit words where it can.
      const shift = trial % 4;
      const input = new Uint8Array(new ArrayBuffer(source.length + shift), shift, source.length);
      input.set(source);
      const want = chunkAll(createChunker(seed, params), input);
      // Pieces from one byte to larger than a chunk: boundaries must not depend on where reads end.
      const largest = [1, 7, 4096, 65_536, 3 * params.max][trial % 5]!;
      let n = trial;
      expect(streamEnds(params, input, () => 1 + ((n = (n * 1103515245 + 12345) >>> 0) % largest))).toEqual(want);
    }
    expect(streamEnds(DEFAULT_CHUNKER, data, () => 65_536)).toEqual(chunkAll(chunker, data));
  });

  test("only a plain { fd } is read through its descriptor; a stream that has one is read as a stream", () => {
    expect(isFdSource({ fd: 0 })).toBe(true);
    const stream = Object.assign(Readable.from([Buffer.from("x")]), { fd: 0 });
    expect(isFdSource(stream)).toBe(false);
    expect(isFdSource(null)).toBe(false);
    expect(isFdSource({ fd: "0" })).toBe(false);
  });

  test("SegmentChunks batches consecutive chunks, with the whole cut's boundaries, at segment offsets", () => {
    const params = { min: 1024, avg: 4096, max: 16_384 };
    const at = 777; // where the data starts in its segment
    const batches: number[][] = [];
    const chunks = new SegmentChunks(createStreamCutter(seed, params), 20_000, (ranges) => batches.push(ranges));
    chunks.begin(at);
    for (let offset = 0; offset < data.length; offset += 5000) {
      const to = Math.min(data.length, offset + 5000);
      chunks.scan(data, offset, to, at + offset);
    }
    chunks.finish(at + data.length);
    const flat = batches.flat();
    expect(flat[0]).toBe(at);
    for (let i = 1; i < flat.length - 1; i += 2) expect(flat[i + 1]).toBe(flat[i]); // each chunk starts where the last ended
    expect(flat.filter((_, i) => i % 2 === 1).map((end) => end - at)).toEqual(chunkAll(createChunker(seed, params), data));
    for (const batch of batches.slice(0, -1)) expect(batch.at(-1)! - batch[0]!).toBeGreaterThanOrEqual(20_000);
  });
});

describe("crypto", () => {
  const keys = newMasterKeys();

  test("blobs round-trip and are bound to their id", () => {
    const data = randomBytes(1000);
    const id = contentId("blake3-keyed", keys.idKey, data);
    const sealed = sealBlob(keys, id, [Uint8Array.of(0), data]);
    expect(openBlob(keys, id, sealed).subarray(1)).toEqual(data);
    expect(() => openBlob(keys, contentId("blake3-keyed", keys.idKey, Buffer.from("other")), sealed)).toThrow(IntegrityError);
    const tampered = Buffer.from(sealed);
    tampered[20]! ^= 1;
    expect(() => openBlob(keys, id, tampered)).toThrow(/authentication failed/);
    expect(() => openBlob(keys, id, sealed.subarray(0, 10))).toThrow(/truncated/);
  });

  test.each(CONTENT_ID_ALGORITHMS)("%s content ids are keyed: another repository gets other ids for the same data", (algorithm) => {
    expect(contentId(algorithm, keys.idKey, Buffer.from("x"))).not.toEqual(contentId(algorithm, newMasterKeys().idKey, Buffer.from("x")));
  });

  test("content ids match the published test vectors (BLAKE3 keyed_hash, HMAC-SHA256 RFC 4231 case 2)", () => {
    // BLAKE3's test_vectors.json: key "whats the Elvish word for friend", input i % 251 for i < len.
    const key = Buffer.from("whats the Elvish word for friend");
    const input = (len: number) => Buffer.from(Array.from({ length: len }, (_, i) => i % 251));
    expect(contentId("blake3-keyed", key, input(0)).toString("hex")).toBe("92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26");
    expect(contentId("blake3-keyed", key, input(1025)).toString("hex")).toBe("357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69");
    // A view into shared memory (how workers hash chunks) hashes the same as a copy.
    const shared = new Uint8Array(new SharedArrayBuffer(2000));
    shared.set(input(1025), 7);
    expect(contentId("blake3-keyed", key, shared.subarray(7, 7 + 1025))).toEqual(contentId("blake3-keyed", key, input(1025)));
    expect(contentId("hmac-sha256", Buffer.from("Jefe"), Buffer.from("what do ya want for nothing?")).toString("hex")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  test("named objects are bound to their name", () => {
    const sealed = sealObject(keys, "snapshots/a", Buffer.from("{}"));
    expect(openObject(keys, "snapshots/a", sealed).toString()).toBe("{}");
    expect(() => openObject(keys, "snapshots/b", sealed)).toThrow(IntegrityError);
  });

  test("master keys unwrap with the password only", async () => {
    const file = await wrapMasterKeys(keys, "correct horse", FAST_KDF);
    expect(await unwrapMasterKeys(file, "correct horse")).toEqual(keys);
    await expect(unwrapMasterKeys(file, "wrong")).rejects.toBeInstanceOf(WrongPasswordError);
    await expect(wrapMasterKeys(keys, "", FAST_KDF)).rejects.toThrow(/must not be empty/);
  });
});

describe("binary layouts", () => {
  const blob = (n: number) => ({ type: 0 as const, id: Buffer.alloc(32, n), length: 100 + n, rawLength: 200 + n });

  test("pack headers round-trip with cumulative offsets; the trailer finds the header", () => {
    const header = encodePackHeader([blob(1), blob(2), { ...blob(3), type: 1 }]);
    const decoded = decodePackHeader(header);
    expect(decoded.map((b) => b.offset)).toEqual([0, 101, 203]);
    expect(decoded[2]!.type).toBe(1);
    const trailer = packTrailer(Buffer.from("HEADER"));
    const pack = Buffer.concat([Buffer.alloc(50), trailer]);
    expect(locatePackHeader(pack.length, pack.subarray(pack.length - 12))).toEqual({ offset: 50, length: 6 });
    expect(() => locatePackHeader(pack.length, Buffer.alloc(12))).toThrow(/missing trailer/);
    expect(() => decodePackHeader(header.subarray(0, header.length - 1))).toThrow(FormatError);
  });

  test("index segments and chunk lists round-trip", () => {
    const seg = { supersedes: ["ab".repeat(16)], packs: [{ id: "cd".repeat(32), blobs: [{ ...blob(1), offset: 0 }, { ...blob(2), offset: 101 }] }] };
    expect(decodeIndexSegment(encodeIndexSegment(seg))).toEqual(seg);
    const refs = [{ id: Buffer.alloc(32, 1), rawLength: 5 }, { id: Buffer.alloc(32, 2), rawLength: 1 << 20 }];
    expect(decodeChunkList(encodeChunkList(refs))).toEqual(refs);
    expect(() => decodeChunkList(Buffer.alloc(35))).toThrow(/whole number/);
  });

  test("packs are named by SHA-256 up to version 2 and by BLAKE3 from version 3; the CRC-32 comes only when asked", () => {
    expect([1, 2, 3].map(packHashOf)).toEqual(["sha256", "sha256", "blake3"]);
    const abc = new TextEncoder().encode("abc");
    // The published test vectors of each hash for "abc".
    expect(packName("sha256", abc)).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(packName("blake3", abc)).toBe("6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85");
    // A view into a larger buffer hashes only its own bytes.
    expect(packName("blake3", new TextEncoder().encode("xabcx").subarray(1, 4))).toBe(packName("blake3", abc));
    expect(packDigest("blake3", abc, false)).toEqual({ name: packName("blake3", abc) });
    expect(packDigest("blake3", abc, true).crc32).toBe(0x352441c2); // CRC-32 (IEEE) of "abc"
  });

  test("the version file refuses other formats and versions", () => {
    expect(parseVersionFile('{"format":"lifeboat-repository","version":1,"id":"x","created":"y"}').id).toBe("x");
    expect(() => parseVersionFile('{"format":"restic"}')).toThrow(/not a Lifeboat repository/);
    expect(parseVersionFile('{"format":"lifeboat-repository","version":2,"id":"x","created":"y"}').version).toBe(2);
    expect(parseVersionFile('{"format":"lifeboat-repository","version":3,"id":"x","created":"y"}').version).toBe(3);
    expect(() => parseVersionFile('{"format":"lifeboat-repository","version":9}')).toThrow(/version 9 is not supported by this Lifeboat \(supports 1, 2 and 3\)/);
    expect(() => parseVersionFile("nope")).toThrow(/not JSON/);
  });
});

describe("compression", () => {
  const codec = createBlobCodec();

  test("compresses text and stores random data raw, both round-tripping", () => {
    const text = Buffer.from("kubernetes backup ".repeat(100_000));
    const random = randomBytes(1 << 20);
    const t = codec.encode(text);
    const r = codec.encode(random);
    expect(t.compressed).toBe(true);
    expect(r.compressed).toBe(false);
    // Buffer.equals: vitest's deep equality walks megabytes element by element.
    expect(codec.decode(Buffer.concat(t.parts)).equals(text)).toBe(true);
    expect(codec.decode(Buffer.concat(r.parts)).equals(random)).toBe(true);
    expect(() => codec.decode(Uint8Array.of(9, 1, 2))).toThrow(/unknown blob compression/);
  });
});

describe("known-id set", () => {
  test("finds what was added, across growth", () => {
    const set = new KnownSet(4);
    const ids = Array.from({ length: 5000 }, () => randomBytes(32));
    for (const id of ids) set.add(id);
    set.add(ids[0]!);
    expect(set.size).toBe(5000);
    expect(ids.every((id) => set.has(id))).toBe(true);
    expect(set.has(randomBytes(32))).toBe(false);
  });
});

describe("reading a stream in batches", () => {
  const drain = async (source: AsyncIterable<Uint8Array>) => {
    const pieces: string[] = [];
    for await (const batch of pieceBatches(source)) for (const piece of batch) pieces.push(Buffer.from(piece).toString());
    return pieces.join("");
  };

  test("a Readable's pieces arrive whole and in order, also from an async iterable", async () => {
    const words = Array.from({ length: 500 }, (_, i) => `piece ${i};`);
    expect(await drain(Readable.from(words.map((w) => Buffer.from(w)), { objectMode: false }))).toBe(words.join(""));
    expect(await drain((async function* () { for (const w of words) yield Buffer.from(w); })())).toBe(words.join(""));
  });

  test("a stream that fails, or is destroyed before its end, fails the read", async () => {
    const failing = new PassThrough();
    setImmediate(() => failing.write("some"));
    setTimeout(() => failing.destroy(new Error("the exec connection broke")), 5);
    await expect(drain(failing)).rejects.toThrow("the exec connection broke");
    const cut = new PassThrough();
    setImmediate(() => cut.destroy());
    await expect(drain(cut)).rejects.toThrow(/closed before its end/);
  });

  test("an ended stream reads as empty; leaving early destroys the stream", async () => {
    const ended = new PassThrough();
    ended.end();
    ended.resume();
    await new Promise((r) => ended.once("end", r));
    expect(await drain(ended)).toBe("");
    const endless = new PassThrough();
    endless.write("first");
    for await (const batch of pieceBatches(endless)) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    expect(endless.destroyed).toBe(true);
  });
});

describe("pipeline arithmetic", () => {
  test("the restore output ring hands out space first-in first-out and never overlaps live spans", () => {
    const ring = new FifoRing(100);
    expect(ring.reserve(40)).toBe(0);
    expect(ring.reserve(40)).toBe(40);
    expect(ring.reserve(30)).toBe(-1); // 20 left at the end, and the start is taken
    ring.release(); // [0, 40) is free again
    expect(ring.reserve(30)).toBe(0); // skips the tail [80, 100)
    expect(ring.reserve(15)).toBe(-1); // [30, 40) is too small, [40, 80) is live
    expect(ring.reserve(10)).toBe(30);
    ring.release(); // [40, 80)
    ring.release(); // [0, 30) and the skipped tail
    expect(ring.reserve(60)).toBe(40); // [40, 100): free since the span at 30 ends at 40
    ring.release();
    ring.release();
    expect(ring.reserve(100)).toBe(0); // empty: the whole ring
    expect(() => ring.reserve(101)).toThrow(RangeError);
  });

  test("the ring, driven at random like a restore, keeps live spans disjoint", () => {
    const ring = new FifoRing(1000);
    const live: Array<[number, number]> = [];
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let step = 0; step < 20_000; step++) {
      if (live.length && (random() < 0.45 || live.length > 20)) {
        ring.release();
        live.shift();
        continue;
      }
      const length = 1 + Math.floor(random() * 300);
      const fits = ring.fits(length);
      const at = ring.reserve(length);
      expect(fits).toBe(at >= 0);
      if (at < 0) continue;
      expect(at + length).toBeLessThanOrEqual(1000);
      for (const [a, n] of live) expect(at + length <= a || a + n <= at).toBe(true);
      live.push([at, length]);
    }
  });

  test("reads merge blobs stored back to back in one pack, and only those", () => {
    const at = { a: { pack: "p", type: 0 as const, offset: 0, length: 10, rawLength: 10 }, b: { pack: "p", type: 0 as const, offset: 10, length: 5, rawLength: 5 },
      c: { pack: "q", type: 0 as const, offset: 0, length: 7, rawLength: 7 }, d: { pack: "p", type: 0 as const, offset: 40, length: 1, rawLength: 1 } };
    const refs = (["a", "b", "c", "d"] as const).map((k) => ({ id: Buffer.from(k), rawLength: 0 }));
    const reads = planReads(refs, (r) => at[r.id.toString() as keyof typeof at]);
    expect(reads.map((r) => [r.pack, r.offset, r.length, r.blobs.length])).toEqual([["p", 0, 15, 2], ["q", 0, 7, 1], ["p", 40, 1, 1]]);
  });

  test("keep-last-N keeps the newest N of each backup", () => {
    const snap = (id: string, backup: string, day: number) => ({ id, tags: { backup }, time: `2026-11-${String(day).padStart(2, "0")}T00:00:00Z` }) as unknown as SnapshotManifest;
    const all = [snap("a1", "a", 1), snap("a2", "a", 2), snap("a3", "a", 3), snap("b1", "b", 1)];
    expect(snapshotsBeyondKeepLast(all, 2).sort()).toEqual(["a1"]);
    expect(snapshotsBeyondKeepLast(all, 1).sort()).toEqual(["a1", "a2"]);
    expect(() => snapshotsBeyondKeepLast(all, 0)).toThrow(/keep-last/);
  });

  test("progress reports the recent rate and an ETA", () => {
    let now = 0;
    const meter = new ProgressMeter(() => now);
    meter.bytesTotal = 1000;
    now = 1000;
    meter.bytesRead = 100;
    const p = meter.snapshot();
    expect(p.bytesPerSecond).toBe(100);
    expect(p.etaSeconds).toBe(9);
  });
});
