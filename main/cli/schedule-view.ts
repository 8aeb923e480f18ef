// Schedule policies and schedules as the CLI reads and shows them: the policy flags (--interval 1h,
// --daily 02:00,14:00, --weekly mon-fri@23:00, --monthly 1,15@01:00) as a policy, with errors that
// name the flag; short "when" texts; wall-clock times in a policy's zone; when a schedule next
// starts. Loaded only by the schedule commands (it pulls in the policy engine). Pure functions.
import { SchedulePolicySchema, WEEKDAYS, type SchedulePolicy, type Weekday } from "../schedule/policy";
import { parseList, UsageError } from "./args";

export interface PolicyFlags {
  interval?: string;
  daily?: string;
  weekly?: string;
  monthly?: string;
  keep?: string;
  "time-zone"?: string;
}

const TIMING = ["interval", "daily", "weekly", "monthly"] as const;
const TIMING_FLAGS = "--interval, --daily, --weekly or --monthly";
const MAX_INTERVAL_MINUTES = 7 * 24 * 60;

/** "15m", "1h30m", "1d" as minutes. */
export function parseInterval(value: string): number {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/.exec(value.trim());
  if (!value.trim() || !m) throw new UsageError(`--interval: "${value}" is not an interval in minutes, hours or days (e.g. 15m, 1h, 1h30m, 1d)`);
  const minutes = Number(m[1] ?? 0) * 1440 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  if (minutes < 1 || minutes > MAX_INTERVAL_MINUTES) throw new UsageError(`--interval must be from 1m to 7d, not "${value}"`);
  return minutes;
}

/** "2:00" or "02:00" as "02:00". */
export function parseTime(flag: string, value: string): string {
  const m = /^(\d{1,2}):(\d{2})$/.exec(value.trim());
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new UsageError(`--${flag}: "${value}" is not a time of day (HH:MM, 00:00 to 23:59)`);
  return `${m[1]!.padStart(2, "0")}:${m[2]}`;
}

const DAY_NAMES: Record<string, Weekday> = Object.fromEntries(
  (["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const).flatMap((full, i) => [[full, WEEKDAYS[i]!], [full.slice(0, 3), WEEKDAYS[i]!]]),
);
/** Monday first, as people read a week. */
const weekOrder = (d: Weekday) => (WEEKDAYS.indexOf(d) + 6) % 7;

function parseDay(text: string): Weekday {
  const day = DAY_NAMES[text.trim().toLowerCase()];
  if (!day) throw new UsageError(`--weekly: "${text}" is not a day (mon, tue, wed, thu, fri, sat, sun, or a range such as mon-fri)`);
  return day;
}

/** "mon,thu" or "mon-fri" (a range may wrap: fri-mon). */
export function parseDays(value: string): Weekday[] {
  const days = new Set<Weekday>();
  for (const item of parseList("weekly", [value])) {
    const [from, to, ...more] = item.split("-");
    if (more.length) throw new UsageError(`--weekly: "${item}" is not a day or a range of days`);
    if (to === undefined) {
      days.add(parseDay(from!));
      continue;
    }
    const start = WEEKDAYS.indexOf(parseDay(from!));
    const end = WEEKDAYS.indexOf(parseDay(to));
    for (let i = start; ; i = (i + 1) % 7) {
      days.add(WEEKDAYS[i]!);
      if (i === end) break;
    }
  }
  return [...days].sort((a, b) => weekOrder(a) - weekOrder(b));
}

/** "1,15" or "1-7" as days of the month. */
export function parseDates(value: string): number[] {
  const dates = new Set<number>();
  const date = (text: string) => {
    const n = /^\d{1,2}$/.test(text.trim()) ? Number(text) : NaN;
    if (!(n >= 1 && n <= 31)) throw new UsageError(`--monthly: "${text}" is not a day of the month (1 to 31)`);
    return n;
  };
  for (const item of parseList("monthly", [value])) {
    const [from, to, ...more] = item.split("-");
    if (more.length) throw new UsageError(`--monthly: "${item}" is not a day of the month or a range of days`);
    const start = date(from!);
    const end = to === undefined ? start : date(to);
    if (end < start) throw new UsageError(`--monthly: "${item}" is a range that ends before it starts`);
    for (let d = start; d <= end; d++) dates.add(d);
  }
  return [...dates].sort((a, b) => a - b);
}

/** "DAYS@HH:MM" into its two parts. */
function splitAt(flag: "weekly" | "monthly", value: string): [string, string] {
  const at = value.lastIndexOf("@");
  const example = flag === "weekly" ? "mon,thu@23:00" : "1,15@01:00";
  if (at < 0) throw new UsageError(`--${flag}: "${value}" needs a time: ${flag === "weekly" ? "DAYS" : "DATES"}@HH:MM (e.g. ${example})`);
  return [value.slice(0, at), parseTime(flag, value.slice(at + 1))];
}

function parseKeep(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > 1000) throw new UsageError(`--keep: "${value}" is not a number of backups from 1 to 1000`);
  return Number(value);
}

/** The flag an engine field comes from, for messages. */
function flagOf(field: string, kind: string): string {
  const flags: Record<string, string> = {
    name: "NAME", minutes: "--interval", times: "--daily", days: "--weekly", dates: "--monthly", keep: "--keep", timeZone: "--time-zone",
    time: kind === "weekly" ? "--weekly" : "--monthly",
  };
  return flags[field] ?? field;
}

/** The engine's check, its field names turned into the flags the user typed. */
export function checkPolicy(input: Record<string, unknown>): SchedulePolicy {
  const parsed = SchedulePolicySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const kind = String(input.kind);
  throw new UsageError(parsed.error.issues.map((issue) => {
    const [field, index] = issue.path;
    const value = field === undefined ? undefined : index !== undefined ? (input[String(field)] as unknown[])[Number(index)] : input[String(field)];
    return `${flagOf(String(field ?? "policy"), kind)}${value !== undefined && typeof value !== "object" ? `: "${String(value)}"` : ""}: ${issue.message}`;
  }).join("; "));
}

/**
 * A policy from the flags of `schedule-policy create` (no `base`) or `update` (`base` is the policy
 * as it is: what the flags do not change stays). `--time-zone local` drops the zone.
 */
export function policyFromFlags(name: string, flags: PolicyFlags, base?: SchedulePolicy): SchedulePolicy {
  const given = TIMING.filter((f) => flags[f] !== undefined);
  if (given.length > 1) throw new UsageError(`give only one of ${TIMING_FLAGS}`);
  if (!given.length && !base) throw new UsageError(`one of ${TIMING_FLAGS} is required`);
  if (flags.keep === undefined && !base) throw new UsageError("--keep is required (how many backups of each schedule to keep in each location)");
  const keep = flags.keep !== undefined ? parseKeep(flags.keep) : base!.keep;
  let timing: Record<string, unknown>;
  switch (given[0]) {
    case "interval":
      timing = { kind: "interval", minutes: parseInterval(flags.interval!) };
      break;
    case "daily":
      timing = { kind: "daily", times: [...new Set(parseList("daily", [flags.daily!]).map((t) => parseTime("daily", t)))].sort() };
      break;
    case "weekly": {
      const [days, time] = splitAt("weekly", flags.weekly!);
      timing = { kind: "weekly", days: parseDays(days), time };
      break;
    }
    case "monthly": {
      const [dates, time] = splitAt("monthly", flags.monthly!);
      timing = { kind: "monthly", dates: parseDates(dates), time };
      break;
    }
    default: {
      const { name: _n, keep: _k, timeZone: _z, ...rest } = base!;
      timing = rest;
    }
  }
  const zoneFlag = flags["time-zone"];
  if (timing.kind === "interval" && zoneFlag !== undefined && zoneFlag !== "local") {
    throw new UsageError("--time-zone applies to --daily, --weekly and --monthly (an interval does not depend on the clock)");
  }
  const timeZone = timing.kind === "interval" || zoneFlag === "local" ? undefined : zoneFlag ?? base?.timeZone;
  return checkPolicy({ name, ...timing, keep, ...(timeZone !== undefined ? { timeZone } : {}) });
}

/** 90 as "1h30m", 1440 as "1d". */
export function formatMinutes(minutes: number): string {
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return `${d ? `${d}d` : ""}${h ? `${h}h` : ""}${m ? `${m}m` : ""}` || "0m";
}

/** When, in a few words: "every 1h", "daily at 02:00,14:00", "weekly on mon,thu at 23:00". */
export function whenText(p: SchedulePolicy): string {
  switch (p.kind) {
    case "interval":
      return `every ${formatMinutes(p.minutes)}`;
    case "daily":
      return `daily at ${p.times.join(",")}`;
    case "weekly":
      return `weekly on ${p.days.join(",")} at ${p.time}`;
    case "monthly":
      return `monthly on ${p.dates.join(",")} at ${p.time}`;
  }
}

/** The zone a machine's local time is in, e.g. Europe/Paris or UTC. */
export const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The zone a policy's times are read in; "-" for intervals. */
export function zoneText(p: SchedulePolicy): string {
  if (p.kind === "interval") return "-";
  return p.timeZone ?? `local (${localZone()})`;
}

/** "Mon 2026-03-02 02:00" in a time zone (default: this machine's). */
export function wallTime(date: Date, timeZone?: string): string {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", {
    timeZone, weekday: "short", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }).formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

export { nextRuns, nextStart, nextStarts, runStatus, type RunStatus } from "../schedule/status";

/** 2026-03-01T12:00:05Z: ISO 8601 to the second, for log lines. */
export const isoSecond = (d: Date = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
