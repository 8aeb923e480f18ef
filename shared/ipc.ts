// What the Electron preload needs at run time, kept apart from the contract's schemas so the
// preload bundle stays small (it would otherwise carry zod).
import type { EventName } from "./api";

export const EVENT_NAMES: readonly EventName[] = ["app.closing", "job.updated", "job.log", "state.changed"];

/** Electron IPC channel names (used by the preload and electron/main only). */
export const IPC = { call: "lifeboat:call", event: "lifeboat:event" } as const;
