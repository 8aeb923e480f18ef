// Blob compression: zstd, skipped for data that does not compress (random, encrypted, already
// compressed), which a small sample reveals for a fraction of the cost of compressing it all.
import { createRequire } from "node:module";
import { Compressor, Decompressor } from "zstd-napi";
import type * as ZstdBinding from "zstd-napi/binding";

// The native contexts, for (de)compressing into buffers we provide: the high-level classes allocate
// a new buffer per call. Loaded with require: the binding's exports are not visible to ESM imports.
const zstd = createRequire(import.meta.url)("zstd-napi/binding") as typeof ZstdBinding;

export const COMPRESSION_NONE = 0;
export const COMPRESSION_ZSTD = 1;

const SAMPLE_BYTES = 16 * 1024;
/** A sample that shrinks by less than this is treated as incompressible. */
const MIN_SAMPLE_GAIN = 0.03;
/** A whole chunk must shrink by at least this much for its compressed form to be kept. */
const MIN_GAIN = 0.02;

/** The room compressInto needs for `length` bytes. */
export function compressRoom(length: number): number {
  return Math.ceil(length * (1 - MIN_GAIN));
}

export interface BlobCodec {
  /** The blob's plaintext as parts: one compression byte and the payload. */
  encode(data: Uint8Array): { parts: Uint8Array[]; compressed: boolean };
  decode(plaintext: Uint8Array): Buffer;
  /**
   * The zstd payload of `data`, written to `dst` (room for 98% of data.length is enough): its length,
   * or -1 when compression is not worth it and the data is to be stored raw. Allocates nothing.
   */
  compressInto(data: Uint8Array, dst: Uint8Array): number;
  /** A payload of the given compression (the bytes after the compression byte) as a new buffer of `rawLength` bytes that owns its memory. */
  decodePayload(kind: number, payload: Uint8Array, rawLength: number): Buffer;
  /** The same, written to `dst`, which must be exactly the raw length (it may be shared memory). */
  decodePayloadInto(kind: number, payload: Uint8Array, dst: Uint8Array): void;
}

const HEADER_NONE = Uint8Array.of(COMPRESSION_NONE);
const HEADER_ZSTD = Uint8Array.of(COMPRESSION_ZSTD);

/** One codec per thread: zstd contexts are reused across blobs, which is much cheaper than new ones. */
export function createBlobCodec(level = 1): BlobCodec {
  // The whole-buffer API (encode, decode) has contexts of its own, made on first use: the
  // transfer workers only use the *Into methods, and each context holds megabytes.
  let compressorOnce: Compressor | undefined;
  const compressor = () => {
    if (!compressorOnce) {
      compressorOnce = new Compressor();
      compressorOnce.setParameters({ compressionLevel: level });
    }
    return compressorOnce;
  };
  let decompressorOnce: Decompressor | undefined;
  const decompressor = () => (decompressorOnce ??= new Decompressor());
  const cctx = new zstd.CCtx();
  cctx.setParameter(zstd.CParameter.compressionLevel, level);
  const dctx = new zstd.DCtx();
  const sampleOut = new Uint8Array(zstd.compressBound(SAMPLE_BYTES));

  /** The compressed size of `src` written to `dst`, or -1 when it does not fit. */
  function compressInto(dst: Uint8Array, src: Uint8Array): number {
    try {
      return cctx.compress2(dst, src);
    } catch {
      // dstSize_tooSmall: the data does not compress enough to be worth it. Start the next frame clean.
      cctx.reset(zstd.ResetDirective.sessionOnly);
      return -1;
    }
  }

  function worthCompressing(data: Uint8Array): boolean {
    if (data.length <= SAMPLE_BYTES * 2) return true;
    // Sample the middle: headers at the start of a file are often more compressible than its body.
    const mid = (data.length >> 1) - (SAMPLE_BYTES >> 1);
    const sample = data.subarray(mid, mid + SAMPLE_BYTES);
    return cctx.compress2(sampleOut, sample) < sample.length * (1 - MIN_SAMPLE_GAIN);
  }

  return {
    encode(data) {
      if (worthCompressing(data)) {
        const packed = compressor().compress(data);
        if (packed.length < data.length * (1 - MIN_GAIN)) return { parts: [HEADER_ZSTD, packed], compressed: true };
      }
      return { parts: [HEADER_NONE, data], compressed: false };
    },
    decode(plaintext) {
      const kind = plaintext[0];
      const body = plaintext.subarray(1);
      if (kind === COMPRESSION_NONE) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      if (kind === COMPRESSION_ZSTD) return decompressor().decompress(body);
      throw new Error(`unknown blob compression ${String(kind)}`);
    },
    compressInto(data, dst) {
      if (!worthCompressing(data)) return -1;
      // Room for exactly what would be kept: a payload that does not fit is not worth keeping.
      const packed = compressInto(dst.subarray(0, compressRoom(data.length)), data);
      return packed >= 0 && packed < data.length * (1 - MIN_GAIN) ? packed : -1;
    },
    decodePayload(kind, payload, rawLength) {
      const out = Buffer.allocUnsafeSlow(rawLength);
      this.decodePayloadInto(kind, payload, out);
      return out;
    },
    decodePayloadInto(kind, payload, dst) {
      if (kind === COMPRESSION_NONE) {
        if (payload.length !== dst.length) throw new Error(`stored blob has ${payload.length} bytes, expected ${dst.length}`);
        dst.set(payload);
        return;
      }
      if (kind === COMPRESSION_ZSTD) {
        const n = dctx.decompress(dst, payload);
        if (n !== dst.length) throw new Error(`compressed blob holds ${n} bytes, expected ${dst.length}`);
        return;
      }
      throw new Error(`unknown blob compression ${String(kind)}`);
    },
  };
}
