// Served mode: the renderer build and the engine's API over HTTP on 127.0.0.1, for browsers and for
// machines where Electron cannot run. Every request must carry the random per-launch token: the
// printed URL holds it once, the server trades it for an HttpOnly cookie and strips it from the URL.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import type { ApiEvents, EventName } from "../../shared/api";
import { toApiError, type EngineHost } from "./engine-host";

const COOKIE = "lifeboat_token";
const MAX_BODY = 1024 * 1024;
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2", ".json": "application/json", ".ico": "image/x-icon",
};

export interface ServedHost {
  url: string;
  token: string;
  port: number;
  emit<E extends EventName>(event: E, payload: ApiEvents[E]): void;
  close(): Promise<void>;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, v] = part.trim().split("=");
    if (k === COOKIE && v) return v;
  }
  return undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolveBody(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

export async function startServedHost(opts: { engine: EngineHost; staticDir: string; port?: number; token?: string }): Promise<ServedHost> {
  const token = opts.token ?? randomBytes(32).toString("base64url");
  const staticRoot = resolve(opts.staticDir);
  const eventStreams = new Set<ServerResponse>();
  let port = opts.port ?? 0;

  const authorized = (req: IncomingMessage) => {
    const presented = cookieToken(req) ?? (req.headers["x-lifeboat-token"] as string | undefined);
    return presented !== undefined && sameSecret(presented, token);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      // Only our own origin: a page elsewhere resolving a hostile name to 127.0.0.1 is refused (DNS rebinding).
      if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) return send(res, 421, "unexpected Host header");
      res.setHeader("content-security-policy", CSP);
      res.setHeader("x-content-type-options", "nosniff");
      res.setHeader("referrer-policy", "no-referrer");

      const presented = url.searchParams.get("token");
      if (presented !== null) {
        if (!sameSecret(presented, token)) return send(res, 401, "Invalid token. Open the URL that `npm start` printed.");
        res.writeHead(303, { location: "/", "set-cookie": `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` });
        return res.end();
      }
      if (!authorized(req)) return send(res, 401, "Missing token. Open the URL that `npm start` printed.");

      if (url.pathname.startsWith("/api/call/") && req.method === "POST") {
        // Refuse cross-origin form posts outright; fetch from our page sends JSON with our Origin.
        if (req.headers.origin && req.headers.origin !== `http://${req.headers.host}`) return send(res, 403, "cross-origin request refused");
        const name = decodeURIComponent(url.pathname.slice("/api/call/".length));
        try {
          const body = await readBody(req);
          const request: unknown = body ? JSON.parse(body) : {};
          const result = await opts.engine.handle(name, request);
          return send(res, 200, JSON.stringify({ ok: true, result }), "application/json");
        } catch (err) {
          const error = err instanceof SyntaxError ? { code: "invalid-request", message: "request body is not JSON" } : toApiError(err);
          return send(res, error.code === "internal" ? 500 : 400, JSON.stringify({ ok: false, error }), "application/json");
        }
      }
      if (url.pathname === "/api/events" && req.method === "GET") {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
        res.write(": connected\n\n");
        eventStreams.add(res);
        req.on("close", () => eventStreams.delete(res));
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "method not allowed");
      const rel = normalize(decodeURIComponent(url.pathname)).replace(/^([/\\])+/, "");
      let file = resolve(join(staticRoot, rel || "index.html"));
      if (!file.startsWith(staticRoot + sep) && file !== staticRoot) return send(res, 404, "not found");
      if (!existsSync(file) || statSync(file).isDirectory()) {
        if (extname(rel)) return send(res, 404, "not found");
        file = join(staticRoot, "index.html"); // a client-side route
      }
      if (!existsSync(file)) return send(res, 503, "The UI is not built yet: run `npm run build`.");
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-cache" });
      createReadStream(file).pipe(res);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, err instanceof Error ? err.message : String(err));
    });
  });

  const emit = <E extends EventName>(event: E, payload: ApiEvents[E]) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const s of eventStreams) s.write(frame);
  };
  const unsubscribe = opts.engine.subscribe(emit);
  // A comment now and then keeps idle proxies and the browser from dropping the stream.
  const keepAlive = setInterval(() => {
    for (const s of eventStreams) s.write(": keep-alive\n\n");
  }, 20_000).unref();

  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok());
  });
  const addr = server.address();
  port = typeof addr === "object" && addr ? addr.port : port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    emit,
    async close() {
      unsubscribe();
      clearInterval(keepAlive);
      for (const s of eventStreams) s.end();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
