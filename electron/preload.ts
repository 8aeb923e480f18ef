// The preload exposes exactly the shared API contract to the sandboxed renderer, nothing else.
import { contextBridge, ipcRenderer } from "electron";
import { IPC, type ApiError, type ApiEvents, type CallName, type CallRequest, type CallResponse, type EventName, type LifeboatApi } from "../shared/api";

type Envelope<T> = { ok: true; result: T } | { ok: false; error: ApiError };

const api: LifeboatApi = {
  async call<C extends CallName>(name: C, request: CallRequest<C>): Promise<CallResponse<C>> {
    const reply = (await ipcRenderer.invoke(IPC.call, name, request)) as Envelope<CallResponse<C>>;
    if (!reply.ok) throw Object.assign(new Error(reply.error.message), { code: reply.error.code });
    return reply.result;
  },
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void) {
    const handler = (_e: unknown, name: string, payload: ApiEvents[E]) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(IPC.event, handler);
    return () => ipcRenderer.off(IPC.event, handler);
  },
};

contextBridge.exposeInMainWorld("lifeboat", api);
