// Ranged GETs, the whole data path of a restore from S3, over a lean HTTP/1.1 exchange.
//
// Node's HTTP client hands a response body over in 64 KiB pieces, each copied out of the socket's
// buffer into a new Buffer and pushed through a stream: for the 680 MB of packs behind a 1 GiB
// restore that cost 0.9 s of CPU more than reading the same bytes straight into one buffer per
// read (measured against MinIO on this machine, 8 reads of 8 MiB in flight). Here the socket reads
// the response head into a reused 256 KiB buffer (net/tls `onread`), then the body straight into
// the buffer the caller gets: the kernel's copy is the only one.
//
// For the SDK this is only a transport: it still builds, signs, retries and deserializes every
// request it sends, errors included. This handler takes GETs with a Range header and no body, whose
// response gives its length (Content-Length): any status, so S3's XML errors reach the SDK as they
// would through Node's client. A response framed otherwise (chunked) is abandoned and the request
// sent again through Node's client; so is everything that is not such a GET. The S3 driver also
// sends restores' reads here itself (getInto), signed, and hands whatever is not clean to the SDK.
import * as net from "node:net";
import { Readable } from "node:stream";
import * as tls from "node:tls";
import type { NodeHttpHandler } from "@smithy/node-http-handler";

type SdkRequest = Parameters<NodeHttpHandler["handle"]>[0];
type SdkHandlerOptions = Parameters<NodeHttpHandler["handle"]>[1];
type SdkResponse = Awaited<ReturnType<NodeHttpHandler["handle"]>>["response"];

export interface RangedGetOptions {
  /** Node's client, for every request this handler does not take. */
  fallback: NodeHttpHandler;
  /** For https endpoints: the trusted CAs (undefined: Node's) and whether certificates are checked. */
  tls: { ca?: string[]; rejectUnauthorized: boolean };
  connectionTimeoutMs: number;
  /** Longest silence from the server during an exchange. */
  socketTimeoutMs: number;
}

/** How many sockets a host keeps open between reads, and for how long. */
const MAX_IDLE_SOCKETS = 16;
const IDLE_SOCKET_MS = 15_000;
/** The reused buffer each socket reads response heads into (with whatever follows them in the same read). */
const READ_BUFFER_BYTES = 256 * 1024;
/** A response head larger than this is not from an S3 server. */
const MAX_HEAD_BYTES = 64 * 1024;

export interface ResponseHead {
  statusCode: number;
  reason: string;
  /** Lower-case names; a repeated header's values joined with ", " (as Node's client does). */
  headers: Record<string, string>;
  /** The body's length when the response gives it and is not chunked; undefined otherwise. */
  contentLength: number | undefined;
  /** Whether the server closes the connection after this response. */
  close: boolean;
}

/** Where a request goes; what of it is sent. */
type Endpoint = Pick<SdkRequest, "protocol" | "hostname" | "port">;
type GetRequest = Pick<SdkRequest, "protocol" | "hostname" | "port" | "path" | "headers" | "query">;

/** A GET for getInto: its path and headers, signature included. */
export interface DirectGet {
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  headers: Record<string, string>;
}

/** A response read whole: its body is the caller's buffer (getInto, success) or one of its own. */
export interface RawResponse {
  statusCode: number;
  reason: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Parses an HTTP/1.1 response head (the bytes before the blank line). Pure; throws on anything malformed. */
export function parseResponseHead(head: string): ResponseHead {
  const lines = head.split("\r\n");
  const status = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!status) throw new Error(`not an HTTP/1.x status line: ${JSON.stringify((lines[0] ?? "").slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`malformed response header: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const length = headers["content-length"];
  const chunked = /(^|,)\s*chunked\s*$/i.test(headers["transfer-encoding"] ?? "");
  const contentLength = !chunked && length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
  const connection = (headers.connection ?? "").toLowerCase();
  return {
    statusCode: Number(status[2]),
    reason: status[3] ?? "",
    headers,
    contentLength,
    close: connection.includes("close") || (status[1] === "0" && !connection.includes("keep-alive")),
  };
}

/** The request line and headers of a GET. Throws on a header that would split the request. Pure. */
export function formatGetRequest(path: string, headers: Record<string, string>): string {
  let text = `GET ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n:]/.test(name) || /[\r\n]/.test(value)) throw new Error(`invalid HTTP header ${JSON.stringify(name)}`);
    text += `${name}: ${value}\r\n`;
  }
  return `${text}\r\n`;
}

const escapeUri = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** A request's query as the SDK's own handler writes it (the SDK adds e.g. `x-id=GetObject`). Pure. */
export function queryString(query: SdkRequest["query"]): string {
  const parts: string[] = [];
  for (const key of Object.keys(query ?? {}).sort()) {
    const value = query![key];
    if (Array.isArray(value)) for (const v of value) parts.push(`${escapeUri(key)}=${escapeUri(v)}`);
    else parts.push(value || typeof value === "string" ? `${escapeUri(key)}=${escapeUri(value)}` : escapeUri(key));
  }
  return parts.join("&");
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name);
}

function takesRequest(request: SdkRequest): boolean {
  return request.method === "GET"
    && hasHeader(request.headers, "range")
    && (request.body === undefined || request.body === null)
    && (request.protocol === "http:" || request.protocol === "https:");
}

function codedError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The response is not framed by a length: the exchange is abandoned and the request goes to Node's client. */
export class Unframed extends Error {}

/** One request and its response on a connection. */
interface Exchange {
  /** Where the socket's next read goes: the unfilled rest of the body once its length is known. */
  readTarget(): Uint8Array | undefined;
  /** Bytes read into the socket's reused buffer (the head, and what came with it). */
  onBytes(bytes: Buffer): void;
  /** `n` bytes read straight into the body, where readTarget said. */
  onBodyRead(n: number): void;
  /** The connection ended or failed before the response was complete. */
  onClosed(err: Error): void;
  /** Whether any byte of the response arrived (a reused socket that fails before is retried). */
  started: boolean;
}

class Connection {
  readonly socket: net.Socket;
  exchange: Exchange | undefined;
  connected = false;
  private readonly scratch = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);

  constructor(readonly origin: string, request: Endpoint, opts: RangedGetOptions, onGone: (c: Connection) => void) {
    const port = request.port ?? (request.protocol === "https:" ? 443 : 80);
    // IPv6 literals arrive bracketed in URLs; sockets want them bare.
    const host = request.hostname.replace(/^\[(.*)\]$/, "$1");
    const onread = {
      // Never empty: a read into no room fails with ENOBUFS, and the end of the stream is read too.
      buffer: () => this.exchange?.readTarget() ?? this.scratch,
      callback: (n: number, buffer: Uint8Array) => {
        // Bytes nobody asked for would be read as the next response's head: the socket is not reusable.
        if (!this.exchange) this.socket.destroy();
        else if (buffer === this.scratch) this.exchange.onBytes(this.scratch.subarray(0, n));
        else this.exchange.onBodyRead(n);
        return true;
      },
    };
    this.socket = request.protocol === "https:"
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ca: opts.tls.ca, rejectUnauthorized: opts.tls.rejectUnauthorized, ALPNProtocols: ["http/1.1"], onread } as tls.ConnectionOptions)
      : net.connect({ host, port, onread });
    this.socket.setNoDelay(true);
    const gone = (err: Error) => {
      onGone(this);
      const exchange = this.exchange;
      this.exchange = undefined;
      exchange?.onClosed(err);
    };
    this.socket.on("error", gone);
    this.socket.on("end", () => gone(codedError("the server closed the connection before the response was complete", "ECONNRESET")));
    this.socket.on("close", () => gone(codedError("the connection closed before the response was complete", "ECONNRESET")));
    this.socket.once(this.socket instanceof tls.TLSSocket ? "secureConnect" : "connect", () => (this.connected = true));
    this.socket.on("timeout", () => this.socket.destroy(codedError(
      !this.connected ? `connecting to ${origin} timed out after ${opts.connectionTimeoutMs / 1000} s`
        : this.exchange ? `no data from ${origin} for ${opts.socketTimeoutMs / 1000} s` : "idle connection closed",
      "ETIMEDOUT",
    )));
    // Reads go to `onread`; flowing mode lets the end of the stream be noticed as soon as it comes.
    this.socket.resume();
  }
}

export class RangedGetHandler {
  readonly metadata = { handlerProtocol: "http/1.1" };
  private readonly idle = new Map<string, Connection[]>();
  private readonly open = new Set<Connection>();
  /** Counts, for tests and diagnostics: requests taken (direct ones included), sent through Node's client, sockets opened. */
  readonly stats = { taken: 0, delegated: 0, connections: 0, direct: 0 };

  constructor(private readonly opts: RangedGetOptions) {}

  async handle(request: SdkRequest, options?: SdkHandlerOptions): Promise<{ response: SdkResponse }> {
    if (!takesRequest(request)) {
      this.stats.delegated++;
      return this.opts.fallback.handle(request, options);
    }
    try {
      const raw = await this.send(request, options?.abortSignal as AbortSignal | undefined);
      const body = Buffer.from(raw.body.buffer, raw.body.byteOffset, raw.body.byteLength);
      return { response: { statusCode: raw.statusCode, reason: raw.reason, headers: raw.headers, body: Readable.from([body], { objectMode: false }) } };
    } catch (err) {
      if (!(err instanceof Unframed)) throw err;
      this.stats.delegated++;
      return this.opts.fallback.handle(request, options);
    }
  }

  /**
   * A ranged GET the caller built and signed itself, without the SDK: a successful (2xx) body is read
   * straight into `into` (the response is `into` filled from 0), any other body into a buffer of its
   * own. Throws on a network failure, or when the response is not framed by a length.
   */
  getInto(request: DirectGet, into: Uint8Array, signal?: AbortSignal): Promise<RawResponse> {
    this.stats.direct++;
    return this.send({ ...request, query: {} }, signal, into);
  }

  private async send(request: GetRequest, signal: AbortSignal | undefined, into?: Uint8Array): Promise<RawResponse> {
    try {
      return await this.exchange(request, signal, true, into);
    } catch (err) {
      // A kept-alive socket the server had already closed: the request never reached it.
      if (err instanceof StaleSocket) return await this.exchange(request, signal, false, into);
      throw err;
    }
  }

  private origin(request: Endpoint): string {
    return `${request.protocol}//${request.hostname}:${request.port ?? ""}`;
  }

  private connection(request: Endpoint, reuse: boolean): { conn: Connection; reused: boolean } {
    const origin = this.origin(request);
    const idle = this.idle.get(origin);
    const kept = reuse ? idle?.pop() : undefined;
    if (kept) {
      kept.socket.ref();
      return { conn: kept, reused: true };
    }
    this.stats.connections++;
    const conn = new Connection(origin, request, this.opts, (c) => this.forget(c));
    this.open.add(conn);
    conn.socket.setTimeout(this.opts.connectionTimeoutMs);
    return { conn, reused: false };
  }

  private forget(conn: Connection): void {
    this.open.delete(conn);
    const idle = this.idle.get(conn.origin);
    const at = idle?.indexOf(conn) ?? -1;
    if (at >= 0) idle!.splice(at, 1);
  }

  private release(conn: Connection): void {
    const idle = this.idle.get(conn.origin) ?? [];
    if (conn.socket.destroyed || idle.length >= MAX_IDLE_SOCKETS) {
      conn.socket.destroy();
      return;
    }
    // An idle socket neither keeps the process alive nor stays open for long.
    conn.socket.setTimeout(IDLE_SOCKET_MS);
    conn.socket.unref();
    idle.push(conn);
    this.idle.set(conn.origin, idle);
  }

  private exchange(request: GetRequest, signal: AbortSignal | undefined, reuse: boolean, into?: Uint8Array): Promise<RawResponse> {
    if (signal?.aborted) return Promise.reject(abortError());
    this.stats.taken++;
    const headers = { ...request.headers };
    if (!hasHeader(headers, "host")) headers.host = request.port ? `${request.hostname}:${request.port}` : request.hostname;
    const query = queryString(request.query);
    const text = formatGetRequest(`${request.path || "/"}${query ? `?${query}` : ""}`, headers);
    const { conn, reused } = this.connection(request, reuse);
    return new Promise((resolve, reject) => {
      let head: Buffer | undefined = Buffer.alloc(0);
      let parsed: ResponseHead | undefined;
      let body: Uint8Array | undefined;
      let filled = 0;
      const settle = (err: Error | undefined, response?: RawResponse) => {
        signal?.removeEventListener("abort", onAbort);
        conn.exchange = undefined;
        if (err) {
          conn.socket.destroy();
          reject(err);
        } else {
          if (parsed!.close) conn.socket.destroy();
          else this.release(conn);
          resolve(response!);
        }
      };
      const complete = () => settle(undefined, { statusCode: parsed!.statusCode, reason: parsed!.reason, headers: parsed!.headers, body: body! });
      const onAbort = () => settle(abortError());
      signal?.addEventListener("abort", onAbort, { once: true });
      const exchange: Exchange = {
        started: false,
        readTarget: () => (body && filled < body.length ? body.subarray(filled) : undefined),
        onBodyRead: (n) => {
          filled += n;
          if (filled === body!.length) complete();
        },
        onBytes: (bytes) => {
          exchange.started = true;
          let rest = bytes;
          if (head) {
            // `bytes` is the socket's reused buffer: what is kept past this call is copied.
            const joined = head.length > 0 ? Buffer.concat([head, bytes]) : bytes;
            const end = joined.indexOf("\r\n\r\n");
            if (end < 0) {
              if (joined.length > MAX_HEAD_BYTES) settle(codedError(`the response head from ${conn.origin} exceeds ${MAX_HEAD_BYTES} bytes`, "HPE_INVALID_RESPONSE"));
              else head = Buffer.from(joined);
              return;
            }
            head = undefined;
            try {
              parsed = parseResponseHead(joined.subarray(0, end).toString("latin1"));
            } catch (err) {
              settle(codedError(`${conn.origin}: ${(err as Error).message}`, "HPE_INVALID_RESPONSE"));
              return;
            }
            if (parsed.contentLength === undefined) {
              settle(new Unframed());
              return;
            }
            const success = parsed.statusCode >= 200 && parsed.statusCode < 300;
            if (into && success && parsed.contentLength > into.length) {
              settle(codedError(`${conn.origin} answered a read of ${into.length} bytes with ${parsed.contentLength}`, "HPE_INVALID_RESPONSE"));
              return;
            }
            body = into && success ? into.subarray(0, parsed.contentLength) : Buffer.allocUnsafeSlow(parsed.contentLength);
            rest = joined.subarray(end + 4);
          }
          if (filled + rest.length > body!.length) {
            settle(codedError(`${conn.origin} sent more than the ${body!.length} bytes its response announced`, "HPE_INVALID_RESPONSE"));
            return;
          }
          body!.set(rest, filled);
          filled += rest.length;
          if (filled === body!.length) complete();
        },
        onClosed: (err) => settle(reused && !exchange.started ? new StaleSocket(err.message) : err),
      };
      conn.exchange = exchange;
      const send = () => {
        conn.socket.setTimeout(this.opts.socketTimeoutMs);
        conn.socket.write(text);
      };
      if (reused) send();
      else conn.socket.once(conn.socket instanceof tls.TLSSocket ? "secureConnect" : "connect", send);
    });
  }

  updateHttpClientConfig(...args: Parameters<NodeHttpHandler["updateHttpClientConfig"]>): void {
    this.opts.fallback.updateHttpClientConfig(...args);
  }

  httpHandlerConfigs(): ReturnType<NodeHttpHandler["httpHandlerConfigs"]> {
    return this.opts.fallback.httpHandlerConfigs();
  }

  destroy(): void {
    for (const conn of this.open) conn.socket.destroy();
    this.open.clear();
    this.idle.clear();
    this.opts.fallback.destroy();
  }
}

class StaleSocket extends Error {}

function abortError(): Error {
  return Object.assign(new Error("Request aborted"), { name: "AbortError" });
}
