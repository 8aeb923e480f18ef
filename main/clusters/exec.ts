// Running a command in a pod's container through the API server's exec endpoint, with streams
// that respect backpressure. client-node's Exec writes every WebSocket message into stdout without
// waiting and reads stdin as fast as it can, so a volume's tar would pile up in memory whenever one
// side is slower than the other; here the socket is paused while the consumer is behind, and
// stdin is sent only as fast as the socket drains. Protocol v5 lets stdin be closed on its own, so
// a command reading stdin (tar x) sees its end and exits with a status.
import { Readable } from "node:stream";
import querystring from "node:querystring";
import type { KubeConfig, V1Status } from "@kubernetes/client-node";
import WebSocket from "ws";

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const CLOSE = 255;
/** Bytes queued on the socket before stdin waits for it to drain. */
const SEND_HIGH_WATER = 4 * 1024 * 1024;
/** stderr kept for messages (the rest is dropped). */
const STDERR_KEEP = 64 * 1024;

export interface ExecTarget {
  namespace: string;
  pod: string;
  container?: string;
}

export interface ExecOutcome {
  /** The command's exit code (0 on success; -1 when the API server gave none). */
  exitCode: number;
  /** The tail of stderr, for messages. */
  stderr: string;
  status: V1Status;
}

export class ExecError extends Error {
  constructor(message: string, readonly outcome?: ExecOutcome, options?: ErrorOptions) {
    super(message, options);
    this.name = "ExecError";
  }
}

export interface ExecStreams {
  /** Fed to the command's stdin, then closed. */
  stdin?: AsyncIterable<Uint8Array>;
  /** When true, stdout is discarded (`output` stays empty). */
  collectStdout?: boolean;
  signal?: AbortSignal;
}

export interface ExecHandle {
  /** stdout as a stream with backpressure (empty when collectStdout was set). */
  output: Readable;
  /** Resolves when the command has ended, with its exit code; rejects when the stream broke. */
  done: Promise<ExecOutcome>;
  /**
   * Ends the stream. The command is NOT stopped: containerd keeps an exec'd process running after
   * its stream ends; only a command reading stdin notices (its stdin closes).
   */
  close(): void;
}

function exitCodeOf(status: V1Status): number {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  return cause?.message !== undefined ? Number(cause.message) : -1;
}

/** Opens an exec session; stdout flows through `output`, stdin from `streams.stdin`. */
export async function execStream(kc: KubeConfig, target: ExecTarget, command: string[], streams: ExecStreams = {}): Promise<ExecHandle> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ExecError("the kubeconfig has no current cluster");
  const query = querystring.stringify({
    stdout: true, stderr: true, stdin: streams.stdin !== undefined, tty: false, command,
    ...(target.container ? { container: target.container } : {}),
  });
  const url = `${cluster.server.replace(/^http/, "ws")}/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/exec?${query}`;
  const opts: { headers?: Record<string, string> } & Record<string, unknown> = {};
  await kc.applyToHTTPSOptions(opts);
  const ws = new WebSocket(url, ["v5.channel.k8s.io", "v4.channel.k8s.io"], { ...opts, perMessageDeflate: false });
  const where = `${target.namespace}/${target.pod}${target.container ? ` (${target.container})` : ""}`;

  const output = new Readable({ highWaterMark: 8 * 1024 * 1024, read: () => ws.isPaused && ws.resume() });
  // Failures are reported by `done`; without a listener, destroying `output` before the caller
  // holds it (an HTTP error: wrong container, pod gone, 403) would be an uncaught 'error' event.
  output.on("error", () => undefined);
  let stderr = "";
  let status: V1Status | undefined;
  let stdinError: Error | undefined;

  const done = new Promise<ExecOutcome>((resolve, reject) => {
    const fail = (err: Error) => {
      output.destroy(err);
      reject(err);
    };
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString("utf8")));
      res.on("end", () => {
        let message = body;
        try {
          message = (JSON.parse(body) as { message?: string }).message ?? body;
        } catch { /* plain text */ }
        fail(new ExecError(`exec in ${where}: HTTP ${res.statusCode}: ${message.trim()}`));
      });
    });
    ws.on("error", (err) => fail(new ExecError(`exec in ${where}: ${err.message}`, undefined, { cause: err })));
    ws.on("message", (data: Buffer) => {
      if (data.length < 1) return;
      const channel = data[0];
      const payload = data.subarray(1);
      if (channel === STDOUT) {
        if (streams.collectStdout || payload.length === 0) return;
        if (!output.push(payload)) ws.pause();
      } else if (channel === STDERR) {
        stderr = (stderr + payload.toString("utf8")).slice(-STDERR_KEEP);
      } else if (channel === STATUS) {
        status = JSON.parse(payload.toString("utf8")) as V1Status;
      }
    });
    ws.on("close", () => {
      if (stdinError) return fail(stdinError);
      if (!status) return fail(new ExecError(`exec in ${where}: the stream ended without the command's exit status${stderr ? `: ${stderr.trim()}` : ""}`));
      output.push(null);
      resolve({ exitCode: exitCodeOf(status), stderr, status });
    });
  });
  done.catch(() => undefined); // the caller awaits it; a failure is also surfaced on `output`

  // Listening before the handshake, and checking `aborted`: a signal that fired earlier or while
  // connecting must still end the stream (execCollect's timeout is such a signal).
  const close = () => {
    if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close();
  };
  const signal = streams.signal;
  if (signal) {
    signal.addEventListener("abort", close, { once: true });
    // A long-lived signal (one per backup) would otherwise collect a listener per exec.
    void done.then(() => undefined, () => undefined).then(() => signal.removeEventListener("abort", close));
    if (signal.aborted) close();
  }

  await new Promise<void>((resolve, reject) => {
    ws.once("open", resolve);
    done.catch(reject);
  });

  if (streams.stdin) {
    void feedStdin(ws, streams.stdin).catch((err: Error) => {
      stdinError = new ExecError(`exec in ${where}: feeding stdin: ${err.message}`, undefined, { cause: err });
      ws.terminate();
    });
  }
  return { output, done, close };
}

/** Sends stdin as it comes; each chunk is copied into its frames before the next is asked for. */
async function feedStdin(ws: WebSocket, stdin: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of stdin) {
    if (ws.readyState !== WebSocket.OPEN) return;
    // One message per chunk, in pieces of at most 1 MiB (the API server's frame limits are generous, not unlimited).
    for (let at = 0; at < chunk.length; at += 1024 * 1024) {
      const piece = chunk.subarray(at, Math.min(chunk.length, at + 1024 * 1024));
      const frame = Buffer.allocUnsafe(piece.length + 1);
      frame[0] = STDIN;
      frame.set(piece, 1);
      ws.send(frame);
      while (ws.bufferedAmount > SEND_HIGH_WATER && ws.readyState === WebSocket.OPEN) await new Promise((r) => setTimeout(r, 5));
    }
  }
  if (ws.readyState !== WebSocket.OPEN) return;
  if (ws.protocol === "v5.channel.k8s.io") ws.send(Buffer.from([CLOSE, STDIN]));
  else throw new Error("the API server does not support closing stdin (exec protocol v5, Kubernetes 1.30+)");
}

/** Runs a command to its end and returns stdout as text with the outcome. */
export async function execCollect(kc: KubeConfig, target: ExecTarget, command: string[], opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ExecOutcome & { stdout: string }> {
  const abort = new AbortController();
  const timer = opts.timeoutMs ? setTimeout(() => abort.abort(), opts.timeoutMs) : undefined;
  const onAbort = () => abort.abort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  if (opts.signal?.aborted) abort.abort();
  try {
    const handle = await execStream(kc, target, command, { signal: abort.signal });
    const parts: Buffer[] = [];
    let size = 0;
    const reading = (async () => {
      for await (const part of handle.output as AsyncIterable<Buffer>) {
        if (size < 1024 * 1024) parts.push(part);
        size += part.length;
      }
    })();
    // Both at once: when the stream breaks, `reading` rejects too, and must not go unhandled.
    const [outcome] = await Promise.all([handle.done, reading]);
    return { ...outcome, stdout: Buffer.concat(parts).toString("utf8") };
  } catch (err) {
    if (abort.signal.aborted && !opts.signal?.aborted) throw new ExecError(`${command.join(" ")} in ${target.namespace}/${target.pod}: timed out after ${(opts.timeoutMs ?? 0) / 1000} s`);
    throw err;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}
