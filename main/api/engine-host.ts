// The engine host: implements the shared API contract over the engine. Every host (Electron IPC,
// served mode over HTTP) calls `handle`, so each request is validated against the contract's schema
// before the engine sees it, and answered in one place. Events (job progress and logs, lists that
// changed) go to every subscriber; the job registry keeps recent ones so a reloaded UI catches up.
import { mkdirSync, readFileSync } from "node:fs";
import type { ApiEvents, CallName, EventName, HostKind, LocationView, StateTopic } from "../../shared/api";
import { isCallName, requests } from "../../shared/api";
import { JobRegistry } from "../jobs/registry";
import { closeTransferPool } from "../transfer/pool";
import type { Vault } from "../vault/types";
import { appCalls } from "./calls/app";
import { backupCalls } from "./calls/backups";
import { clusterCalls } from "./calls/clusters";
import { drCalls } from "./calls/dr";
import { jobCalls } from "./calls/jobs";
import { locationCalls } from "./calls/locations";
import { restoreCalls } from "./calls/restores";
import { scheduleCalls } from "./calls/schedules";
import type { Handlers } from "./calls/types";
import { engineState, type EngineContext } from "./context";
import { ApiCallError } from "./errors";
import { runSchedulesInApp } from "./schedules-runner";

export { ApiCallError, toApiError } from "./errors";

export type EngineListener = <E extends EventName>(event: E, payload: ApiEvents[E]) => void;

export interface EngineHost {
  handle(name: unknown, request: unknown): Promise<unknown>;
  subscribe(listener: EngineListener): () => void;
  readonly jobs: JobRegistry;
  /** Stops every running job (nothing half-done is committed) and the schedules, waits for them (up to timeoutMs), then ends the worker threads. */
  close(timeoutMs?: number): Promise<void>;
}

export interface EngineHostOptions {
  host: HostKind;
  /** Where clusters, locations, schedules and records are kept. */
  dataDir: string;
  vault: Vault;
  version?: string;
  /** Image of the pods that move volume data (needs sh and tar); default busybox. */
  moverImage?: string;
  /** Run the backup schedules and migrations while the host runs (the app does; tests may not). */
  runSchedules?: boolean;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export function createEngineHost(opts: EngineHostOptions): EngineHost {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const listeners = new Set<EngineListener>();
  const emit: EngineListener = (event, payload) => {
    for (const l of listeners) l(event, payload);
  };
  const jobs = new JobRegistry();
  jobs.subscribe((e) => (e.type === "job.updated" ? emit("job.updated", e.job) : emit("job.log", e.line)));
  const { state, rules } = engineState(opts.dataDir, opts.vault);
  const ctx: EngineContext = {
    host: opts.host, version: opts.version ?? packageVersion(), dataDir: opts.dataDir, vault: opts.vault, state, rules, jobs, moverImage: opts.moverImage,
    health: new Map<string, NonNullable<LocationView["health"]>>(),
    changed: (topic: StateTopic) => emit("state.changed", { topic }),
    schedulerStatus: () => ({ by: "off", message: "" }),
  };
  const handlers: Handlers = {
    ...appCalls(ctx), ...clusterCalls(ctx), ...locationCalls(ctx), ...backupCalls(ctx), ...restoreCalls(ctx), ...jobCalls(ctx),
    ...scheduleCalls(ctx), ...drCalls(ctx),
  };
  let closing = false;
  const schedules = opts.runSchedules
    ? runSchedulesInApp(state, (e) => {
      if (["started", "succeeded", "failed", "skipped", "cancelled"].includes(e.event)) ctx.changed(e.migration ? "dr" : "schedules");
      if (e.event === "succeeded" && !e.migration) ctx.changed("backups");
    })
    : undefined;
  ctx.schedulerStatus = () => schedules?.status() ?? { by: "off", message: "schedules are not run by this host" };

  return {
    jobs,
    async handle(name, request) {
      if (!isCallName(name)) throw new ApiCallError({ code: "unknown-call", message: `unknown call ${String(name)}` });
      if (closing) throw new ApiCallError({ code: "failed", message: "the engine is shutting down" });
      // Throws a ZodError naming each wrong field; toApiError makes it an invalid-request.
      const valid = requests[name].parse(request ?? {});
      const handler = handlers[name as CallName] as (r: unknown) => Promise<unknown>;
      return handler(valid);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close(timeoutMs = 10_000) {
      closing = true;
      await Promise.all([jobs.stopAll(timeoutMs), schedules?.stop()]);
      // The worker threads of the transfer engine: nothing may keep running after the app quits.
      await closeTransferPool();
      emit("app.closing", { reason: "The Lifeboat engine was stopped." });
    },
  };
}
