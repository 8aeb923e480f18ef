// Byte ranges as the Location interface takes them: { offset, length }, both non-negative integers.
import type { Readable } from "node:stream";

export interface ByteRange {
  offset: number;
  length: number;
}

export function assertRange(range: ByteRange): void {
  if (!Number.isSafeInteger(range.offset) || !Number.isSafeInteger(range.length) || range.offset < 0 || range.length < 0) {
    throw new RangeError(`invalid byte range: offset ${range.offset}, length ${range.length}`);
  }
}

/** A valid range, and room for it in `into`. */
export function assertIntoRange(range: ByteRange, into: Uint8Array): void {
  assertRange(range);
  if (into.length < range.length) throw new RangeError(`a read of ${range.length} bytes into ${into.length}`);
}

/** The HTTP Range header value for a non-empty range. */
export function httpRange(range: ByteRange): string {
  return `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

/**
 * A response body read into one buffer. With the expected size (a range's length, a Content-Length)
 * the buffer is allocated once and each piece copied in as it arrives, instead of keeping every
 * piece and concatenating at the end: half the peak memory for a restore's parallel pack reads,
 * and one allocation instead of hundreds. More bytes than expected are kept too (concatenated), so
 * the caller's own length check reports them. Read through 'data' events, which cost a fraction of
 * a stream's async iterator per piece.
 */
export function readBody(body: Readable, expected?: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const sized = expected !== undefined && Number.isSafeInteger(expected) && expected >= 0;
    let out: Buffer | undefined;
    const extra: Buffer[] = [];
    let filled = 0;
    body.on("data", (piece: Buffer) => {
      if (sized && filled === 0) {
        // The whole body in one piece (S3 ranged reads, see s3-ranged-get.ts) is kept, not copied.
        out = piece.length === expected ? piece : Buffer.allocUnsafeSlow(expected);
        if (out === piece) {
          filled = piece.length;
          return;
        }
      }
      if (out && filled + piece.length <= out.length) out.set(piece, filled);
      else {
        if (out) extra.push(out.subarray(0, filled));
        out = undefined;
        extra.push(piece);
      }
      filled += piece.length;
    });
    body.once("error", reject);
    body.once("end", () => resolve(out ? out.subarray(0, filled) : Buffer.concat(extra, filled)));
  });
}

/** A ranged body read into `into`: how many bytes arrived. More than fit fails the read. */
export function readBodyInto(body: Readable, into: Uint8Array): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let filled = 0;
    body.on("data", (piece: Buffer) => {
      if (filled + piece.length > into.length) {
        body.destroy(new Error(`the server sent more than the ${into.length} bytes asked for`));
        return;
      }
      into.set(piece, filled);
      filled += piece.length;
    });
    body.once("error", reject);
    body.once("end", () => resolve(filled));
  });
}
