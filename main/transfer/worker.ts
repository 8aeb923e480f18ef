// A transfer worker: chunking, hashing, compression and encryption, off the engine thread.
// Thin on purpose: the algorithms live in main/repo and are tested there.
import { createChunker, type Chunker } from "../repo/chunker";
import { createBlobCodec } from "../repo/compression";
import { contentId, openBlob, sameBytes, sealBlob, IntegrityError, type MasterKeys } from "../repo/crypto";
import { move, transferableSymbol, valueSymbol } from "piscina";
import { knownHas } from "./known-set";
import type { CutTask, OpenTask, SealTask, SealedChunk, TransferTask } from "./tasks";

const chunkers = new Map<string, Chunker>();
const codecs = new Map<number, ReturnType<typeof createBlobCodec>>();

function chunkerFor(task: CutTask): Chunker {
  const key = `${Buffer.from(task.seed).toString("hex")}:${task.params.min}:${task.params.avg}:${task.params.max}`;
  let chunker = chunkers.get(key);
  if (!chunker) chunkers.set(key, (chunker = createChunker(task.seed, task.params)));
  return chunker;
}

function codec(level: number) {
  let c = codecs.get(level);
  if (!c) codecs.set(level, (c = createBlobCodec(level)));
  return c;
}

const masterKeys = (k: { encryptionKey: Uint8Array; idKey: Uint8Array }): MasterKeys => ({
  encryptionKey: Buffer.from(k.encryptionKey),
  idKey: Buffer.from(k.idKey),
});

function cut(task: CutTask): number[] {
  const chunker = chunkerFor(task);
  const data = new Uint8Array(task.segment);
  const ends: number[] = [];
  for (let start = task.start; start < task.end; ) {
    const end = chunker.cut(data, start, task.end, task.final);
    if (end < 0) break; // the rest continues into the next segment
    ends.push(end);
    start = end;
  }
  return ends;
}

function seal(task: SealTask): SealedChunk[] {
  const keys = masterKeys(task.keys);
  const data = new Uint8Array(task.segment);
  const out: SealedChunk[] = [];
  for (let i = 0; i < task.ranges.length; i += 2) {
    const chunk = data.subarray(task.ranges[i]!, task.ranges[i + 1]!);
    const id = contentId(keys.idKey, chunk);
    if (task.known && knownHas(task.known, id)) {
      out.push({ id, rawLength: chunk.length });
      continue;
    }
    const { parts } = codec(task.level).encode(chunk);
    out.push({ id, rawLength: chunk.length, sealed: sealBlob(keys, id, parts) });
  }
  return out;
}

function open(task: OpenTask): Uint8Array[] {
  const keys = masterKeys(task.keys);
  const c = codec(1);
  return task.blobs.map((b) => {
    const plain = c.decode(openBlob(keys, b.id, b.sealed));
    // Decryption proves the blob is ours and intact; the id proves it is the chunk we asked for.
    if (plain.length !== b.rawLength || !sameBytes(contentId(keys.idKey, plain), b.id)) {
      throw new IntegrityError(`blob ${Buffer.from(b.id).toString("hex").slice(0, 16)}: content does not match its id`);
    }
    return plain;
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

export default function run(task: TransferTask): number[] | SealedChunk[] | Uint8Array[] {
  switch (task.op) {
    case "cut":
      return cut(task);
    case "seal": {
      const chunks = seal(task).map((c) => (c.sealed ? { ...c, sealed: owned(c.sealed) } : c));
      return transferring(chunks, chunks.flatMap((c) => (c.sealed ? [c.sealed] : [])));
    }
    case "open": {
      const plain = open(task).map(owned);
      return transferring(plain, plain);
    }
  }
}
