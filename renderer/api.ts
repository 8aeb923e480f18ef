// The renderer's handle on the engine: Electron's preload when present, otherwise served mode over
// HTTP with the session cookie the served host set. Both implement the same shared contract.
import type { ApiError, ApiEvents, CallName, CallRequest, CallResponse, EventName, LifeboatApi } from "../shared/api";

declare global {
  interface Window {
    lifeboat?: LifeboatApi;
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

export const api: LifeboatApi = window.lifeboat ?? servedApi;
