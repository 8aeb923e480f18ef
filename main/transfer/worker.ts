// A transfer worker: hashing, compression and encryption, off the engine thread.
// Thin on purpose: the algorithms live in main/repo and are tested there.
import { COMPRESSION_NONE, COMPRESSION_ZSTD, compressRoom, createBlobCodec } from "../repo/compression";
import { BLOB_FRAME_BYTES, contentId, openBlobInto, packDigest, sameBytes, sealBlobSplit, IntegrityError, type MasterKeys, type PackDigest } from "../repo/crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { move, transferableSymbol, valueSymbol } from "piscina";
import { knownHas } from "./known-set";
import type { OpenTask, SealResult, SealTask, TransferTask, WorkerKeys } from "./tasks";

/**
 * A minor garbage collection, run after each task. Node's ciphers return a new buffer for every
 * piece they encrypt or decrypt; V8 frees those only when it collects, which their external memory
 * alone triggers after some 64 MB per thread. They die young, so a scavenge frees them. Peak RSS of
 * a 1 GiB backup to MinIO: 212-216 MB against 282-286 MB; of its restore 188-196 MB against 254 MB;
 * no measurable time. (How jest's leak detector reaches gc() without --expose-gc.)
 */
const collectYoung = ((): (() => void) => {
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    if (typeof gc === "function") return () => gc({ type: "minor" });
  } catch {
    // No gc() here: V8 collects as it would anyway.
  }
  return () => undefined;
})();

const codecs = new Map<number, ReturnType<typeof createBlobCodec>>();

function codec(level: number) {
  let c = codecs.get(level);
  if (!c) codecs.set(level, (c = createBlobCodec(level)));
  return c;
}

const masterKeys = (k: WorkerKeys): MasterKeys => ({
  encryptionKey: Buffer.from(k.encryptionKey),
  idKey: Buffer.from(k.idKey),
});

/** `scratch`, or a larger one (a power of two, at least 1 MiB) when it cannot hold `bytes`. */
function roomFor(scratch: Uint8Array<ArrayBuffer>, bytes: number): Uint8Array<ArrayBuffer> {
  return scratch.length >= bytes ? scratch : new Uint8Array(Math.max(1 << 20, 2 ** Math.ceil(Math.log2(bytes))));
}

/** Where chunks are compressed to, before being encrypted back into the segment; grows to the largest seen. */
let compressScratch = new Uint8Array(0);

function seal(task: SealTask): SealResult {
  const keys = masterKeys(task.keys);
  const data = new Uint8Array(task.segment);
  const c = codec(task.level);
  const count = task.ranges.length / 2;
  const result: SealResult = { ids: new Uint8Array(count * 32), frames: new Uint8Array(count * BLOB_FRAME_BYTES), rawLengths: [], lengths: [] };
  for (let i = 0; i < count; i++) {
    const start = task.ranges[2 * i]!;
    const chunk = data.subarray(start, task.ranges[2 * i + 1]!);
    const id = contentId(task.keys.contentId, keys.idKey, chunk);
    result.ids.set(id, i * 32);
    result.rawLengths.push(chunk.length);
    if (task.known && knownHas(task.known, id)) {
      result.lengths.push(-1);
      continue;
    }
    compressScratch = roomFor(compressScratch, compressRoom(chunk.length));
    const packed = c.compressInto(chunk, compressScratch);
    // The payload replaces the chunk in the segment: compressed from the scratch, raw in place.
    const frame = result.frames.subarray(i * BLOB_FRAME_BYTES, (i + 1) * BLOB_FRAME_BYTES);
    if (packed >= 0) sealBlobSplit(keys, id, COMPRESSION_ZSTD, compressScratch.subarray(0, packed), data, start, frame);
    else sealBlobSplit(keys, id, COMPRESSION_NONE, chunk, data, start, frame);
    result.lengths.push(packed >= 0 ? packed : chunk.length);
  }
  return result;
}

/** Where compressed payloads are decrypted to before decompression; grows to the largest seen. */
let payloadScratch = new Uint8Array(0);

function open(task: OpenTask): Uint8Array[] {
  const keys = masterKeys(task.keys);
  const c = codec(1);
  let at = task.into?.at ?? 0;
  return task.blobs.map((b) => {
    // Decrypted straight into the destination when stored raw, else into the scratch and
    // decompressed into it. The destination is the shared output (`into`) or one new buffer.
    const dst = task.into ? new Uint8Array(task.into.segment, at, b.rawLength) : Buffer.allocUnsafeSlow(b.rawLength);
    at += b.rawLength;
    let kind = COMPRESSION_NONE;
    let payload: Uint8Array | undefined;
    openBlobInto(keys, b.id, b.sealed, (first, rest) => {
      kind = first;
      if (first === COMPRESSION_NONE) {
        if (rest !== dst.length) throw new IntegrityError(`blob ${Buffer.from(b.id).toString("hex").slice(0, 16)}: stored ${rest} bytes, expected ${dst.length}`);
        return dst;
      }
      payloadScratch = roomFor(payloadScratch, rest);
      return (payload = payloadScratch.subarray(0, rest));
    });
    if (payload) c.decodePayloadInto(kind, payload, dst);
    // Decryption proves the blob is ours and intact; the id proves it is the chunk we asked for.
    if (!sameBytes(contentId(task.keys.contentId, keys.idKey, dst), b.id)) {
      throw new IntegrityError(`blob ${Buffer.from(b.id).toString("hex").slice(0, 16)}: content does not match its id`);
    }
    return dst;
  });
}

/** A buffer that owns its whole ArrayBuffer, so it can be transferred; small Buffers share a pool slab. */
function owned(buf: Uint8Array): Uint8Array {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer) return buf;
  const copy = new Uint8Array(buf.byteLength);
  copy.set(buf);
  return copy;
}

/** Hands results back by transferring their buffers instead of copying them. */
function transferring<T extends object>(value: T, buffers: Uint8Array[]): T {
  return move({
    get [transferableSymbol]() { return buffers.map((b) => b.buffer); },
    get [valueSymbol]() { return value; },
  }) as unknown as T;
}

export default function run(task: TransferTask): SealResult | Uint8Array[] | PackDigest {
  try {
    return runTask(task);
  } finally {
    collectYoung();
  }
}

function runTask(task: TransferTask): SealResult | Uint8Array[] | PackDigest {
  switch (task.op) {
    case "hash":
      return packDigest(task.algorithm, new Uint8Array(task.segment, task.offset, task.length), task.crc32);
    case "seal":
      return seal(task);
    case "open": {
      if (task.into) {
        open(task);
        return [];
      }
      const plain = open(task).map(owned);
      return transferring(plain, plain);
    }
  }
}
