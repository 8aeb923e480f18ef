// The one API contract between the UI and the engine. Each call maps a name to its request and
// response types; each event to its payload. The Electron preload, the served-mode host and the CLI
// are thin adapters over this contract, so a call behaves the same whichever host runs it.
// Secrets never appear in responses: the UI sees names, fingerprints and "set / not set".

export type HostKind = "electron" | "served" | "cli";

export interface AppInfo {
  name: string;
  version: string;
  host: HostKind;
  /** Node.js version the engine runs on (Electron's or the system's). */
  engineNode: string;
  platform: string;
}

export interface ApiCalls {
  "app.info": { request: Record<string, never>; response: AppInfo };
}

export interface ApiEvents {
  /** Sent when the engine host shuts down, so a UI can say so instead of failing silently. */
  "app.closing": { reason: string };
}

export type CallName = keyof ApiCalls;
export type CallRequest<C extends CallName> = ApiCalls[C]["request"];
export type CallResponse<C extends CallName> = ApiCalls[C]["response"];
export type EventName = keyof ApiEvents;

/** What every host exposes to the renderer. */
export interface LifeboatApi {
  call<C extends CallName>(name: C, request: CallRequest<C>): Promise<CallResponse<C>>;
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/** An error as it crosses the contract: a stable code the UI can branch on and a message for people. */
export interface ApiError {
  code: "invalid-request" | "unknown-call" | "internal";
  message: string;
}

export const CALL_NAMES: readonly CallName[] = ["app.info"];

export function isCallName(name: unknown): name is CallName {
  return typeof name === "string" && (CALL_NAMES as readonly string[]).includes(name);
}

/** Electron IPC channel names (used by the preload and electron/main only). */
export const IPC = { call: "lifeboat:call", event: "lifeboat:event" } as const;
