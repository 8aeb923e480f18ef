// Schedule policies (next run times through time zones, DST and short months) and the scheduler's
// rules (no overlap, one catch-up run for slots missed while closed, spread), on a fake clock.
import { describe, expect, test } from "vitest";
import { cronPatterns, describePolicy, nextRunAfter, parsePolicy, PolicyError, type SchedulePolicy } from "../../main/schedule/policy";
import { nextDue, Scheduler, spreadMs, type Schedule, type ScheduleState, type SchedulerEvent } from "../../main/schedule/scheduler";

const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe("policies", () => {
  test("interval: every N minutes counted from the schedule's creation", () => {
    const p = parsePolicy({ name: "rpo", kind: "interval", minutes: 15, keep: 4 });
    const anchor = at("2026-03-01T10:07:00Z");
    expect(iso(nextRunAfter(p, at("2026-03-01T10:07:00Z"), anchor))).toBe("2026-03-01T10:22:00.000Z");
    expect(iso(nextRunAfter(p, at("2026-03-01T11:00:00Z"), anchor))).toBe("2026-03-01T11:07:00.000Z");
  });

  test("daily in a time zone, across the spring-forward gap and the fall-back repeat", () => {
    const p = parsePolicy({ name: "nightly", kind: "daily", times: ["02:30"], keep: 7, timeZone: "Europe/Paris" });
    // 29 March 2026: Paris jumps from 02:00 to 03:00; 02:30 does not exist and runs at 03:00 local (01:00Z).
    expect(iso(nextRunAfter(p, at("2026-03-28T12:00:00Z")))).toBe("2026-03-29T01:00:00.000Z");
    expect(iso(nextRunAfter(p, at("2026-03-29T02:00:00Z")))).toBe("2026-03-30T00:30:00.000Z"); // CEST: 02:30 = 00:30Z
    // 25 October 2026: 02:30 happens twice; it runs once.
    const first = nextRunAfter(p, at("2026-10-24T12:00:00Z"));
    expect(iso(first)).toBe("2026-10-25T00:30:00.000Z");
    expect(iso(nextRunAfter(p, first))).toBe("2026-10-26T01:30:00.000Z");
  });

  test("weekly on chosen days; monthly on the 31st runs on the last day of shorter months", () => {
    const weekly = parsePolicy({ name: "w", kind: "weekly", days: ["mon", "thu"], time: "23:00", keep: 4, timeZone: "UTC" });
    expect(iso(nextRunAfter(weekly, at("2026-11-24T12:00:00Z")))).toBe("2026-11-26T23:00:00.000Z"); // a Tuesday → Thursday
    const monthly = parsePolicy({ name: "m", kind: "monthly", dates: [31], time: "01:00", keep: 12, timeZone: "UTC" });
    const runs: string[] = [];
    for (let d = at("2026-01-01T00:00:00Z"), i = 0; i < 4; i++) runs.push(iso((d = nextRunAfter(monthly, d))).slice(0, 10));
    expect(runs).toEqual(["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"]);
    const thirtieth = parsePolicy({ name: "m30", kind: "monthly", dates: [30], time: "01:00", keep: 1, timeZone: "UTC" });
    expect(iso(nextRunAfter(thirtieth, at("2026-02-01T00:00:00Z"))).slice(0, 10)).toBe("2026-02-28");
    expect(cronPatterns(thirtieth)).toEqual(["0 1 30 * *", "0 1 L 2 *"]);
  });

  test("bad policies are refused, each field named", () => {
    expect(() => parsePolicy({ name: "x", kind: "daily", times: ["25:00"], keep: 0 })).toThrow(PolicyError);
    expect(() => parsePolicy({ name: "x", kind: "daily", times: ["25:00"], keep: 0 })).toThrow(/times\.0: a time is HH:MM.*keep: keep at least 1 copy/);
    expect(() => parsePolicy({ name: "x", kind: "daily", times: ["02:00"], keep: 1, timeZone: "Mars/Olympus" })).toThrow(/timeZone: an IANA time zone/);
    expect(() => parsePolicy({ name: "x", kind: "hourly", keep: 1 })).toThrow(PolicyError);
  });

  test("described in words", () => {
    expect(describePolicy({ name: "n", kind: "daily", times: ["02:00"], keep: 7, timeZone: "Europe/Paris" })).toBe("daily at 02:00 (Europe/Paris), keeping 7 copies");
    expect(describePolicy({ name: "r", kind: "interval", minutes: 1, keep: 1 })).toBe("every 1 minute, keeping 1 copy");
  });
});

const hourly: SchedulePolicy = { name: "hourly", kind: "interval", minutes: 60, keep: 3 };
const schedule = (id: string, policy: SchedulePolicy = hourly): Schedule => ({ id, policy, createdAt: "2026-01-01T00:00:00.000Z" });

describe("the scheduler's rules", () => {
  test("slots missed while closed are run once, for the latest slot", () => {
    const s = schedule("a"); // hourly; its spread is under 5 minutes
    const due = nextDue(s, { lastDueAt: "2026-01-01T01:00:00.000Z" }, at("2026-01-01T05:30:00Z"));
    expect(due).toEqual({ dueAt: at("2026-01-01T05:00:00Z"), passedOver: 3 }); // 02:00, 03:00 and 04:00 are covered by it
    const after = nextDue(s, { lastDueAt: iso(due.dueAt) }, at("2026-01-01T05:30:00Z"));
    expect(after).toEqual({ dueAt: at("2026-01-01T06:00:00Z"), passedOver: 0 });
    const daily = schedule("d", { name: "d", kind: "daily", times: ["02:00"], keep: 1, timeZone: "UTC" });
    expect(nextDue(daily, { lastDueAt: "2026-01-01T02:00:00.000Z" }, at("2026-01-05T12:00:00Z"))).toEqual({ dueAt: at("2026-01-05T02:00:00Z"), passedOver: 3 });
  });

  test("spread: stable per schedule, within the window, different across schedules", () => {
    const offsets = Array.from({ length: 20 }, (_, i) => spreadMs(schedule(`s${i}`)));
    for (const o of offsets) expect(o).toBeGreaterThanOrEqual(0);
    for (const o of offsets) expect(o).toBeLessThan(5 * 60_000);
    expect(new Set(offsets).size).toBeGreaterThan(15);
    expect(spreadMs(schedule("s1"))).toBe(offsets[1]);
    expect(spreadMs(schedule("x", { name: "m", kind: "interval", minutes: 1, keep: 1 }))).toBeLessThan(6_000);
  });

  test("never two runs of one schedule: a slot that comes while it runs is skipped and says why", async () => {
    let now = at("2026-01-01T00:00:00Z");
    const states = new Map<string, ScheduleState>();
    const events: SchedulerEvent[] = [];
    let release!: () => void;
    let runs = 0;
    const s = schedule("overlap", { name: "m", kind: "interval", minutes: 1, keep: 1 });
    const scheduler = new Scheduler({
      schedules: () => [s],
      state: { get: (id) => states.get(id) ?? {}, set: (id, st) => states.set(id, st) },
      now: () => now,
      onEvent: (e) => events.push(e),
      run: () => {
        runs++;
        return new Promise((resolve) => (release = () => resolve({ ok: true })));
      },
    });
    now = at("2026-01-01T00:01:10Z");
    scheduler.tick();
    expect(runs).toBe(1);
    now = at("2026-01-01T00:02:10Z");
    scheduler.tick();
    expect(runs).toBe(1);
    expect(events.map((e) => e.type)).toEqual(["started", "skipped"]);
    expect(events[1]!.message).toBe("the previous run was still running");
    release();
    await scheduler.idle();
    now = at("2026-01-01T00:03:10Z");
    scheduler.tick();
    expect(runs).toBe(2);
    expect(events.map((e) => e.type)).toEqual(["started", "skipped", "succeeded", "started"]);
    release();
    await scheduler.idle();
  });

  test("a failing run is recorded with its message; paused schedules do not run", async () => {
    const states = new Map<string, ScheduleState>();
    const now = at("2026-01-01T03:00:00Z");
    const scheduler = new Scheduler({
      schedules: () => [schedule("f"), { ...schedule("p"), paused: true }],
      state: { get: (id) => states.get(id) ?? {}, set: (id, st) => states.set(id, st) },
      now: () => now,
      run: async () => {
        throw new Error("location unreachable");
      },
    });
    scheduler.tick();
    await scheduler.idle();
    expect(states.get("f")).toMatchObject({ lastResult: "failed", lastMessage: "location unreachable" });
    expect(states.get("p")).toBeUndefined();
  });
});
