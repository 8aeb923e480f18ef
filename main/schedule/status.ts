// When a schedule next starts and how its last run went, as the CLI and the console show them. Pure.
import { nextRunAfter, type SchedulePolicy } from "./policy";
import { nextDue, spreadMs, type ScheduleState } from "./scheduler";

/** The next `count` times a policy fires after `from` (intervals count from `anchor`). */
export function nextRuns(policy: SchedulePolicy, count: number, from: Date, anchor?: Date): Date[] {
  const runs: Date[] = [];
  for (let t = from; runs.length < count;) {
    t = nextRunAfter(policy, t, anchor);
    runs.push(t);
  }
  return runs;
}

export interface ScheduleLike {
  id: string;
  createdAt: string;
  paused?: boolean;
}

/**
 * When the scheduler will start a schedule next, seen at `now`: its due slot plus the schedule's
 * fixed spread. A time at or before `now` means it is overdue (no daemon has run it yet).
 */
export function nextStart(schedule: ScheduleLike, policy: SchedulePolicy, state: ScheduleState, now: Date): Date {
  const s = { id: schedule.id, policy, createdAt: schedule.createdAt, paused: schedule.paused };
  return new Date(nextDue(s, state, now).dueAt.getTime() + spreadMs(s));
}

/** The start after the next one, and so on: `count` starts from `now` (a start already due counts first). */
export function nextStarts(schedule: ScheduleLike, policy: SchedulePolicy, state: ScheduleState, now: Date, count: number): Date[] {
  const s = { id: schedule.id, policy, createdAt: schedule.createdAt };
  const first = nextDue(s, state, now).dueAt;
  const slots = [first, ...nextRuns(policy, count - 1, first, new Date(schedule.createdAt))];
  return slots.map((d) => new Date(d.getTime() + spreadMs(s)));
}

export type RunStatus = "never run" | "running" | "succeeded" | "failed" | "skipped" | "cancelled";

/** A schedule's last run as one word; "running" while a run has started and not ended. */
export function runStatus(state: ScheduleState): RunStatus {
  if (!state.lastStartedAt && !state.lastResult) return "never run";
  if (state.lastStartedAt && (!state.lastEndedAt || state.lastEndedAt < state.lastStartedAt)) return "running";
  return state.lastResult ?? "never run";
}

