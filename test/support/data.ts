// Deterministic test data: the same seed always gives the same bytes, so a test can regenerate a
// stream another process was backing up (AES-256-CTR as a fast pseudo-random generator).
import { createCipheriv, createHash } from "node:crypto";

const WORDS = "backup restore kubernetes namespace volume snapshot cluster location repository chunk pack index node pod".split(" ");

/** `bytes` of pseudo-random data in `piece`-sized buffers. */
export async function* pseudoRandom(bytes: number, seed: string, piece = 1 << 20): AsyncGenerator<Buffer> {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(piece);
  for (let left = bytes; left > 0; left -= piece) yield cipher.update(zeros.subarray(0, Math.min(piece, left)));
}

/** `bytes` of compressible text (words from a small vocabulary, in a seeded order). */
export async function* pseudoText(bytes: number, seed: string, piece = 1 << 20): AsyncGenerator<Buffer> {
  for await (const noise of pseudoRandom(bytes, `text:${seed}`, piece)) {
    const out = Buffer.alloc(noise.length);
    let o = 0;
    for (let i = 0; o < out.length; i++) o += out.write(`${WORDS[noise[i % noise.length]! % WORDS.length]}${noise[(i + 1) % noise.length]! % 10 === 0 ? "\n" : " "}`, o);
    yield out;
  }
}

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of source) parts.push(p);
  return Buffer.concat(parts);
}

export async function sha256Of(source: AsyncIterable<Uint8Array>): Promise<string> {
  const h = createHash("sha256");
  for await (const p of source) h.update(p);
  return h.digest("hex");
}

export async function* fromBuffer(buf: Buffer, piece = 1 << 16): AsyncGenerator<Buffer> {
  for (let o = 0; o < buf.length; o += piece) yield buf.subarray(o, o + piece);
}
