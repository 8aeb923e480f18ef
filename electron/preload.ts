// The preload exposes exactly the shared API contract to the sandboxed renderer, nothing else, in
// two forms over the same two channels:
//   - window.lifeboatRaw: the engine's { ok, result | error } envelopes as they are, and events as
//     (name, payload). renderer/api.ts uses it: Error objects lose their own properties crossing the
//     context bridge, and the UI needs an error's code, hint and field;
//   - window.lifeboat: the LifeboatApi itself, for anything else (errors as plain Errors).
import { contextBridge, ipcRenderer } from "electron";
import type { ApiError, ApiEvents, CallName, CallRequest, CallResponse, EventName, LifeboatApi } from "../shared/api";
import { EVENT_NAMES, IPC } from "../shared/ipc";

type Envelope<T = unknown> = { ok: true; result: T } | { ok: false; error: ApiError };
type RawListener = (name: EventName, payload: unknown) => void;

// One IPC listener for however many subscribers the renderer has.
const listeners = new Set<RawListener>();
ipcRenderer.on(IPC.event, (_event, name: unknown, payload: unknown) => {
  if (!(EVENT_NAMES as readonly unknown[]).includes(name)) return;
  for (const listener of [...listeners]) {
    try {
      listener(name as EventName, payload);
    } catch (err) {
      console.error(err);
    }
  }
});

const raw = {
  invoke: (name: string, request: unknown): Promise<Envelope> => ipcRenderer.invoke(IPC.call, name, request) as Promise<Envelope>,
  on(listener: RawListener): () => void {
    if (typeof listener !== "function") throw new TypeError("lifeboatRaw.on needs a function");
    listeners.add(listener);
    return () => void listeners.delete(listener);
  },
};

const api: LifeboatApi = {
  async call<C extends CallName>(name: C, request: CallRequest<C>): Promise<CallResponse<C>> {
    const reply = (await raw.invoke(name, request)) as Envelope<CallResponse<C>>;
    if (!reply.ok) throw new Error(reply.error.message);
    return reply.result;
  },
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void) {
    return raw.on((name, payload) => {
      if (name === event) listener(payload as ApiEvents[E]);
    });
  },
};

contextBridge.exposeInMainWorld("lifeboatRaw", raw);
contextBridge.exposeInMainWorld("lifeboat", api);
