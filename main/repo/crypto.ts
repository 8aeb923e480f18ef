// Repository cryptography (see FORMAT.md, "Keys" and "Encryption of objects"): AES-256-GCM with a
// key derived per object, keyed content ids (BLAKE3, or HMAC-SHA256 in older repositories), and
// master keys wrapped by scrypt.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import type * as BlakeHash from "@napi-rs/blake-hash";
import type * as Crc32 from "@node-rs/crc32";
import type { PackHash } from "./format";

// Native hashes are loaded on first use: each costs every thread that loads it 3-4 MB of memory,
// and the engine thread of a backup uses neither (the workers hash).
const requireNative = createRequire(import.meta.url);
let blakeModule: typeof BlakeHash | undefined;
let crc32Module: typeof Crc32 | undefined;
const Blake3 = () => (blakeModule ??= requireNative("@napi-rs/blake-hash") as typeof BlakeHash).Blake3Hasher;
const crc32 = (data: Buffer) => (crc32Module ??= requireNative("@node-rs/crc32") as typeof Crc32).crc32(data);

/** A Buffer view of the same memory (shared segments included): the native bindings' types take Buffers. */
const bufferView = (data: Uint8Array) => Buffer.from(data.buffer, data.byteOffset, data.byteLength);

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const ID_BYTES = 32;
/** Bytes an encrypted object adds to its plaintext. */
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;

export interface MasterKeys {
  encryptionKey: Buffer;
  idKey: Buffer;
}

export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IntegrityError";
  }
}

export class WrongPasswordError extends Error {
  constructor() {
    super("wrong repository password");
    this.name = "WrongPasswordError";
  }
}

export function newMasterKeys(): MasterKeys {
  return { encryptionKey: randomBytes(32), idKey: randomBytes(32) };
}

/**
 * How a repository derives chunk ids (named in its config). Both are keyed, so an id reveals
 * nothing about the content without the key. BLAKE3 hashes about twice as fast as SHA-256 even with
 * the CPU's SHA extensions, and every byte of every backup and restore is hashed once.
 */
const CONTENT_ID_FUNCTIONS = {
  "blake3-keyed": (idKey: Buffer, data: Uint8Array) => Blake3().newKeyed(idKey).update(bufferView(data)).digestBuffer(),
  "hmac-sha256": (idKey: Buffer, data: Uint8Array) => createHmac("sha256", idKey).update(data).digest(),
};
export type ContentIdAlgorithm = keyof typeof CONTENT_ID_FUNCTIONS;
export const CONTENT_ID_ALGORITHMS = Object.keys(CONTENT_ID_FUNCTIONS) as ContentIdAlgorithm[];
export const DEFAULT_CONTENT_ID: ContentIdAlgorithm = "blake3-keyed";

export function isContentIdAlgorithm(name: unknown): name is ContentIdAlgorithm {
  return typeof name === "string" && Object.hasOwn(CONTENT_ID_FUNCTIONS, name);
}

/** A chunk's content id under the repository's algorithm and id key (32 bytes). */
export function contentId(algorithm: ContentIdAlgorithm, idKey: Buffer, data: Uint8Array): Buffer {
  if (!isContentIdAlgorithm(algorithm)) throw new Error(`unknown content id algorithm ${String(algorithm)}`);
  return CONTENT_ID_FUNCTIONS[algorithm](idKey, data);
}

/**
 * A pack's name: the hash of its bytes (hex), unkeyed so a pack can be checked without the key.
 * BLAKE3 from format version 3 runs at 5 GB/s here on a pack, SHA-256 at 1.3 GB/s with the CPU's
 * SHA extensions; every byte a backup writes is hashed once.
 */
export function packName(algorithm: PackHash, bytes: Uint8Array): string {
  const view = bufferView(bytes);
  return algorithm === "blake3" ? new (Blake3())().update(view).digestBuffer().toString("hex") : createHash("sha256").update(view).digest("hex");
}

/** What names a pack, and the CRC-32 of its bytes when the location sends one with the upload. */
export interface PackDigest {
  name: string;
  crc32?: number;
}

/** The CRC-32 comes from @node-rs/crc32 (carry-less multiply): 16 GB/s here, zlib's 3.6 GB/s. */
export function packDigest(algorithm: PackHash, bytes: Uint8Array, withCrc32: boolean): PackDigest {
  const name = packName(algorithm, bytes);
  return withCrc32 ? { name, crc32: crc32(bufferView(bytes)) } : { name };
}

const BLOB_LABEL = Buffer.from("lifeboat/v1/blob");
const OBJECT_LABEL = Buffer.from("lifeboat/v1/object");

function blobKey(keys: MasterKeys, id: Uint8Array): Buffer {
  return createHmac("sha256", keys.encryptionKey).update(BLOB_LABEL).update(id).digest();
}

function objectKey(keys: MasterKeys, name: string): Buffer {
  return createHmac("sha256", keys.encryptionKey).update(OBJECT_LABEL).update(name).digest();
}

function seal(key: Buffer, aad: Uint8Array, parts: Uint8Array[]): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce);
  cipher.setAAD(aad);
  const body = parts.map((p) => cipher.update(p));
  body.push(cipher.final());
  return Buffer.concat([nonce, ...body, cipher.getAuthTag()]);
}

function open(key: Buffer, aad: Uint8Array, sealed: Uint8Array, what: string): Buffer {
  if (sealed.length < SEAL_OVERHEAD) throw new IntegrityError(`${what}: truncated (${sealed.length} bytes)`);
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const body = decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([body, decipher.final()]);
  } catch {
    throw new IntegrityError(`${what}: authentication failed (corrupted, truncated or not from this repository)`);
  }
}

/** Encrypts a blob's plaintext (compression byte and payload, given as parts) under its id. */
export function sealBlob(keys: MasterKeys, id: Uint8Array, parts: Uint8Array[]): Buffer {
  return seal(blobKey(keys, id), id, parts);
}

export function openBlob(keys: MasterKeys, id: Uint8Array, sealed: Uint8Array): Buffer {
  return open(blobKey(keys, id), id, sealed, `blob ${Buffer.from(id).toString("hex").slice(0, 16)}`);
}

/**
 * The in-place and streaming variants below encrypt in pieces of this size: Node's ciphers return a
 * new buffer per call, and small ones are recycled by the allocator instead of piling up as external
 * memory until the next garbage collection.
 */
const CRYPT_PIECE = 64 * 1024;

/** A blob's sealed bytes other than its payload: nonce and encrypted compression byte, then the tag. */
export const BLOB_HEAD_BYTES = NONCE_BYTES + 1;
export const BLOB_FRAME_BYTES = BLOB_HEAD_BYTES + TAG_BYTES;

/**
 * sealBlob without allocating the result, split in three: `frame` (BLOB_FRAME_BYTES) receives the
 * head (nonce, encrypted compression byte) and the tail (tag); the encrypted payload is written to
 * dst[at…], which may be where `payload` is (it is then encrypted in place). head + payload + tail
 * is exactly what sealBlob(keys, id, [kind, payload]) gives.
 */
export function sealBlobSplit(keys: MasterKeys, id: Uint8Array, kind: number, payload: Uint8Array, dst: Uint8Array, at: number, frame: Uint8Array): void {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", blobKey(keys, id), nonce);
  cipher.setAAD(id);
  frame.set(nonce, 0);
  frame.set(cipher.update(Uint8Array.of(kind)), NONCE_BYTES);
  let written = at;
  for (let read = 0; read < payload.length; read += CRYPT_PIECE) {
    const piece = cipher.update(payload.subarray(read, Math.min(payload.length, read + CRYPT_PIECE)));
    dst.set(piece, written);
    written += piece.length;
  }
  const last = cipher.final();
  dst.set(last, written);
  written += last.length;
  if (written !== at + payload.length) throw new Error(`sealing changed the blob's length (${payload.length} → ${written - at})`);
  frame.set(cipher.getAuthTag(), BLOB_HEAD_BYTES);
}

/**
 * openBlob without intermediate buffers: the first plaintext byte (the compression byte) goes to
 * `place`, which returns where the remaining `rest` bytes are decrypted to. Throws IntegrityError
 * when the blob fails authentication, whatever `place` did.
 */
export function openBlobInto(keys: MasterKeys, id: Uint8Array, sealed: Uint8Array, place: (first: number, rest: number) => Uint8Array): void {
  const what = () => `blob ${Buffer.from(id).toString("hex").slice(0, 16)}`;
  if (sealed.length <= SEAL_OVERHEAD) throw new IntegrityError(`${what()}: truncated (${sealed.length} bytes)`);
  const decipher = createDecipheriv("aes-256-gcm", blobKey(keys, id), sealed.subarray(0, NONCE_BYTES));
  decipher.setAAD(id);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  let dst: Uint8Array | undefined;
  let placeError: unknown;
  try {
    dst = place(decipher.update(body.subarray(0, 1))[0]!, body.length - 1);
  } catch (err) {
    placeError = err;
  }
  let written = 0;
  for (let read = 1; read < body.length; read += CRYPT_PIECE) {
    const piece = decipher.update(body.subarray(read, Math.min(body.length, read + CRYPT_PIECE)));
    dst?.set(piece, written);
    written += piece.length;
  }
  let last: Buffer;
  try {
    last = decipher.final();
  } catch {
    throw new IntegrityError(`${what()}: authentication failed (corrupted, truncated or not from this repository)`);
  }
  if (placeError !== undefined) throw placeError;
  dst!.set(last, written);
}

/** Encrypts a named object (config, pack header, index segment, snapshot). */
export function sealObject(keys: MasterKeys, name: string, plaintext: Uint8Array): Buffer {
  return seal(objectKey(keys, name), Buffer.from(name), [plaintext]);
}

export function openObject(keys: MasterKeys, name: string, sealed: Uint8Array): Buffer {
  return open(objectKey(keys, name), Buffer.from(name), sealed, name);
}

// ---------------------------------------------------------------------------------------------------
// Key files

export interface KdfParams {
  name: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: string;
}

export interface KeyFile {
  version: 1;
  kdf: KdfParams;
  created: string;
  hostname: string;
  wrapped: { algorithm: "aes-256-gcm"; nonce: string; ciphertext: string };
}

/** scrypt cost: 32 MiB of memory and ~100 ms per attempt on a laptop; tests may lower it. */
export const DEFAULT_KDF = { N: 32768, r: 8, p: 1 } as const;

function deriveWrappingKey(password: string, kdf: KdfParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize("NFKC"), Buffer.from(kdf.salt, "base64"), 32, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key));
  });
}

export async function wrapMasterKeys(keys: MasterKeys, password: string, cost: { N: number; r: number; p: number } = DEFAULT_KDF): Promise<KeyFile> {
  if (password.length === 0) throw new Error("the repository password must not be empty");
  const kdf: KdfParams = { name: "scrypt", ...cost, salt: randomBytes(16).toString("base64") };
  const wrappingKey = await deriveWrappingKey(password, kdf);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", wrappingKey, nonce);
  const ciphertext = Buffer.concat([cipher.update(keys.encryptionKey), cipher.update(keys.idKey), cipher.final(), cipher.getAuthTag()]);
  return {
    version: 1,
    kdf,
    created: new Date().toISOString(),
    hostname: hostname(),
    wrapped: { algorithm: "aes-256-gcm", nonce: nonce.toString("base64"), ciphertext: ciphertext.toString("base64") },
  };
}

export async function unwrapMasterKeys(file: KeyFile, password: string): Promise<MasterKeys> {
  if (file.version !== 1 || file.kdf.name !== "scrypt" || file.wrapped.algorithm !== "aes-256-gcm") {
    throw new Error(`unsupported key file (version ${String(file.version)}, kdf ${String(file.kdf?.name)})`);
  }
  const wrappingKey = await deriveWrappingKey(password, file.kdf);
  const sealed = Buffer.from(file.wrapped.ciphertext, "base64");
  const decipher = createDecipheriv("aes-256-gcm", wrappingKey, Buffer.from(file.wrapped.nonce, "base64"));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    const plain = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    return { encryptionKey: plain.subarray(0, 32), idKey: plain.subarray(32, 64) };
  } catch {
    throw new WrongPasswordError();
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
