// The benchmark's data: a deterministic mix of incompressible bytes (AES-256-CTR keystream) and
// compressible text (words from a fixed vocabulary in a seeded order), written as files and packed
// into one tar stream by the system's tar, so every tool backs up the identical bytes.
import { spawn } from "node:child_process";
import { createCipheriv, createHash, type Cipher } from "node:crypto";
import { mkdirSync, utimesSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";

export const MiB = 1 << 20;
export const GiB = 1 << 30;

/** `1GiB`, `256MiB`, `512MB`, `1e9`: bytes. Binary units are powers of 1024, decimal ones of 1000. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]i?b?|b)?\s*$/i.exec(text);
  if (!m) throw new Error(`size must look like 256MiB, 1GiB or 500MB, got "${text}"`);
  const unit = (m[2] ?? "b").toLowerCase().replace(/b$/, "");
  const powers: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 1024, mi: MiB, gi: GiB, ti: GiB * 1024 };
  const factor = powers[unit];
  if (factor === undefined) throw new Error(`unknown size unit in "${text}"`);
  const bytes = Math.round(Number(m[1]) * factor);
  if (!(bytes >= 16 * MiB)) throw new Error(`size must be at least 16MiB, got "${text}"`);
  return bytes;
}

export interface DataFile {
  name: string;
  kind: "random" | "text";
  size: number;
}

export interface Dataset {
  dir: string;
  files: DataFile[];
  bytes: number;
}

/** A keystream: `seed` always gives the same bytes. */
function keystream(seed: string): Cipher {
  return createCipheriv("aes-256-ctr", createHash("sha256").update(seed).digest(), Buffer.alloc(16));
}

function randomBytesFrom(stream: Cipher, n: number): Buffer {
  return stream.update(Buffer.alloc(n));
}

// 256 pronounceable words (16 onsets × 16 endings), so one keystream byte picks one word.
const ONSETS = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w"];
const ENDINGS = ["ackup", "luster", "olume", "napshot", "ode", "ack", "ndex", "hunk", "estore", "ocation", "amespace", "ecret", "ontainer", "ervice", "atabase", "eplica"];
const VOCABULARY = ONSETS.flatMap((o) => ENDINGS.map((e) => Buffer.from(o + e)));

/** `n` bytes of text: words separated by spaces, a newline every 8–23 words. */
function textFrom(stream: Cipher, n: number): Buffer {
  const out = Buffer.alloc(n);
  const picks = randomBytesFrom(stream, n); // at most one word per output byte
  let o = 0;
  let i = 0;
  let lineLeft = 8 + (picks[0]! & 15);
  while (o < n) {
    o += VOCABULARY[picks[i++]!]!.copy(out, o);
    if (o >= n) break;
    if (--lineLeft === 0) {
      out[o++] = 0x0a;
      lineLeft = 8 + (picks[i]! & 15);
    } else {
      out[o++] = 0x20;
    }
  }
  return out;
}

/** File sizes between 4 and 32 MiB (not aligned), summing to exactly `total`. */
function fileSizes(total: number, stream: Cipher): number[] {
  const sizes: number[] = [];
  for (let left = total; left > 0;) {
    const size = Math.min(left, 4 * MiB + (randomBytesFrom(stream, 4).readUInt32LE(0) % (28 * MiB)));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

async function writeFile(path: string, size: number, fill: (n: number) => Buffer): Promise<void> {
  const handle = await open(path, "w");
  try {
    for (let done = 0; done < size;) {
      const piece = fill(Math.min(4 * MiB, size - done));
      await handle.write(piece, 0, piece.length, done);
      done += piece.length;
    }
  } finally {
    await handle.close();
  }
}

function fillerFor(kind: DataFile["kind"], seed: string): (n: number) => Buffer {
  const stream = keystream(seed);
  return kind === "random" ? (n) => randomBytesFrom(stream, n) : (n) => textFrom(stream, n);
}

/**
 * Writes `bytes` of data into `dir` (created): half random, half text, as files of 4–32 MiB plus a
 * few dozen small text files, the way a volume holds a mix of large and small files.
 */
export async function generateDataset(dir: string, bytes: number, seed = "lifeboat-bench"): Promise<Dataset> {
  mkdirSync(dir, { recursive: true });
  const sizes = keystream(`${seed}:sizes`);
  const smallCount = 64;
  const small = Array.from({ length: smallCount }, () => 1024 + (randomBytesFrom(sizes, 2).readUInt16LE(0) % 60_000));
  const smallTotal = small.reduce((a, b) => a + b, 0);
  const randomTotal = Math.floor(bytes / 2);
  const textTotal = bytes - randomTotal - smallTotal;
  const files: DataFile[] = [
    ...fileSizes(randomTotal, sizes).map((size, i): DataFile => ({ name: `random-${String(i).padStart(3, "0")}.bin`, kind: "random", size })),
    ...fileSizes(textTotal, sizes).map((size, i): DataFile => ({ name: `text-${String(i).padStart(3, "0")}.txt`, kind: "text", size })),
    ...small.map((size, i): DataFile => ({ name: `notes/note-${String(i).padStart(3, "0")}.txt`, kind: "text", size })),
  ];
  mkdirSync(join(dir, "notes"), { recursive: true });
  for (const f of files) await writeFile(join(dir, f.name), f.size, fillerFor(f.kind, `${seed}:${f.name}`));
  // Fixed times, so the tar stream (headers included) is the same in every run.
  for (const path of [...files.map((f) => join(dir, f.name)), join(dir, "notes"), dir]) utimesSync(path, GENERATED_AT, GENERATED_AT);
  return { dir, files, bytes };
}

const GENERATED_AT = new Date("2025-01-01T00:00:00Z");
const CHANGED_AT = new Date("2025-01-02T00:00:00Z");

/**
 * Changes `fraction` of the dataset's bytes in place: regions spread over several of the large
 * files (both kinds), each overwritten with new data of the file's kind. Returns the bytes changed.
 */
export async function modifyDataset(data: Dataset, fraction = 0.01, seed = "lifeboat-bench:change"): Promise<{ bytes: number; files: number; regions: number }> {
  const large = data.files.filter((f) => f.size >= 4 * MiB);
  const fileCount = Math.min(8, large.length);
  const chosen = Array.from({ length: fileCount }, (_, i) => large[Math.floor((i * large.length) / fileCount)]!);
  const perFile = 3;
  const regionSize = Math.floor((data.bytes * fraction) / (fileCount * perFile));
  let changed = 0;
  for (const f of chosen) {
    const fill = fillerFor(f.kind, `${seed}:${f.name}`);
    const handle = await open(join(data.dir, f.name), "r+");
    try {
      for (let r = 0; r < perFile; r++) {
        const size = Math.min(regionSize, f.size);
        const offset = Math.floor(((r + 0.5) / perFile) * (f.size - size));
        await handle.write(fill(size), 0, size, offset);
        changed += size;
      }
    } finally {
      await handle.close();
    }
    utimesSync(join(data.dir, f.name), CHANGED_AT, CHANGED_AT);
  }
  return { bytes: changed, files: fileCount, regions: fileCount * perFile };
}

/**
 * The tar command every tool's stream comes from. `--sort=name` makes the stream independent of
 * directory order and the fixed owner independent of who runs it, so the same files give the same
 * bytes in every run.
 */
export function tarArgs(dir: string): string[] {
  return ["-cf", "-", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-C", dir, "."];
}

/** The tar stream of `dir`, and a promise that fails with tar's message unless it exits cleanly. */
export function tarStream(dir: string): { stdout: AsyncIterable<Buffer> & NodeJS.ReadableStream; finished: Promise<void> } {
  const tar = spawn("tar", tarArgs(dir), { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  tar.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const finished = new Promise<void>((resolve, reject) => {
    tar.on("error", reject);
    tar.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`tar exited with ${code}: ${stderr.trim()}`))));
  });
  finished.catch(() => undefined); // awaited by the caller after reading
  return { stdout: tar.stdout as AsyncIterable<Buffer> & NodeJS.ReadableStream, finished };
}

/** SHA-256 and length of the tar stream of `dir`. */
export async function tarDigest(dir: string): Promise<{ sha256: string; bytes: number }> {
  const tar = tarStream(dir);
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const piece of tar.stdout) {
    hash.update(piece);
    bytes += piece.length;
  }
  await tar.finished;
  return { sha256: hash.digest("hex"), bytes };
}
