// Schedule policies: when protection runs (every N minutes, daily, weekly or monthly at chosen
// times, in a chosen time zone) and how many copies it keeps. Wall-clock times follow Vixie cron
// through DST (croner): a time skipped by the spring-forward runs at the first valid instant after
// the gap, a time repeated by the fall-back runs once. A monthly date beyond a month's length runs
// on that month's last day, which is what "on the 31st" means to an admin.
import { Cron } from "croner";
import { z } from "zod";

export const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time is HH:MM, 00:00 to 23:59");
const timeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, "an IANA time zone such as Europe/Paris or America/New_York");
const keep = z.number().int().min(1, "keep at least 1 copy").max(1000);

export const SchedulePolicySchema = z.discriminatedUnion("kind", [
  z.strictObject({ name: z.string().min(1), kind: z.literal("interval"), minutes: z.number().int().min(1).max(7 * 24 * 60), keep, timeZone: timeZone.optional() }),
  z.strictObject({ name: z.string().min(1), kind: z.literal("daily"), times: z.array(time).min(1), keep, timeZone: timeZone.optional() }),
  z.strictObject({ name: z.string().min(1), kind: z.literal("weekly"), days: z.array(z.enum(WEEKDAYS)).min(1), time, keep, timeZone: timeZone.optional() }),
  z.strictObject({ name: z.string().min(1), kind: z.literal("monthly"), dates: z.array(z.number().int().min(1).max(31)).min(1), time, keep, timeZone: timeZone.optional() }),
]);

export type SchedulePolicy = z.output<typeof SchedulePolicySchema>;

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyError";
  }
}

/** A policy from untrusted input, or a PolicyError naming each wrong field. */
export function parsePolicy(input: unknown): SchedulePolicy {
  const parsed = SchedulePolicySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new PolicyError(`invalid schedule policy: ${parsed.error.issues.map((i) => `${i.path.join(".") || "policy"}: ${i.message}`).join("; ")}`);
}

const hm = (t: string) => t.split(":").map(Number) as [number, number];
/** Months with fewer than `date` days (February has 29 at most, and "L" then equals the 29th). */
const shorterMonths = (date: number) => [2, 4, 6, 9, 11].filter((m) => (m === 2 ? 29 : 30) < date || (m === 2 && date > 28));

/** The cron patterns (minute hour dom month dow) a wall-clock policy fires on. Pure. */
export function cronPatterns(policy: SchedulePolicy): string[] {
  switch (policy.kind) {
    case "interval":
      return [];
    case "daily":
      return policy.times.map((t) => `${hm(t)[1]} ${hm(t)[0]} * * *`);
    case "weekly": {
      const [h, m] = hm(policy.time);
      return [`${m} ${h} * * ${policy.days.map((d) => WEEKDAYS.indexOf(d)).join(",")}`];
    }
    case "monthly": {
      const [h, m] = hm(policy.time);
      return policy.dates.flatMap((date) => {
        const short = date > 28 ? shorterMonths(date) : [];
        return [`${m} ${h} ${date} * *`, ...(short.length ? [`${m} ${h} L ${short.join(",")} *`] : [])];
      });
    }
  }
}

/**
 * The first time strictly after `after` that the policy fires. Interval policies count from
 * `anchor` (when the schedule was created), so a restart does not shift them.
 */
export function nextRunAfter(policy: SchedulePolicy, after: Date, anchor: Date = new Date(0)): Date {
  if (policy.kind === "interval") {
    const step = policy.minutes * 60_000;
    const n = Math.floor((after.getTime() - anchor.getTime()) / step) + 1;
    return new Date(anchor.getTime() + Math.max(n, 1) * step);
  }
  let best: Date | undefined;
  for (const pattern of cronPatterns(policy)) {
    const next = new Cron(pattern, { timezone: policy.timeZone, paused: true }).nextRun(after);
    if (next && (!best || next < best)) best = next;
  }
  if (!best) throw new PolicyError(`schedule policy "${policy.name}" never fires`);
  return best;
}

/** A sentence for the UI and the CLI: "every 15 minutes", "daily at 02:00 (Europe/Paris)". Pure. */
export function describePolicy(policy: SchedulePolicy): string {
  const zone = policy.timeZone ? ` (${policy.timeZone})` : "";
  const copies = `, keeping ${policy.keep} cop${policy.keep === 1 ? "y" : "ies"}`;
  switch (policy.kind) {
    case "interval":
      return `every ${policy.minutes} minute${policy.minutes === 1 ? "" : "s"}${copies}`;
    case "daily":
      return `daily at ${policy.times.join(", ")}${zone}${copies}`;
    case "weekly":
      return `weekly on ${policy.days.join(", ")} at ${policy.time}${zone}${copies}`;
    case "monthly":
      return `monthly on day ${policy.dates.join(", ")} at ${policy.time}${zone} (the last day in shorter months)${copies}`;
  }
}

/** The longest wait between two runs over the next `sample` runs, in seconds: the RPO a policy promises. */
export function policyPeriodSeconds(policy: SchedulePolicy, from: Date = new Date(), sample = 16): number {
  if (policy.kind === "interval") return policy.minutes * 60;
  let longest = 0;
  let previous = nextRunAfter(policy, from);
  for (let i = 0; i < sample; i++) {
    const next = nextRunAfter(policy, previous);
    longest = Math.max(longest, next.getTime() - previous.getTime());
    previous = next;
  }
  return longest / 1000;
}
