// lifeboat schedule create|update|list|describe|pause|resume|run|delete: backup schedules, each one
// application on one cluster sent to one or more locations when its policy says. `lifeboat daemon`
// runs them; `schedule run` runs one now. Schedules live in $LIFEBOAT_HOME/schedules.json, their
// last run in schedule-state/<id>.json.
import type { KubeConfig } from "@kubernetes/client-node";
import type { BackupStep } from "../backup/job";
import type { LocationRunResult, BackupSchedule } from "../schedule/protect";
import type { SchedulePolicy } from "../schedule/policy";
import type { ScheduleState } from "../schedule/scheduler";
import type { ScheduleStore } from "../schedule/store";
import { parseList, UsageError } from "./args";
import { BACKUP_NAME, scopeFromFlags, SCOPE_FLAGS, type BackupScope } from "./backup-commands";
import { command, CommandError, emit, EXIT, required, type Context, type Group } from "./command";
import { fields, formatAge, formatBytes, formatDuration, formatTime, shortId, table } from "./format";
import { findPolicy } from "./schedule-policy-commands";
import { DaemonLock } from "../schedule/daemon-lock";

const view = () => import("./schedule-view");
const indent = (text: string) => text.split("\n").map((l) => `  ${l}`).join("\n");

/** A schedule by name; an unknown name is bad input. */
function findSchedule(store: ScheduleStore, name: string): BackupSchedule {
  const all = store.schedules();
  const found = all.find((s) => s.name === name);
  if (!found) throw new UsageError(`no schedule named "${name}" (${all.length ? `known: ${all.map((s) => s.name).join(", ")}` : "create one with `lifeboat schedule create`"})`);
  return found;
}

/** The policy a schedule names; one missing (schedules.json edited by hand) fails the command. */
function policyOf(store: ScheduleStore, schedule: BackupSchedule): SchedulePolicy {
  const policy = store.policies().find((p) => p.name === schedule.policy);
  if (!policy) throw new CommandError(`schedule "${schedule.name}" names the schedule policy "${schedule.policy}", which does not exist`, `give it one with \`lifeboat schedule update ${schedule.name} --policy NAME\``);
  return policy;
}

async function checkLocations(ctx: Context, flag: string[]): Promise<string[]> {
  const locations = parseList("location", flag);
  if (!locations.length) throw new UsageError("--location is required (one or more: --location nas,minio)");
  for (const l of locations) await ctx.state.location(l);
  return locations;
}

/** What a backup would check before running: the namespaces exist on the cluster, the kinds are served. */
async function checkOnCluster(kc: KubeConfig, scope: BackupScope): Promise<void> {
  const { discoverKinds, resolveNamespaces } = await import("../clusters/inventory");
  await resolveNamespaces(kc, scope.spec.namespaces);
  if (scope.spec.includeKinds?.length || scope.spec.excludeKinds?.length) {
    const { resolveKindNames } = await import("../backup/capture");
    const kinds = await discoverKinds(kc);
    resolveKindNames(scope.spec.includeKinds, kinds);
    resolveKindNames(scope.spec.excludeKinds, kinds);
  }
}

/** Tells, on stderr, when no daemon runs the schedules of this state directory. */
function daemonNote(ctx: Context, schedules: BackupSchedule[]): void {
  if (ctx.output === "json" || !schedules.some((s) => !s.paused) || new DaemonLock(ctx.state.home).holder() !== undefined) return;
  ctx.err(`note: no \`lifeboat daemon\` is running for ${ctx.state.home}; schedules run only while one does (see docs/lifeboat-daemon.md).`);
}

const nextText = (next: Date | undefined, now: Date) =>
  next === undefined ? "-" : next.getTime() <= now.getTime() ? "overdue" : formatTime(next.toISOString());

const create = command({
  name: "create",
  summary: "Create a backup schedule: an application, a policy, one or more locations",
  usage: "NAME --policy POLICY --cluster CLUSTER --location LOCATION[,LOCATION…] [scope flags]",
  description: [
    "The schedule's backups are named NAME (its history in each location). At each run the application is",
    "backed up to every location in turn (one failing does not stop the others), then the policy's --keep",
    "applies to this schedule's backups in each location. Keep manual backups under other names: retention",
    "counts every backup called NAME.",
    "Everything is checked first: the policy, cluster and locations exist, the namespaces exist on the",
    "cluster, the kinds are served, the selector and rules are valid. Nothing is stored if any of it fails.",
    "Schedules run while `lifeboat daemon` runs (see docs/lifeboat-daemon.md); `lifeboat schedule run NAME`",
    "runs one now. The scope flags are those of `lifeboat backup create`.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: {
    policy: { type: "string", value: "POLICY", help: "when it runs and how many backups it keeps (see `lifeboat schedule-policy list`)" },
    cluster: { type: "string", value: "CLUSTER", help: "the cluster to back up (see `lifeboat cluster list`)" },
    location: { type: "string", value: "LOCATION,…", multiple: true, help: "the backup locations, each receiving every backup (see `lifeboat location list`)" },
    paused: { type: "boolean", help: "create it paused (`lifeboat schedule resume NAME` starts it)" },
    ...SCOPE_FLAGS,
  },
  examples: [
    "lifeboat schedule create shop --policy hourly --cluster prod --location flashblade,azure --include-namespaces shop",
    "lifeboat schedule create shop-db --policy nightly --cluster prod --location nas --include-namespaces shop -l app=db \\\n      --rules-template postgresql --rules-selector app=db",
  ],
  async run(ctx, { args, flags }) {
    const name = args[0]!;
    if (!BACKUP_NAME.test(name)) throw new UsageError(`"${name}" is not a valid schedule name (it names the backups: lowercase letters, digits, '-', '.', '_'; at most 63)`);
    const policyName = required(flags.policy, "policy");
    const clusterName = required(flags.cluster, "cluster");
    const scope = await scopeFromFlags(flags);
    const store = await ctx.state.schedules();
    const policy = findPolicy(store, policyName);
    const kc = await ctx.state.kubeConfig(clusterName);
    const locations = await checkLocations(ctx, flags.location);
    if (store.schedules().some((s) => s.name === name)) throw new CommandError(`a schedule named "${name}" already exists`, "choose another name, or change it with `lifeboat schedule update`");
    await checkOnCluster(kc, scope);
    const schedule = store.addSchedule({ name, policy: policy.name, cluster: clusterName, locations, request: scope, ...(flags.paused ? { paused: true } : {}) });
    const v = await view();
    const next = schedule.paused ? undefined : v.nextStart(schedule, policy, {}, new Date());
    const { describePolicy } = await import("../schedule/policy");
    emit(ctx, { schedule, nextRun: next?.toISOString() ?? null }, () =>
      `Schedule "${name}" created: ${describePolicy(policy)}, to ${locations.join(", ")}. ` +
      (next ? `First run ${formatTime(next.toISOString())}.` : "It is paused."));
    if (ctx.output !== "json") ctx.err(`note: \`lifeboat schedule run ${name}\` runs it now.`);
    daemonNote(ctx, [schedule]);
    return 0;
  },
});

const update = command({
  name: "update",
  summary: "Give a schedule another policy or other locations",
  usage: "NAME [--policy POLICY] [--location LOCATION[,LOCATION…]] [flags]",
  description: "To change what is backed up, delete the schedule and create it again (its backups stay).",
  args: { min: 1, max: 1 },
  flags: {
    policy: { type: "string", value: "POLICY", help: "the new policy" },
    location: { type: "string", value: "LOCATION,…", multiple: true, help: "the new list of locations (replaces the old one)" },
  },
  async run(ctx, { args, flags }) {
    if (flags.policy === undefined && !flags.location.length) throw new UsageError("nothing to change: give --policy or --location");
    const store = await ctx.state.schedules();
    const schedule = findSchedule(store, args[0]!);
    const policy = flags.policy !== undefined ? findPolicy(store, flags.policy).name : undefined;
    const locations = flags.location.length ? await checkLocations(ctx, flags.location) : undefined;
    const updated = store.updateSchedule(schedule.name, { ...(policy ? { policy } : {}), ...(locations ? { locations } : {}) });
    emit(ctx, { schedule: updated }, () => `Schedule "${updated.name}" updated: policy ${updated.policy}, to ${updated.locations.join(", ")}.`);
    return 0;
  },
});

interface Row {
  schedule: BackupSchedule;
  policy?: SchedulePolicy;
  state: ScheduleState;
  nextRun?: Date;
}

async function rows(store: ScheduleStore, now: Date): Promise<Row[]> {
  const v = await view();
  const policies = store.policies();
  return store.schedules().sort((a, b) => a.name.localeCompare(b.name)).map((schedule) => {
    const policy = policies.find((p) => p.name === schedule.policy);
    const state = store.get(schedule.id);
    return { schedule, policy, state, nextRun: policy && !schedule.paused ? v.nextStart(schedule, policy, state, now) : undefined };
  });
}

const list = command({
  name: "list",
  summary: "List the backup schedules: policy, locations, last run, next run",
  usage: "[flags]",
  args: { min: 0, max: 0 },
  flags: {},
  async run(ctx) {
    const store = await ctx.state.schedules();
    const now = new Date();
    const all = await rows(store, now);
    const { runStatus } = await view();
    emit(ctx, {
      schedules: all.map((r) => ({ ...r.schedule, status: r.schedule.paused ? "Paused" : "Enabled", lastRun: runStatus(r.state), state: r.state, nextRun: r.nextRun?.toISOString() ?? null })),
    }, () =>
      all.length
        ? table(["NAME", "STATUS", "POLICY", "CLUSTER", "LOCATIONS", "LAST RUN", "RESULT", "NEXT RUN"], all.map((r) => [
          r.schedule.name, r.schedule.paused ? "Paused" : "Enabled", r.policy ? r.schedule.policy : `${r.schedule.policy} (missing)`, r.schedule.cluster,
          r.schedule.locations.join(","), r.state.lastStartedAt ? `${formatAge(r.state.lastStartedAt, now.getTime())} ago` : "never",
          runStatus(r.state) === "never run" ? "-" : runStatus(r.state), nextText(r.nextRun, now),
        ]))
        : "No schedules. Create one with: lifeboat schedule create NAME --policy P --cluster C --location L");
    daemonNote(ctx, all.map((r) => r.schedule));
    return 0;
  },
});

const describe = command({
  name: "describe",
  summary: "Show a schedule: what it backs up, where, when, and its last run",
  usage: "NAME [flags]",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const store = await ctx.state.schedules();
    const schedule = findSchedule(store, args[0]!);
    const policy = store.policies().find((p) => p.name === schedule.policy);
    const state = store.get(schedule.id);
    const now = new Date();
    const v = await view();
    const { describePolicy } = await import("../schedule/policy");
    const starts = policy && !schedule.paused ? v.nextStarts(schedule, policy, state, now, 3) : [];
    const status = v.runStatus(state);
    emit(ctx, { schedule, policy: policy ?? null, state, lastRun: status, nextRuns: starts.map((d) => d.toISOString()) }, () => {
      const r = schedule.request;
      const spec = r.spec;
      const took = state.lastStartedAt && state.lastEndedAt && state.lastEndedAt >= state.lastStartedAt
        ? ` in ${formatDuration((Date.parse(state.lastEndedAt) - Date.parse(state.lastStartedAt)) / 1000)}` : "";
      const head = fields([
        ["Name", schedule.name], ["Status", schedule.paused ? "Paused" : "Enabled"],
        ["Policy", policy ? `${policy.name}: ${describePolicy(policy)}` : `${schedule.policy} (missing: this schedule cannot run)`],
        ["Cluster", schedule.cluster], ["Locations", schedule.locations.join(", ")],
        ["Namespaces", spec.namespaces.length ? spec.namespaces.join(", ") : "(all)"], ["Selector", spec.labelSelector],
        ["Kinds", [spec.includeKinds?.length ? `only ${spec.includeKinds.join(", ")}` : "", spec.excludeKinds?.length ? `not ${spec.excludeKinds.join(", ")}` : ""].filter(Boolean).join("; ") || "(all)"],
        ["Volumes", r.volumes === false ? "not backed up (--no-volumes)" : "backed up"],
        ["Rules", r.rules ? `${r.rules.pre.length} pre, ${r.rules.post.length} post action(s)` : "(none)"], ["Mover image", r.moverImage],
        ["Created", `${formatTime(schedule.createdAt)} (${formatAge(schedule.createdAt, now.getTime())} ago)`],
      ]);
      const last = fields([
        ["Result", status], ["Started", state.lastStartedAt && `${formatTime(state.lastStartedAt)} (${formatAge(state.lastStartedAt, now.getTime())} ago)${took}`],
        ["For the slot of", state.lastDueAt && formatTime(state.lastDueAt)], ["Message", state.lastMessage],
      ]);
      const sections = [head, `Last run:\n${indent(last)}`];
      if (starts.length) sections.push(`Next runs:\n${indent(starts.map((d) => (d.getTime() <= now.getTime() ? "overdue: the daemon runs it at its next check" : formatTime(d.toISOString()))).join("\n"))}`);
      return sections.join("\n\n");
    });
    return 0;
  },
});

const pause = command({
  name: "pause",
  summary: "Pause a schedule: the daemon does not run it until it is resumed",
  usage: "NAME [flags]",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const store = await ctx.state.schedules();
    const schedule = findSchedule(store, args[0]!);
    const updated = schedule.paused ? schedule : store.updateSchedule(schedule.name, { paused: true });
    emit(ctx, { schedule: updated }, () => `Schedule "${schedule.name}" ${schedule.paused ? "was already paused" : "paused"}. A run in progress is not stopped.`);
    return 0;
  },
});

const resume = command({
  name: "resume",
  summary: "Resume a paused schedule",
  usage: "NAME [--skip-missed] [flags]",
  description: [
    "A slot that passed while the schedule was paused is run once at the daemon's next check (within a",
    "minute), as a slot missed while no daemon ran would be; --skip-missed waits for the next slot instead.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: { "skip-missed": { type: "boolean", help: "do not run a slot that passed while paused; wait for the next one" } },
  async run(ctx, { args, flags }) {
    const store = await ctx.state.schedules();
    const schedule = findSchedule(store, args[0]!);
    const policy = policyOf(store, schedule);
    const v = await view();
    const now = new Date();
    const updated = schedule.paused ? store.updateSchedule(schedule.name, { paused: false }) : schedule;
    const state = store.get(schedule.id);
    let next = v.nextStart(updated, policy, state, now);
    const overdue = next.getTime() <= now.getTime();
    if (overdue && flags["skip-missed"]) {
      // The slots up to now count as done: the next one after now is the next run.
      store.set(schedule.id, { ...state, lastDueAt: now.toISOString() });
      next = v.nextStart(updated, policy, store.get(schedule.id), now);
    }
    const when = overdue && !flags["skip-missed"] ? "now: a slot passed while it was paused, and the daemon runs it at its next check" : formatTime(next.toISOString());
    emit(ctx, { schedule: updated, nextRun: next.toISOString() }, () => `Schedule "${schedule.name}" ${schedule.paused ? "resumed" : "was not paused"}; next run ${when}.`);
    daemonNote(ctx, [updated]);
    return 0;
  },
});

const ruleLine = (r: { phase: string; action: string; namespace: string; pod: string; ok: boolean; message?: string; exitCode?: number }) =>
  `${r.phase} rule "${r.action}" in ${r.namespace}/${r.pod}: ${r.ok ? "ok" : `FAILED (${r.message ?? `exit ${r.exitCode}`})`}`;

/**
 * One run of a schedule, as the daemon runs it (runScheduledBackup in main/schedule/protect.ts: each
 * location in turn, a failure in one not stopping the others, then the policy's retention for this
 * schedule in that location), with the progress of `backup create`, which that function cannot report.
 */
async function runWithProgress(ctx: Context, schedule: BackupSchedule, policy: SchedulePolicy, kc: KubeConfig): Promise<{ ok: boolean; message: string; results: LocationRunResult[] }> {
  const { runBackup } = await import("../backup/job");
  const { applyRetention } = await import("../repo/prune");
  const registry = await ctx.state.locations();
  const results: LocationRunResult[] = [];
  for (const [i, location] of schedule.locations.entries()) {
    if (ctx.signal.aborted) break;
    ctx.progress.step("location", `${location} (${i + 1} of ${schedule.locations.length})`);
    try {
      const repo = await registry.openRepository(location);
      try {
        let dataStep: BackupStep = "resources";
        const outcome = await runBackup(repo, kc, { ...schedule.request, name: schedule.name, cluster: schedule.cluster }, {
          signal: ctx.signal,
          onStep: (s, detail) => {
            if (s === "resources" || s === "volumes") dataStep = s;
            ctx.progress.step(s, detail);
          },
          onProgress: (p) => ctx.progress.transfer(dataStep, p),
          onRule: (r) => ctx.progress.note(ruleLine(r)),
          onVolume: (v) => ctx.progress.note(`volume ${v.namespace}/${v.claim}: ${formatBytes(v.bytes)} in ${formatDuration(v.seconds)} (${v.method})`),
        });
        ctx.progress.end();
        ctx.progress.step("retention", `keeping the newest ${policy.keep} backup(s) of "${schedule.name}"`);
        const { forgotten } = await applyRetention(repo, policy.keep, { group: schedule.name });
        const s = outcome.snapshot.summary;
        results.push({ location, ok: true, snapshot: outcome.snapshot.id, bytes: s.bytes, newBytes: s.newBytes, forgotten, warnings: outcome.warnings });
      } finally {
        ctx.progress.end();
        await repo.location.close();
      }
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      results.push({ location, ok: false, error });
      ctx.progress.note(`location ${location}: FAILED: ${error}`);
    }
  }
  const failed = results.filter((r) => !r.ok);
  const skipped = schedule.locations.slice(results.length);
  const message = [
    failed.length ? `failed in ${failed.map((r) => `${r.location} (${r.error})`).join("; ")}` : "",
    results.length > failed.length ? `${failed.length ? "succeeded in" : "backed up to"} ${results.filter((r) => r.ok).map((r) => r.location).join(", ")}` : "",
    skipped.length ? `not run in ${skipped.join(", ")} (interrupted)` : "",
  ].filter(Boolean).join("; ");
  return { ok: failed.length === 0 && !skipped.length, message, results };
}

const run = command({
  name: "run",
  summary: "Run a schedule now, to each of its locations, with its retention",
  usage: "NAME [flags]",
  description: [
    "Runs as the daemon would, paused or not, and records the run as the schedule's last; when it succeeds,",
    "a slot that passed before it is not run again by the daemon. Exits 1 if any location failed (the others",
    "are still written). Ctrl-C stops the backup in progress with nothing committed.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: {},
  examples: ["lifeboat schedule run shop", "lifeboat schedule run shop -o json"],
  async run(ctx, { args }) {
    const store = await ctx.state.schedules();
    const schedule = findSchedule(store, args[0]!);
    const policy = policyOf(store, schedule);
    const kc = await ctx.state.kubeConfig(schedule.cluster);
    const startedAt = new Date().toISOString();
    const slotBefore = store.get(schedule.id).lastDueAt;
    store.set(schedule.id, { ...store.get(schedule.id), lastDueAt: startedAt, lastStartedAt: startedAt, lastMessage: "run now by `lifeboat schedule run`" });
    let outcome: Awaited<ReturnType<typeof runWithProgress>>;
    try {
      outcome = await runWithProgress(ctx, schedule, policy, kc);
    } catch (err) {
      store.set(schedule.id, { ...store.get(schedule.id), lastDueAt: slotBefore, lastEndedAt: new Date().toISOString(), lastResult: "failed", lastMessage: (err as Error).message });
      throw err;
    }
    const { ok, message, results } = outcome;
    // Only a run that succeeded covers the slots before it: after a failure the daemon still runs its own.
    const slot = ok ? {} : { lastDueAt: slotBefore };
    store.set(schedule.id, { ...store.get(schedule.id), ...slot, lastEndedAt: new Date().toISOString(), lastResult: ok ? "succeeded" : "failed", lastMessage: message });
    emit(ctx, { schedule: schedule.name, ok, message, results }, () => [
      `Schedule "${schedule.name}" ${ok ? "ran" : "FAILED"}: ${message}.`,
      table(["LOCATION", "RESULT", "SNAPSHOT", "READ", "NEW", `DELETED (KEEP ${policy.keep})`], results.map((r) => [
        r.location, r.ok ? "ok" : `FAILED: ${r.error}`, r.snapshot && shortId(r.snapshot), r.bytes !== undefined ? formatBytes(r.bytes) : undefined,
        r.newBytes !== undefined ? formatBytes(r.newBytes) : undefined, r.forgotten?.length,
      ])),
    ].join("\n"));
    if (ctx.output !== "json") for (const r of results) for (const w of r.warnings ?? []) ctx.err(`warning: ${r.location}: ${w}`);
    if (ctx.signal.aborted) return EXIT.interrupted;
    return ok ? EXIT.ok : EXIT.failed;
  },
});

const del = command({
  name: "delete",
  summary: "Delete a schedule (its backups stay in their locations)",
  usage: "NAME [--confirm] [flags]",
  description: "Asks for confirmation at a terminal; elsewhere (scripts, -o json) --confirm is required. A run in progress in the daemon finishes.",
  args: { min: 1, max: 1 },
  flags: { confirm: { type: "boolean", short: "y", help: "delete without asking" } },
  async run(ctx, { args, flags }) {
    const canAsk = ctx.interactive && ctx.output !== "json";
    if (!flags.confirm && !canAsk) throw new UsageError("deleting a schedule needs --confirm (or -y) when no one can be asked");
    const store = await ctx.state.schedules();
    const schedule = findSchedule(store, args[0]!);
    if (!flags.confirm) {
      const answer = await ctx.ask(`Delete schedule "${schedule.name}" (${schedule.policy}, to ${schedule.locations.join(", ")})? Its backups stay. [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) {
        ctx.err("Nothing deleted.");
        return EXIT.failed;
      }
    }
    store.removeSchedule(schedule.name);
    emit(ctx, { deleted: schedule.name }, () =>
      `Schedule "${schedule.name}" deleted. Its backups stay in ${schedule.locations.join(", ")} (\`lifeboat backup list ${schedule.name} --location L\`).`);
    return 0;
  },
});

export const scheduleGroup: Group = {
  name: "schedule",
  summary: "Create, list, describe, pause, resume, run and delete backup schedules",
  commands: [create, update, list, describe, pause, resume, run, del],
};
