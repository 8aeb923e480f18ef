// The schedule commands' pure parts: the policy flags as an admin types them (and the messages that
// name the flag when they are wrong), the short texts and zoned times they print, when a schedule
// starts next, and the daemon's one-per-state-directory lock.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { UsageError } from "../../main/cli/args";
import { splitCommand } from "../../main/cli/main";
import {
  formatMinutes, isoSecond, nextStart, nextStarts, parseDates, parseDays, parseInterval, policyFromFlags, runStatus, wallTime, whenText,
} from "../../main/cli/schedule-view";
import { DaemonLock } from "../../main/schedule/daemon-lock";
import type { SchedulePolicy } from "../../main/schedule/policy";

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("expected a UsageError");
};

describe("policy flags", () => {
  test("intervals in minutes, hours and days; whole minutes from 1m to 7d", () => {
    expect(["15m", "1h", "1h30m", "1d", "7d"].map(parseInterval)).toEqual([15, 60, 90, 1440, 10_080]);
    expect(usage(() => parseInterval("90s"))).toMatch(/"90s" is not an interval/);
    expect(usage(() => parseInterval("15"))).toMatch(/"15" is not an interval/);
    expect(usage(() => parseInterval("0m"))).toMatch(/from 1m to 7d/);
    expect(usage(() => parseInterval("8d"))).toMatch(/from 1m to 7d/);
    expect([15, 60, 90, 1440, 1500].map(formatMinutes)).toEqual(["15m", "1h", "1h30m", "1d", "1d1h"]);
  });

  test("weekdays by short or full name, ranges (wrapping too), in week order; days of the month and ranges", () => {
    expect(parseDays("thu,Monday")).toEqual(["mon", "thu"]);
    expect(parseDays("mon-fri")).toEqual(["mon", "tue", "wed", "thu", "fri"]);
    expect(parseDays("fri-mon")).toEqual(["mon", "fri", "sat", "sun"]);
    expect(usage(() => parseDays("mon,funday"))).toMatch(/"funday" is not a day/);
    expect(usage(() => parseDays("mon,,tue"))).toMatch(/empty item/);
    expect(parseDates("15,1,1-3")).toEqual([1, 2, 3, 15]);
    expect(usage(() => parseDates("0"))).toMatch(/"0" is not a day of the month/);
    expect(usage(() => parseDates("32"))).toMatch(/"32" is not a day of the month/);
    expect(usage(() => parseDates("10-3"))).toMatch(/ends before it starts/);
  });

  test("each kind as the engine's policy; times normalised and sorted", () => {
    expect(policyFromFlags("p", { interval: "15m", keep: "4" })).toEqual({ name: "p", kind: "interval", minutes: 15, keep: 4 });
    expect(policyFromFlags("p", { daily: "14:00,2:00", keep: "7", "time-zone": "Europe/Paris" }))
      .toEqual({ name: "p", kind: "daily", times: ["02:00", "14:00"], keep: 7, timeZone: "Europe/Paris" });
    expect(policyFromFlags("p", { weekly: "mon,thu@23:00", keep: "2" })).toEqual({ name: "p", kind: "weekly", days: ["mon", "thu"], time: "23:00", keep: 2 });
    expect(policyFromFlags("p", { monthly: "1,15@01:00", keep: "12" })).toEqual({ name: "p", kind: "monthly", dates: [1, 15], time: "01:00", keep: 12 });
  });

  test("wrong values name the flag", () => {
    expect(usage(() => policyFromFlags("p", { daily: "24:00", keep: "1" }))).toBe('--daily: "24:00" is not a time of day (HH:MM, 00:00 to 23:59)');
    expect(usage(() => policyFromFlags("p", { weekly: "mon@7pm", keep: "1" }))).toMatch(/^--weekly: "7pm" is not a time of day/);
    expect(usage(() => policyFromFlags("p", { monthly: "1,15", keep: "1" }))).toMatch(/^--monthly: "1,15" needs a time: DATES@HH:MM/);
    expect(usage(() => policyFromFlags("p", { daily: "01:00", keep: "1001" }))).toMatch(/^--keep: "1001" is not a number of backups from 1 to 1000/);
    expect(usage(() => policyFromFlags("p", { daily: "01:00", keep: "1", "time-zone": "Europe/Pariss" }))).toMatch(/^--time-zone: "Europe\/Pariss": an IANA time zone/);
    expect(usage(() => policyFromFlags("p", { interval: "1h", keep: "1", "time-zone": "UTC" }))).toMatch(/^--time-zone applies to --daily/);
    expect(usage(() => policyFromFlags("p", { interval: "1h", daily: "01:00", keep: "1" }))).toMatch(/^give only one of/);
    expect(usage(() => policyFromFlags("p", { keep: "1" }))).toMatch(/^one of --interval, --daily, --weekly or --monthly is required/);
    expect(usage(() => policyFromFlags("p", { daily: "01:00" }))).toMatch(/^--keep is required/);
  });

  test("update: what is not given stays; --time-zone local drops the zone; an interval drops it too", () => {
    const nightly: SchedulePolicy = { name: "n", kind: "daily", times: ["02:00"], keep: 7, timeZone: "Europe/Paris" };
    expect(policyFromFlags("n", { keep: "30" }, nightly)).toEqual({ ...nightly, keep: 30 });
    expect(policyFromFlags("n", { "time-zone": "local" }, nightly)).toEqual({ name: "n", kind: "daily", times: ["02:00"], keep: 7 });
    expect(policyFromFlags("n", { weekly: "sat@03:00" }, nightly)).toEqual({ name: "n", kind: "weekly", days: ["sat"], time: "03:00", keep: 7, timeZone: "Europe/Paris" });
    expect(policyFromFlags("n", { interval: "6h" }, nightly)).toEqual({ name: "n", kind: "interval", minutes: 360, keep: 7 });
  });
});

describe("what the commands show", () => {
  test("when, in a few words; wall-clock times in a zone", () => {
    expect(whenText({ name: "a", kind: "interval", minutes: 90, keep: 1 })).toBe("every 1h30m");
    expect(whenText({ name: "a", kind: "daily", times: ["02:00", "14:00"], keep: 1 })).toBe("daily at 02:00,14:00");
    expect(whenText({ name: "a", kind: "weekly", days: ["mon", "thu"], time: "23:00", keep: 1 })).toBe("weekly on mon,thu at 23:00");
    expect(whenText({ name: "a", kind: "monthly", dates: [1, 15], time: "01:00", keep: 1 })).toBe("monthly on 1,15 at 01:00");
    const t = new Date("2026-03-29T00:30:00Z"); // a Sunday; Paris moves to summer time at 01:00 UTC
    expect(wallTime(t, "Europe/Paris")).toBe("Sun 2026-03-29 01:30");
    expect(wallTime(t, "UTC")).toBe("Sun 2026-03-29 00:30");
    expect(wallTime(new Date("2026-03-29T01:30:00Z"), "Europe/Paris")).toBe("Sun 2026-03-29 03:30");
    expect(isoSecond(new Date("2026-03-01T12:00:05.123Z"))).toBe("2026-03-01T12:00:05Z");
  });

  test("the next start: the due slot plus the schedule's fixed spread; overdue when a slot passed with no daemon", () => {
    const policy: SchedulePolicy = { name: "h", kind: "interval", minutes: 60, keep: 2 };
    const schedule = { id: "2b1c6a1e-0000-4000-8000-000000000001", createdAt: "2026-03-01T00:00:00.000Z" };
    const now = new Date("2026-03-01T00:10:00Z");
    const first = nextStart(schedule, policy, {}, now);
    const spread = first.getTime() - Date.parse("2026-03-01T01:00:00Z");
    expect(spread).toBeGreaterThanOrEqual(0);
    expect(spread).toBeLessThan(5 * 60_000);
    expect(nextStarts(schedule, policy, {}, now, 3).map((d) => d.getTime() - spread)).toEqual(
      ["01:00", "02:00", "03:00"].map((h) => Date.parse(`2026-03-01T${h}:00Z`)));
    // Three hours later with no run: the latest slot is due (overdue), once.
    const late = new Date("2026-03-01T03:30:00Z");
    expect(nextStart(schedule, policy, {}, late).getTime()).toBe(Date.parse("2026-03-01T03:00:00Z") + spread);
    expect(nextStart(schedule, policy, { lastDueAt: "2026-03-01T03:00:00.000Z" }, late).getTime()).toBe(Date.parse("2026-03-01T04:00:00Z") + spread);
  });

  test("the last run in one word", () => {
    expect(runStatus({})).toBe("never run");
    expect(runStatus({ lastStartedAt: "2026-03-01T01:00:00Z" })).toBe("running");
    expect(runStatus({ lastStartedAt: "2026-03-01T02:00:00Z", lastEndedAt: "2026-03-01T01:01:00Z", lastResult: "succeeded" })).toBe("running");
    expect(runStatus({ lastStartedAt: "2026-03-01T01:00:00Z", lastEndedAt: "2026-03-01T01:01:00Z", lastResult: "failed" })).toBe("failed");
  });

  test("`lifeboat daemon --once`: a one-command group keeps its flags", () => {
    expect(splitCommand(["daemon", "--once", "-o", "json"])).toEqual({ words: ["daemon"], rest: ["--once", "-o", "json"] });
  });
});

describe("the daemon lock", () => {
  const dir = mkdtempSync(join(tmpdir(), "lifeboat-lock-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("one holder; a pid file left by a dead daemon is taken over; release removes only our own", () => {
    const lock = new DaemonLock(dir);
    expect(lock.holder()).toBeUndefined();
    expect(lock.acquire()).toEqual({ ok: true });
    expect(lock.holder()).toBe(process.pid);
    // Another daemon (any live process other than this one) holds it: refused, with its pid.
    writeFileSync(join(dir, "daemon.pid"), `${process.ppid}\n`);
    expect(lock.acquire()).toEqual({ ok: false, pid: process.ppid });
    lock.release(); // not ours: left alone
    expect(readFileSync(join(dir, "daemon.pid"), "utf8")).toBe(`${process.ppid}\n`);
    // A daemon that died (no such process): taken over.
    writeFileSync(join(dir, "daemon.pid"), "2147483646\n");
    expect(lock.holder()).toBeUndefined();
    expect(lock.acquire()).toEqual({ ok: true });
    lock.release();
    expect(lock.holder()).toBeUndefined();
  });
});
