// lifeboat schedule-policy create|update|list|describe|delete: when scheduled backups run and how
// many backups each schedule keeps. Policies live in $LIFEBOAT_HOME/schedule-policies.json; one
// policy serves many schedules, which follow it when it changes.
import type { SchedulePolicy } from "../schedule/policy";
import type { ScheduleStore } from "../schedule/store";
import { UsageError } from "./args";
import { command, CommandError, emit, type Context, type Group } from "./command";
import { fields, formatTime, table } from "./format";

export const POLICY_NAME = /^[a-z0-9]([-a-z0-9._]{0,61}[a-z0-9])?$/;

const POLICY_FLAGS = {
  interval: { type: "string", value: "DURATION", help: "every DURATION, counted from each schedule's creation: 15m, 1h, 1h30m, 1d (1m to 7d)" },
  daily: { type: "string", value: "HH:MM,…", help: "every day at these times, e.g. 02:00 or 02:00,14:00" },
  weekly: { type: "string", value: "DAYS@HH:MM", help: "on these weekdays at a time, e.g. mon,thu@23:00 or mon-fri@22:30" },
  monthly: { type: "string", value: "DATES@HH:MM", help: "on these days of the month at a time, e.g. 1,15@01:00 (29, 30, 31: the last day in shorter months)" },
  keep: { type: "string", value: "N", help: "backups of each schedule kept in each location (1 to 1000); older ones are deleted after each run" },
  "time-zone": { type: "string", value: "ZONE", help: "IANA zone of the --daily/--weekly/--monthly times, e.g. Europe/Paris (default: local time where the daemon runs)" },
} as const;

const view = () => import("./schedule-view");

/** A policy by name; an unknown name is bad input. */
export function findPolicy(store: ScheduleStore, name: string): SchedulePolicy {
  const all = store.policies();
  const found = all.find((p) => p.name === name);
  if (!found) throw new UsageError(`no schedule policy named "${name}" (${all.length ? `known: ${all.map((p) => p.name).join(", ")}` : "create one with `lifeboat schedule-policy create`"})`);
  return found;
}

function checkName(name: string): void {
  if (!POLICY_NAME.test(name)) throw new UsageError(`"${name}" is not a valid policy name (lowercase letters, digits, '-', '.', '_'; at most 63)`);
}

const usedByText = (users: string[]) => (users.length ? users.join(", ") : "no schedule");

const create = command({
  name: "create",
  summary: "Create a schedule policy: when backups run, and how many are kept",
  usage: "NAME (--interval D | --daily HH:MM,… | --weekly DAYS@HH:MM | --monthly DATES@HH:MM) --keep N [--time-zone ZONE]",
  description: [
    "A policy says when the schedules that use it run and how many of their backups each location keeps:",
    "after each run, a schedule's backups beyond the newest N in that location are deleted (other backups",
    "are never touched). Times of day are read in --time-zone, through daylight-saving changes as cron",
    "does: a time skipped in spring runs at the first minute after the gap, a time repeated in autumn",
    "runs once. Without --time-zone they are the local time of the machine running `lifeboat daemon`.",
    "Each schedule starts a fixed few minutes (at most 5) after the policy's time, so that many schedules",
    "on one policy do not all start at the same second.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: POLICY_FLAGS,
  examples: [
    "lifeboat schedule-policy create hourly --interval 1h --keep 24",
    "lifeboat schedule-policy create nightly --daily 02:00 --keep 14 --time-zone Europe/Paris",
    "lifeboat schedule-policy create weekdays --weekly mon-fri@22:30 --keep 10",
    "lifeboat schedule-policy create monthly --monthly 1,15@01:00 --keep 12 --time-zone America/New_York",
  ],
  async run(ctx, { args, flags }) {
    const name = args[0]!;
    checkName(name);
    const policy = (await view()).policyFromFlags(name, flags);
    const store = await ctx.state.schedules();
    if (store.policies().some((p) => p.name === name)) {
      throw new CommandError(`a schedule policy named "${name}" already exists`, `change it with \`lifeboat schedule-policy update ${name} …\`, or choose another name`);
    }
    store.savePolicy(policy);
    const { describePolicy } = await import("../schedule/policy");
    emit(ctx, { policy, description: describePolicy(policy) }, () => `Schedule policy "${name}" created: ${describePolicy(policy)}.`);
    return 0;
  },
});

const update = command({
  name: "update",
  summary: "Change a schedule policy; the schedules that use it follow",
  usage: "NAME [--interval D | --daily HH:MM,… | --weekly DAYS@HH:MM | --monthly DATES@HH:MM] [--keep N] [--time-zone ZONE|local]",
  description: [
    "What is not given stays as it is. --time-zone local drops the policy's zone (the daemon's local time).",
    "A smaller --keep takes effect at each schedule's next run, which deletes its backups beyond the newest N.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: POLICY_FLAGS,
  examples: ["lifeboat schedule-policy update nightly --keep 30", "lifeboat schedule-policy update nightly --daily 01:30 --time-zone local"],
  async run(ctx, { args, flags }) {
    const name = args[0]!;
    if ((Object.keys(POLICY_FLAGS) as Array<keyof typeof POLICY_FLAGS>).every((k) => flags[k] === undefined)) throw new UsageError("nothing to change: give --interval, --daily, --weekly, --monthly, --keep or --time-zone");
    const store = await ctx.state.schedules();
    const before = findPolicy(store, name);
    const policy = (await view()).policyFromFlags(name, flags, before);
    store.savePolicy(policy);
    const users = store.usage()[name] ?? [];
    const { describePolicy } = await import("../schedule/policy");
    emit(ctx, { policy, description: describePolicy(policy), usedBy: users }, () =>
      `Schedule policy "${name}" updated: ${describePolicy(policy)}.${users.length ? ` Followed by ${users.length} schedule(s): ${users.join(", ")}.` : ""}`);
    if (ctx.output !== "json" && policy.keep < before.keep && users.length) ctx.err(`note: the next run of each of these schedules deletes its backups beyond the newest ${policy.keep} in each location.`);
    return 0;
  },
});

const list = command({
  name: "list",
  summary: "List the schedule policies and the schedules that use them",
  usage: "[flags]",
  args: { min: 0, max: 0 },
  flags: {},
  async run(ctx) {
    const store = await ctx.state.schedules();
    const policies = store.policies().sort((a, b) => a.name.localeCompare(b.name));
    const usage = store.usage();
    const { describePolicy } = await import("../schedule/policy");
    const v = await view();
    emit(ctx, { policies: policies.map((p) => ({ ...p, description: describePolicy(p), usedBy: usage[p.name] ?? [] })) }, () =>
      policies.length
        ? table(["NAME", "WHEN", "TIME ZONE", "KEEP", "USED BY"], policies.map((p) => [p.name, v.whenText(p), v.zoneText(p), p.keep, usedByText(usage[p.name] ?? [])]))
        : "No schedule policies. Create one with: lifeboat schedule-policy create NAME --daily 02:00 --keep 7");
    return 0;
  },
});

const NEXT_COUNT = 5;

const describe = command({
  name: "describe",
  summary: "Show a schedule policy, its next run times and the schedules that use it",
  usage: "NAME [flags]",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const store = await ctx.state.schedules();
    const policy = findPolicy(store, args[0]!);
    const { describePolicy } = await import("../schedule/policy");
    const v = await view();
    const now = new Date();
    // An interval counts from each schedule's creation: shown here for a schedule created now.
    const runs = v.nextRuns(policy, NEXT_COUNT, now, policy.kind === "interval" ? now : undefined);
    const users = store.schedules().filter((s) => s.policy === policy.name);
    const starts = users.map((s) => ({ name: s.name, paused: Boolean(s.paused), nextRun: s.paused ? undefined : v.nextStart(s, policy, store.get(s.id), now) }));
    const zone = policy.kind === "interval" ? undefined : policy.timeZone;
    emit(ctx, {
      policy, description: describePolicy(policy), usedBy: users.map((s) => s.name), nextRuns: runs.map((d) => d.toISOString()),
      schedules: starts.map((s) => ({ name: s.name, paused: s.paused, nextRun: s.nextRun?.toISOString() ?? null })),
    }, () => {
      const sections = [fields([
        ["Name", policy.name], ["When", describePolicy(policy)], ["Time zone", v.zoneText(policy)],
        ["Keep", `the newest ${policy.keep} backup(s) of each schedule in each location`], ["Used by", usedByText(users.map((s) => s.name))],
      ])];
      const zoneHeader = `TIME (${zone ?? `local, ${v.localZone()}`})`;
      sections.push(`Next ${NEXT_COUNT} times${policy.kind === "interval" ? " (for a schedule created now; each schedule counts from its creation)" : ""}:\n` +
        indent(table([zoneHeader, "UTC"], runs.map((d) => [v.wallTime(d, zone), formatTime(d.toISOString())]))));
      if (starts.length) {
        sections.push(`Schedules (each starts a fixed few minutes after the policy's time):\n${indent(table(["SCHEDULE", "NEXT START"], starts.map((s) => [
          s.name, s.paused ? "paused" : s.nextRun!.getTime() <= now.getTime() ? "overdue (no daemon has run it)" : formatTime(s.nextRun!.toISOString()),
        ])))}`);
      }
      return sections.join("\n\n");
    });
    return 0;
  },
});

const indent = (text: string) => text.split("\n").map((l) => `  ${l}`).join("\n");

const del = command({
  name: "delete",
  summary: "Delete a schedule policy no schedule uses",
  usage: "NAME [flags]",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx: Context, { args }) {
    const store = await ctx.state.schedules();
    const policy = findPolicy(store, args[0]!);
    const users = store.usage()[policy.name] ?? [];
    if (users.length) {
      throw new CommandError(`schedule policy "${policy.name}" is used by ${users.join(", ")}`,
        `give those schedules another policy (\`lifeboat schedule update NAME --policy OTHER\`) or delete them first`);
    }
    store.removePolicy(policy.name);
    emit(ctx, { deleted: policy.name }, () => `Schedule policy "${policy.name}" deleted.`);
    return 0;
  },
});

export const schedulePolicyGroup: Group = {
  name: "schedule-policy",
  summary: "Create, change, list and delete schedule policies: when backups run, how many are kept",
  commands: [create, update, list, describe, del],
};
