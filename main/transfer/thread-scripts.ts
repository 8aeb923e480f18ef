// The transfer engine's thread scripts: main/transfer/<source>.ts, bundled beside the engine as
// <bundle>.mjs. pool.ts starts them; the Electron build and the bench bundle every one of them.
export const THREAD_SCRIPTS = { worker: "transfer-worker", "fd-reader": "fd-reader" } as const;

export type ThreadScript = keyof typeof THREAD_SCRIPTS;
