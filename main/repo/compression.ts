// Blob compression: zstd, skipped for data that does not compress (random, encrypted, already
// compressed), which a small sample reveals for a fraction of the cost of compressing it all.
import { Compressor, Decompressor } from "zstd-napi";

export const COMPRESSION_NONE = 0;
export const COMPRESSION_ZSTD = 1;

const SAMPLE_BYTES = 16 * 1024;
/** A sample that shrinks by less than this is treated as incompressible. */
const MIN_SAMPLE_GAIN = 0.03;
/** A whole chunk must shrink by at least this much for its compressed form to be kept. */
const MIN_GAIN = 0.02;

export interface BlobCodec {
  /** The blob's plaintext as parts: one compression byte and the payload. */
  encode(data: Uint8Array): { parts: Uint8Array[]; compressed: boolean };
  decode(plaintext: Uint8Array): Buffer;
}

const HEADER_NONE = Uint8Array.of(COMPRESSION_NONE);
const HEADER_ZSTD = Uint8Array.of(COMPRESSION_ZSTD);

/** One codec per thread: zstd contexts are reused across blobs, which is much cheaper than new ones. */
export function createBlobCodec(level = 1): BlobCodec {
  const compressor = new Compressor();
  compressor.setParameters({ compressionLevel: level });
  const decompressor = new Decompressor();

  function worthCompressing(data: Uint8Array): boolean {
    if (data.length <= SAMPLE_BYTES * 2) return true;
    // Sample the middle: headers at the start of a file are often more compressible than its body.
    const mid = (data.length >> 1) - (SAMPLE_BYTES >> 1);
    const sample = data.subarray(mid, mid + SAMPLE_BYTES);
    return compressor.compress(sample).length < sample.length * (1 - MIN_SAMPLE_GAIN);
  }

  return {
    encode(data) {
      if (worthCompressing(data)) {
        const packed = compressor.compress(data);
        if (packed.length < data.length * (1 - MIN_GAIN)) return { parts: [HEADER_ZSTD, packed], compressed: true };
      }
      return { parts: [HEADER_NONE, data], compressed: false };
    },
    decode(plaintext) {
      const kind = plaintext[0];
      const body = plaintext.subarray(1);
      if (kind === COMPRESSION_NONE) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      if (kind === COMPRESSION_ZSTD) return decompressor.decompress(body);
      throw new Error(`unknown blob compression ${String(kind)}`);
    },
  };
}
