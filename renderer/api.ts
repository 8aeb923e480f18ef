// The renderer's handle on the engine: Electron's preload when present, otherwise served mode over
// HTTP with the session cookie the served host set. Both implement the same shared contract.
import type { ApiError, ApiEvents, CallName, CallRequest, CallResponse, EventName, LifeboatApi } from "../shared/api";

type Envelope<T = unknown> = { ok: true; result: T } | { ok: false; error: ApiError };

/** The Electron preload's envelope-level bridge (electron/preload.ts): errors keep their code, hint and field. */
interface LifeboatRaw {
  invoke(name: string, request: unknown): Promise<Envelope>;
  on(listener: (name: EventName, payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    lifeboat?: LifeboatApi;
    lifeboatRaw?: LifeboatRaw;
  }
}

export class EngineError extends Error {
  constructor(readonly code: ApiError["code"], message: string, readonly hint?: string, readonly field?: string) {
    super(message);
  }
}

let events: EventSource | undefined;

const servedApi: LifeboatApi = {
  async call<C extends CallName>(name: C, request: CallRequest<C>): Promise<CallResponse<C>> {
    let res: Response;
    try {
      res = await fetch(`/api/call/${encodeURIComponent(name)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
        credentials: "same-origin",
      });
    } catch {
      throw new EngineError("unreachable", "The Lifeboat engine is not reachable. Is `npm start` still running?");
    }
    if (res.status === 401) throw new EngineError("unreachable", "This page's session has expired: open the URL that `npm start` printed.");
    const reply = (await res.json()) as { ok: true; result: CallResponse<C> } | { ok: false; error: ApiError };
    if (!reply.ok) throw new EngineError(reply.error.code, reply.error.message, reply.error.hint, reply.error.field);
    return reply.result;
  },
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void) {
    // One event stream for every listener; EventSource reconnects by itself after a network blip.
    events ??= new EventSource("/api/events");
    const handler = (e: MessageEvent<string>) => listener(JSON.parse(e.data) as ApiEvents[E]);
    events.addEventListener(event, handler);
    return () => events?.removeEventListener(event, handler);
  },
};

function electronApi(raw: LifeboatRaw): LifeboatApi {
  return {
    async call<C extends CallName>(name: C, request: CallRequest<C>): Promise<CallResponse<C>> {
      let reply: Envelope;
      try {
        reply = await raw.invoke(name, request);
      } catch (err) {
        throw new EngineError("unreachable", `The Lifeboat engine did not answer: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!reply.ok) throw new EngineError(reply.error.code, reply.error.message, reply.error.hint, reply.error.field);
      return reply.result as CallResponse<C>;
    },
    on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void) {
      return raw.on((name, payload) => {
        if (name === event) listener(payload as ApiEvents[E]);
      });
    },
  };
}

export const api: LifeboatApi = window.lifeboatRaw ? electronApi(window.lifeboatRaw) : (window.lifeboat ?? servedApi);
