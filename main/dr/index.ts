// Disaster recovery over the stores: migrations on their schedule policies, and failover/failback
// that record where the application runs, so a migration never switches off an application that
// was failed over to the destination.
import type { ScheduleStore } from "../schedule/store";
import { Scheduler, type SchedulerEvent } from "../schedule/scheduler";
import { failback, failover, fileSwitchoverStore, type SwitchoverOptions, type SwitchoverState } from "./failover";
import { runMigration, type MigrationContext, type MigrationRun } from "./migration";
import { DrError, HISTORY_RUNS, type DrStore } from "./store";

export { checkPair, type ClusterPair, type PairStatus } from "./cluster-pair";
export { activate, deactivate } from "./activation";
export { runMigration, type MigrationContext, type MigrationRun, type MigrationSpec } from "./migration";
export { DrError, DrStore, HISTORY_RUNS, type MigrationState } from "./store";
export type { SwitchoverState } from "./failover";

export const migrationScheduleId = (name: string) => `migration-${name}`;

/** One migration run that records its result; refused while the application runs on the destination. */
export async function runRecordedMigration(ctx: MigrationContext, store: DrStore, name: string, opts: { signal?: AbortSignal; onStep?: (step: string) => void; keep?: number } = {}): Promise<MigrationRun> {
  const spec = store.migration(name);
  const state = store.state(name);
  if (state.active === "destination") throw new DrError(`migration "${name}" is failed over: the application runs on the destination; fail back first`);
  try {
    const run = await runMigration(ctx, store.pair(spec.pair), spec, opts);
    const history = [...(store.state(name).history ?? []), run].slice(-HISTORY_RUNS);
    store.setState(name, { ...store.state(name), lastRun: run, history, ...(run.ok ? { lastSuccess: run, lastError: undefined } : { lastError: run.failed.map((f) => `${f.kind}/${f.name}: ${f.reason}`).join("; ") || "a volume could not be synced" }) });
    return run;
  } catch (err) {
    store.setState(name, { ...store.state(name), lastError: err instanceof Error ? err.message : String(err) });
    throw err;
  }
}

/** The scheduler for migrations: each runs on its policy (its period is the RPO asked for). */
export function migrationScheduler(dr: DrStore, schedules: ScheduleStore, ctx: MigrationContext, opts: { onEvent?: (e: SchedulerEvent) => void; now?: () => Date } = {}): Scheduler {
  return new Scheduler({
    schedules: () => dr.migrations().flatMap((m) => {
      const policy = schedules.policies().find((p) => p.name === m.policy);
      const failedOver = dr.state(m.name).active === "destination";
      return policy ? [{ id: migrationScheduleId(m.name), policy, createdAt: m.createdAt, paused: m.paused || failedOver }] : [];
    }),
    state: schedules,
    run: async (schedule, _dueAt, signal) => {
      const name = schedule.id.slice("migration-".length);
      const run = await runRecordedMigration(ctx, dr, name, { signal, keep: schedule.policy.keep });
      return { ok: run.ok, message: run.ok ? `synced ${run.snapshot.slice(0, 8)}: ${run.bytesNew} new bytes, ${run.volumes.reduce((n, v) => n + v.bytesSent, 0)} bytes into volumes` : dr.state(name).lastError };
    },
    onEvent: opts.onEvent,
    now: opts.now,
  });
}

type Switch = Omit<SwitchoverOptions, "store">;

/** Failover of a migration's application; on success the migration stops until failback. */
export async function failoverMigration(ctx: MigrationContext, dr: DrStore, name: string, opts: Switch = {}): Promise<SwitchoverState> {
  const spec = dr.migration(name);
  if (dr.state(name).active === "destination" && !opts.resume) throw new DrError(`migration "${name}" is already failed over`);
  // Once the destination is switched on, the application runs there, even if a later step fails:
  // a migration now would switch it off again.
  const onStep: Switch["onStep"] = (step) => {
    if (step.name === "activate-destination" && step.status === "done") dr.setState(name, { ...dr.state(name), active: "destination" });
    opts.onStep?.(step);
  };
  const result = await failover(ctx, dr.pair(spec.pair), spec, { ...opts, onStep, store: fileSwitchoverStore(dr.switchoverDir) });
  dr.setState(name, { ...dr.state(name), failover: result.id });
  return result;
}

/** Failback to the original source; on success migrations resume. */
export async function failbackMigration(ctx: MigrationContext, dr: DrStore, name: string, opts: Switch = {}): Promise<SwitchoverState> {
  const spec = dr.migration(name);
  if (dr.state(name).active !== "destination" && !opts.resume) throw new DrError(`migration "${name}" is not failed over; nothing to fail back`);
  const onStep: Switch["onStep"] = (step) => {
    if (step.name === "activate-source" && step.status === "done") dr.setState(name, { ...dr.state(name), active: "source" });
    opts.onStep?.(step);
  };
  return failback(ctx, dr.pair(spec.pair), spec, { ...opts, onStep, store: fileSwitchoverStore(dr.switchoverDir) });
}
