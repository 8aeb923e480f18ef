// The engine's worker pool (piscina). One pool for every backup, restore and verify running in the
// process, sized to the machine, so concurrent jobs share the cores instead of oversubscribing them.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { Piscina } from "piscina";
import type { PackDigest } from "../repo/crypto";
import type { HashTask, OpenTask, SealResult, SealTask } from "./tasks";
import { THREAD_SCRIPTS, type ThreadScript } from "./thread-scripts";

export interface TransferPool {
  seal(task: Omit<SealTask, "op">): Promise<SealResult>;
  /** `transfer`: buffers the blobs view that are moved to the worker instead of copied (unusable after). */
  open(task: Omit<OpenTask, "op">, transfer?: ArrayBuffer[]): Promise<Uint8Array[]>;
  hash(task: Omit<HashTask, "op">): Promise<PackDigest>;
  readonly threads: number;
  destroy(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));

/** A thread script: bundled beside the engine in a build; the TypeScript source (through tsx) when running from source. */
function workerEntry(source: ThreadScript): { filename: string; execArgv: string[] } {
  const bundled = join(here, `${THREAD_SCRIPTS[source]}.mjs`);
  if (existsSync(bundled)) return { filename: bundled, execArgv: [] };
  // tsx resolved from here, not from the working directory (the CLI runs from anywhere).
  return { filename: join(here, `${source}.ts`), execArgv: ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href] };
}

/** Starts a thread script on its own (not in the pool). */
export function startThread(source: ThreadScript, workerData: unknown): Worker {
  const entry = workerEntry(source);
  if (entry.execArgv.length === 0) return new Worker(entry.filename, { workerData });
  return new Worker(join(here, "thread-from-source.cjs"), { argv: [entry.filename], execArgv: entry.execArgv, workerData });
}

export function createTransferPool(threads = Math.max(2, availableParallelism())): TransferPool {
  const entry = workerEntry("worker");
  const pool = new Piscina({ ...entry, minThreads: threads, maxThreads: threads, idleTimeout: 30_000 });
  return {
    threads,
    seal: (task) => pool.run({ op: "seal", ...task }) as Promise<SealResult>,
    hash: (task) => pool.run({ op: "hash", ...task }) as Promise<PackDigest>,
    open: (task, transfer) => pool.run({ op: "open", ...task }, transfer?.length ? { transferList: transfer } : {}) as Promise<Uint8Array[]>,
    destroy: () => pool.destroy(),
  };
}

let shared: TransferPool | undefined;

/** The process-wide pool, created on first use. */
export function transferPool(): TransferPool {
  shared ??= createTransferPool();
  return shared;
}

export async function closeTransferPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.destroy();
}
