// The scheduler: runs each schedule when its policy says, never two runs of one schedule at once,
// a run missed while Lifeboat was closed once (not once per missed slot) when it starts again, and
// many schedules spread over a few minutes instead of all at the same second. It wakes at least
// every minute, so a suspended laptop or a clock step is noticed promptly.
import { createHash } from "node:crypto";
import { nextRunAfter, type SchedulePolicy } from "./policy";

export interface Schedule {
  id: string;
  policy: SchedulePolicy;
  /** When it was created: interval policies count from here. */
  createdAt: string;
  paused?: boolean;
}

export type RunResult = "succeeded" | "failed" | "skipped" | "cancelled";

export interface ScheduleState {
  /** The due time of the last run started (or skipped). */
  lastDueAt?: string;
  lastStartedAt?: string;
  lastEndedAt?: string;
  lastResult?: RunResult;
  lastMessage?: string;
}

export interface StateStore {
  get(id: string): ScheduleState;
  set(id: string, state: ScheduleState): void;
}

export interface SchedulerEvent {
  id: string;
  type: "started" | "succeeded" | "failed" | "skipped" | "cancelled" | "error";
  dueAt: string;
  message?: string;
}

/** Up to 5 minutes (a tenth of an interval policy's period, if shorter), the same for a schedule every time. Pure. */
export function spreadMs(schedule: Schedule): number {
  const window = Math.min(5 * 60_000, schedule.policy.kind === "interval" ? schedule.policy.minutes * 6_000 : 5 * 60_000);
  const h = createHash("sha256").update(schedule.id).digest().readUInt32BE(0);
  return window > 0 ? h % window : 0;
}

/**
 * The slot a schedule should run for, seen at `now`: the first slot after its last run; when that
 * has passed, the latest slot that has passed (slots missed while Lifeboat was closed are run once,
 * not once each), with how many were passed over. Pure.
 */
export function nextDue(schedule: Schedule, state: ScheduleState, now: Date): { dueAt: Date; passedOver: number } {
  const { policy } = schedule;
  const anchor = new Date(schedule.createdAt);
  const spread = spreadMs(schedule);
  const first = nextRunAfter(policy, state.lastDueAt ? new Date(state.lastDueAt) : anchor, anchor);
  if (first.getTime() + spread > now.getTime()) return { dueAt: first, passedOver: 0 };
  if (policy.kind === "interval") {
    const step = policy.minutes * 60_000;
    const latest = anchor.getTime() + Math.floor((now.getTime() - spread - anchor.getTime()) / step) * step;
    return { dueAt: new Date(latest), passedOver: Math.round((latest - first.getTime()) / step) };
  }
  let slot = first;
  let passedOver = 0;
  for (let next = nextRunAfter(policy, slot, anchor); next.getTime() + spread <= now.getTime() && passedOver < 10_000; next = nextRunAfter(policy, next, anchor)) {
    slot = next;
    passedOver++;
  }
  return { dueAt: slot, passedOver };
}

export interface SchedulerOptions {
  schedules(): Schedule[];
  state: StateStore;
  run(schedule: Schedule, dueAt: Date, signal: AbortSignal): Promise<{ ok: boolean; message?: string }>;
  onEvent?(event: SchedulerEvent): void;
  now?(): Date;
}

export class Scheduler {
  private readonly running = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {}

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  /** Starts every schedule that is due at `now`; returns when they have started (not finished). */
  tick(): void {
    const now = this.now();
    for (const schedule of this.opts.schedules()) {
      if (schedule.paused) continue;
      const state = this.opts.state.get(schedule.id);
      const { dueAt, passedOver } = nextDue(schedule, state, now);
      if (dueAt.getTime() + spreadMs(schedule) > now.getTime()) continue;
      if (this.running.has(schedule.id)) {
        // Never two runs of one schedule: this slot is skipped and says why.
        this.record(schedule.id, { ...state, lastDueAt: dueAt.toISOString(), lastResult: "skipped", lastMessage: "the previous run was still running" }, "skipped", dueAt);
        continue;
      }
      this.launch(schedule, dueAt, state, passedOver);
    }
  }

  private launch(schedule: Schedule, dueAt: Date, state: ScheduleState, passedOver: number): void {
    const startedAt = this.now().toISOString();
    const message = passedOver ? `${passedOver} earlier slot(s) passed while Lifeboat was not running; this run covers them` : undefined;
    this.record(schedule.id, { ...state, lastDueAt: dueAt.toISOString(), lastStartedAt: startedAt, lastMessage: message }, "started", dueAt, message);
    const done = this.opts.run(schedule, dueAt, this.abort.signal)
      .catch((err: unknown) => ({ ok: false, message: err instanceof Error ? err.message : String(err) }))
      .then((r) => {
        const ended = { ...this.opts.state.get(schedule.id), lastEndedAt: this.now().toISOString(), lastMessage: r.message };
        // Stopped by stop(): the slot is given back, so the next start runs it.
        if (!r.ok && this.abort.signal.aborted) this.record(schedule.id, { ...ended, lastDueAt: state.lastDueAt, lastResult: "cancelled" }, "cancelled", dueAt, r.message);
        else this.record(schedule.id, { ...ended, lastResult: r.ok ? "succeeded" : "failed" }, r.ok ? "succeeded" : "failed", dueAt, r.message);
      })
      .finally(() => this.running.delete(schedule.id));
    this.running.set(schedule.id, done);
  }

  private record(id: string, state: ScheduleState, type: SchedulerEvent["type"], dueAt: Date, message?: string): void {
    this.opts.state.set(id, state);
    this.opts.onEvent?.({ id, type, dueAt: dueAt.toISOString(), message: message ?? state.lastMessage });
  }

  /** Runs until stop(): ticks now, then at each next due time (and at least every minute). */
  start(): void {
    const loop = () => {
      if (this.stopped) return;
      const now = this.now().getTime();
      let soonest = now + 60_000;
      try {
        this.tick();
        soonest = Math.min(soonest, ...this.opts.schedules().filter((s) => !s.paused).map((s) => nextDue(s, this.opts.state.get(s.id), this.now()).dueAt.getTime() + spreadMs(s)));
      } catch (err) {
        // A bad state file must not stop every schedule for good: report it and look again later.
        this.opts.onEvent?.({ id: "-", type: "error", dueAt: new Date(now).toISOString(), message: err instanceof Error ? err.message : String(err) });
      }
      this.timer = setTimeout(loop, Math.max(250, soonest - now));
    };
    loop();
  }

  /** Stops scheduling and cancels running runs (each ends as its job's cancellation says). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  /** Waits for the runs in progress (tests, daemon shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }
}
