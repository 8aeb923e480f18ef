// Byte ranges as the Location interface takes them: { offset, length }, both non-negative integers.

export interface ByteRange {
  offset: number;
  length: number;
}

export function assertRange(range: ByteRange): void {
  if (!Number.isSafeInteger(range.offset) || !Number.isSafeInteger(range.length) || range.offset < 0 || range.length < 0) {
    throw new RangeError(`invalid byte range: offset ${range.offset}, length ${range.length}`);
  }
}

/** The HTTP Range header value for a non-empty range. */
export function httpRange(range: ByteRange): string {
  return `bytes=${range.offset}-${range.offset + range.length - 1}`;
}
