// Scheduled protection: policies, the scheduler, and the backups it runs, over one store.
import { runScheduledBackup, type ProtectionContext } from "./protect";
import { Scheduler, type SchedulerEvent } from "./scheduler";
import type { ScheduleStore } from "./store";

export { describePolicy, nextRunAfter, parsePolicy, PolicyError, SchedulePolicySchema, type SchedulePolicy } from "./policy";
export { runScheduledBackup, type BackupSchedule, type LocationRunResult, type ProtectionContext } from "./protect";
export { nextDue, Scheduler, spreadMs, type ScheduleState, type SchedulerEvent } from "./scheduler";
export { ScheduleStore } from "./store";

/** The scheduler for the store's backup schedules (the app, served mode and `lifeboat daemon` all use this). */
export function protectionScheduler(store: ScheduleStore, ctx: ProtectionContext, opts: { onEvent?: (e: SchedulerEvent) => void; now?: () => Date } = {}): Scheduler {
  return new Scheduler({
    // A schedule whose policy is gone is left out (and reported by the views), not fatal to the others.
    schedules: () => store.schedules().flatMap((s) => {
      const policy = store.policies().find((p) => p.name === s.policy);
      return policy ? [{ id: s.id, policy, createdAt: s.createdAt, paused: s.paused }] : [];
    }),
    state: store,
    run: async (schedule, _dueAt, signal) => {
      const backup = store.schedules().find((s) => s.id === schedule.id);
      if (!backup) return { ok: false, message: "the schedule was removed" };
      const { ok, message } = await runScheduledBackup(ctx, backup, schedule.policy, signal);
      return { ok, message };
    },
    onEvent: opts.onEvent,
    now: opts.now,
  });
}
