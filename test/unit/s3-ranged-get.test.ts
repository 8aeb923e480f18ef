// The lean ranged-read transport's pure parts: reading a response head, writing a request, and
// writing a query exactly as the SDK's own handler does (the request is signed over it).
import { describe, expect, test } from "vitest";
import { formatGetRequest, parseResponseHead, queryString } from "../../main/locations/s3-ranged-get";

describe("response heads", () => {
  test("a partial-content answer: status, lower-case headers, its length, kept alive", () => {
    const head = parseResponseHead("HTTP/1.1 206 Partial Content\r\nContent-Length: 8388608\r\nContent-Range: bytes 0-8388607/16000000\r\nETag: \"abc\"\r\nX-Amz-Meta-A: 1\r\nX-Amz-Meta-A: 2");
    expect(head).toEqual({
      statusCode: 206,
      reason: "Partial Content",
      headers: { "content-length": "8388608", "content-range": "bytes 0-8388607/16000000", etag: "\"abc\"", "x-amz-meta-a": "1, 2" },
      contentLength: 8388608,
      close: false,
    });
  });

  test("errors keep their status; a chunked or unsized body has no length (the request goes to Node's client)", () => {
    expect(parseResponseHead("HTTP/1.1 404 Not Found\r\nContent-Length: 310\r\nContent-Type: application/xml")).toMatchObject({ statusCode: 404, contentLength: 310 });
    expect(parseResponseHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked").contentLength).toBeUndefined();
    expect(parseResponseHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5").contentLength).toBeUndefined();
    expect(parseResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 12x").contentLength).toBeUndefined();
    expect(parseResponseHead("HTTP/1.1 200 OK").contentLength).toBeUndefined();
  });

  test("connection: close, and HTTP/1.0 unless it keeps alive, end the socket's use", () => {
    expect(parseResponseHead("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0").close).toBe(true);
    expect(parseResponseHead("HTTP/1.0 200 OK\r\nContent-Length: 0").close).toBe(true);
    expect(parseResponseHead("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0").close).toBe(false);
  });

  test("anything else is refused by name", () => {
    expect(() => parseResponseHead("SSH-2.0-OpenSSH_9.2")).toThrow(/not an HTTP\/1.x status line/);
    expect(() => parseResponseHead("HTTP/2 200")).toThrow(/status line/);
    expect(() => parseResponseHead("HTTP/1.1 200 OK\r\nno colon here")).toThrow(/malformed response header/);
  });
});

describe("requests", () => {
  test("a GET with its headers, ended by a blank line", () => {
    expect(formatGetRequest("/b/k?x-id=GetObject", { host: "127.0.0.1:9000", range: "bytes=0-9" }))
      .toBe("GET /b/k?x-id=GetObject HTTP/1.1\r\nhost: 127.0.0.1:9000\r\nrange: bytes=0-9\r\n\r\n");
  });

  test("a header that would split the request is refused", () => {
    expect(() => formatGetRequest("/k", { range: "bytes=0-1\r\nx-evil: 1" })).toThrow(/invalid HTTP header/);
    expect(() => formatGetRequest("/k", { "bad\nname": "v" })).toThrow(/invalid HTTP header/);
  });

  test("queries are written as the SDK writes them: sorted, RFC 3986 escaped, repeated keys, bare keys", () => {
    expect(queryString({ "x-id": "GetObject" })).toBe("x-id=GetObject");
    expect(queryString({ versionId: "a b+c/(d)*!'", "x-id": "GetObject" })).toBe("versionId=a%20b%2Bc%2F%28d%29%2A%21%27&x-id=GetObject");
    expect(queryString({ b: ["2", "1"], a: null as unknown as string, uploads: "" })).toBe("a&b=2&b=1&uploads=");
    expect(queryString({})).toBe("");
  });
});
