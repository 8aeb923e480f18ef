// lifeboat migration schedule|get|describe|run|pause|resume|delete: an application kept staged on a
// ClusterPair's destination, switched off, brought up to date on a schedule policy (its period is
// the RPO asked for). `lifeboat daemon` runs them next to the backup schedules; `migration run` runs
// one now. Migrations live in $LIFEBOAT_HOME/migrations.json, where each runs and its last run in
// migration-state/<name>.json, the scheduler's slots in schedule-state/migration-<name>.json.
import type { KubeConfig } from "@kubernetes/client-node";
import type { DrStore, MigrationRun, MigrationSpec, MigrationState } from "../dr/index";
import type { SchedulePolicy } from "../schedule/policy";
import type { ScheduleStore } from "../schedule/store";
import { NAME_RULES, parseKinds, parseList, UsageError } from "./args";
import { findPair } from "./clusterpair-commands";
import { command, CommandError, emit, EXIT, required, type Context, type Group } from "./command";
import { fields, formatAge, formatBytes, formatDuration, formatTime, shortId, table } from "./format";
import { findPolicy } from "./schedule-policy-commands";
import { DaemonLock } from "../schedule/daemon-lock";

const MIGRATION_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const view = () => import("./dr-view");
const scheduleView = () => import("./schedule-view");
const indent = (text: string) => text.split("\n").map((l) => `  ${l}`).join("\n");

/** A migration by name; an unknown name is bad input. */
export function findMigration(dr: DrStore, name: string): MigrationSpec {
  const all = dr.migrations();
  const found = all.find((m) => m.name === name);
  if (!found) throw new UsageError(`no migration named "${name}" (${all.length ? `known: ${all.map((m) => m.name).sort().join(", ")}` : "create one with `lifeboat migration schedule`"})`);
  return found;
}

/** The policy a migration names; one missing (deleted, or migrations.json edited) fails the command. */
function policyOf(store: ScheduleStore, spec: MigrationSpec): SchedulePolicy {
  const policy = store.policies().find((p) => p.name === spec.policy);
  if (!policy) throw new CommandError(`migration "${spec.name}" names the schedule policy "${spec.policy}", which does not exist`, `create it with \`lifeboat schedule-policy create ${spec.policy} …\``);
  return policy;
}

/** The namespaces exist on the source, the kinds are served there. */
async function checkOnSource(kc: KubeConfig, namespaces: string[], kinds: { include: string[]; exclude: string[] }): Promise<void> {
  const { discoverKinds, resolveNamespaces } = await import("../clusters/inventory");
  await resolveNamespaces(kc, namespaces);
  if (kinds.include.length || kinds.exclude.length) {
    const { resolveKindNames } = await import("../backup/capture");
    const served = await discoverKinds(kc);
    resolveKindNames(kinds.include, served);
    resolveKindNames(kinds.exclude, served);
  }
}

async function checkSelector(selector: string | undefined): Promise<void> {
  if (selector === undefined) return;
  const { parseSelector, SelectorError } = await import("../clusters/label-selector");
  try {
    parseSelector(selector);
  } catch (err) {
    if (err instanceof SelectorError) throw new UsageError(`--selector: ${err.message}`);
    throw err;
  }
}

/** Tells, on stderr, when no daemon runs the migrations of this state directory. */
function daemonNote(ctx: Context, specs: MigrationSpec[]): void {
  if (ctx.output === "json" || !specs.some((s) => !s.paused) || new DaemonLock(ctx.state.home).holder() !== undefined) return;
  ctx.err(`note: no \`lifeboat daemon\` is running for ${ctx.state.home}; migrations run on their policy only while one does (see docs/lifeboat-daemon.md).`);
}

const schedule = command({
  name: "schedule",
  summary: "Schedule a migration: an application kept staged on a ClusterPair's destination",
  usage: "NAME --clusterpair PAIR --namespaces NS[,NS…] --policy POLICY [flags]",
  description: [
    "Each run backs up the namespaces on the pair's source into its location (incrementally, as backups",
    "named migration-NAME), then applies them on the destination with workloads switched off: Deployments and",
    "StatefulSets at 0 replicas with their count kept in the annotation lifeboat.io/replicas, CronJobs",
    "suspended, DaemonSets parked. Objects that exist are updated in place, unchanged ones left alone; claims",
    "that exist are brought up to date incrementally. The policy's period is the RPO asked for; its --keep",
    "does not apply to migrations. `lifeboat failover NAME` switches the application over.",
    "Everything is checked first: the pair and policy exist, the namespaces exist on the source, the kinds",
    "are served there, the selector is valid. Nothing is stored if any of it fails.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: {
    clusterpair: { type: "string", value: "PAIR", help: "the ClusterPair (see `lifeboat clusterpair get`)" },
    namespaces: { type: "string", value: "NS,…", multiple: true, help: "the application's namespaces on the source" },
    policy: { type: "string", value: "POLICY", help: "when it runs (see `lifeboat schedule-policy list`)" },
    selector: { type: "string", short: "l", value: "SELECTOR", help: "only objects with these labels (kubectl syntax: app=shop,tier!=cache)" },
    "include-resources": { type: "string", value: "KIND,…", multiple: true, help: "only these kinds" },
    "exclude-resources": { type: "string", value: "KIND,…", multiple: true, help: "leave these kinds out" },
    "no-volumes": { type: "boolean", help: "resources only, no volume data" },
    purge: { type: "boolean", help: "delete from the destination what an earlier run brought and the source no longer has" },
    "mover-image": { type: "string", value: "IMAGE", help: "image of the pods that read and write volume data (needs sh and tar; default busybox)" },
    paused: { type: "boolean", help: "create it paused (`lifeboat migration resume NAME` starts it)" },
  },
  examples: [
    "lifeboat migration schedule shop --clusterpair prod-dr --namespaces shop --policy every-15m",
    "lifeboat migration schedule shop-config --clusterpair prod-dr --namespaces shop,shop-admin --policy hourly --include-resources ConfigMap,Secret --purge",
  ],
  async run(ctx, { args, flags }) {
    const name = args[0]!;
    if (!MIGRATION_NAME.test(name)) throw new UsageError(`"${name}" is not a valid migration name (lowercase letters, digits and '-'; at most 63)`);
    const pairName = required(flags.clusterpair, "clusterpair");
    const policyName = required(flags.policy, "policy");
    const namespaces = parseList("namespaces", flags.namespaces);
    if (!namespaces.length) throw new UsageError("--namespaces is required (one or more: --namespaces shop,shop-db)");
    for (const ns of namespaces) if (!NAME_RULES.namespace.test(ns)) throw new UsageError(`--namespaces: "${ns}" is not ${NAME_RULES.namespace.what}`);
    await checkSelector(flags.selector);
    const kinds = { include: parseKinds("include-resources", flags["include-resources"]), exclude: parseKinds("exclude-resources", flags["exclude-resources"]) };
    const dr = await ctx.state.dr();
    const pair = findPair(dr, pairName);
    const store = await ctx.state.schedules();
    const policy = findPolicy(store, policyName);
    if (dr.migrations().some((m) => m.name === name)) throw new CommandError(`a migration named "${name}" already exists`, "choose another name, or delete that one first");
    const kc = await ctx.state.kubeConfig(pair.source);
    await checkOnSource(kc, namespaces, kinds);
    const spec: MigrationSpec = {
      name, pair: pair.name, namespaces, policy: policy.name, createdAt: new Date().toISOString(),
      ...(flags.selector !== undefined ? { labelSelector: flags.selector } : {}),
      ...(kinds.include.length ? { includeKinds: kinds.include } : {}),
      ...(kinds.exclude.length ? { excludeKinds: kinds.exclude } : {}),
      ...(flags["no-volumes"] ? { volumes: false } : {}),
      ...(flags["mover-image"] !== undefined ? { moverImage: flags["mover-image"] } : {}),
      ...(flags.purge ? { purge: true } : {}),
      ...(flags.paused ? { paused: true } : {}),
    };
    dr.addMigration(spec);
    const v = await view();
    // A migration deleted earlier under this name leaves its slots behind: start afresh.
    const id = v.migrationScheduleId(name);
    if (Object.keys(store.get(id)).length) store.set(id, {});
    const sv = await scheduleView();
    const next = spec.paused ? undefined : sv.nextStart({ id, createdAt: spec.createdAt }, policy, {}, new Date());
    emit(ctx, { migration: spec, nextRun: next?.toISOString() ?? null }, () =>
      `Migration "${name}" scheduled: ${namespaces.join(", ")} from ${pair.source} to ${pair.destination} through ${pair.location}, ${sv.whenText(policy)}. ` +
      (next ? `First run ${formatTime(next.toISOString())}.` : "It is paused."));
    if (ctx.output !== "json") {
      if (pair.status && !v.pairReady(pair.status)) ctx.err(`warning: ClusterPair "${pair.name}" is not Ready (${v.pairProblems(pair.status).join("; ")}); runs fail until it is (\`lifeboat clusterpair get ${pair.name} --check\`)`);
      ctx.err(`note: \`lifeboat migration run ${name}\` runs it now.`);
    }
    daemonNote(ctx, [spec]);
    return EXIT.ok;
  },
});

interface Row {
  spec: MigrationSpec;
  state: MigrationState;
  status: string;
  rpoSeconds?: number;
  lagSeconds?: number;
  nextRun?: Date;
}

async function rowOf(spec: MigrationSpec, dr: DrStore, store: ScheduleStore, now: Date): Promise<Row> {
  const v = await view();
  const sv = await scheduleView();
  const state = dr.state(spec.name);
  const id = v.migrationScheduleId(spec.name);
  const run = store.get(id);
  const policy = store.policies().find((p) => p.name === spec.policy);
  const status = policy ? v.migrationStatus(spec, state, run) : "NoPolicy";
  const runs = policy && !spec.paused && state.active === "source";
  return {
    spec, state, status,
    rpoSeconds: v.achievedRpoSeconds(state, now),
    lagSeconds: policy ? v.lagSeconds(spec, policy, state, now) : undefined,
    nextRun: runs ? sv.nextStart({ id, createdAt: spec.createdAt }, policy, run, now) : undefined,
  };
}

const seconds = (s: number | undefined) => (s === undefined ? undefined : s === 0 ? "0s" : formatDuration(s));
const rowJson = (r: Row) => ({ ...r.spec, status: r.status, active: r.state.active, state: r.state, rpoSeconds: r.rpoSeconds ?? null, lagSeconds: r.lagSeconds ?? null, nextRun: r.nextRun?.toISOString() ?? null });

const get = command({
  name: "get",
  summary: "List migrations: where the application runs, last success, achieved RPO, lag",
  usage: "[NAME] [flags]",
  description: [
    "ACTIVE-ON is where the application runs (destination after a failover). ACHIEVED-RPO is how old the",
    "source's state the destination holds is: now minus the capture time of the last successful run. LAG",
    "is how long the destination has been behind its policy: since the first slot after that capture (0s",
    "while no slot was missed).",
  ].join("\n"),
  args: { min: 0, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const dr = await ctx.state.dr();
    const store = await ctx.state.schedules();
    const now = new Date();
    const specs = args[0] ? [findMigration(dr, args[0])] : dr.migrations().sort((a, b) => a.name.localeCompare(b.name));
    const rows = await Promise.all(specs.map((s) => rowOf(s, dr, store, now)));
    emit(ctx, { migrations: rows.map(rowJson) }, () =>
      rows.length
        ? table(["NAME", "PAIR", "POLICY", "ACTIVE-ON", "LAST-SUCCESS", "ACHIEVED-RPO", "LAG", "STATUS"], rows.map((r) => [
          r.spec.name, r.spec.pair, r.spec.policy, r.state.active,
          r.state.lastSuccess ? `${formatAge(r.state.lastSuccess.endedAt, now.getTime())} ago` : "never",
          seconds(r.rpoSeconds), seconds(r.lagSeconds), r.status,
        ]))
        : "No migrations. Schedule one with: lifeboat migration schedule NAME --clusterpair P --namespaces NS --policy POLICY");
    daemonNote(ctx, specs.filter((s) => dr.state(s.name).active === "source"));
    return EXIT.ok;
  },
});

function runText(run: MigrationRun, title: string): string {
  const sections = [fields([
    ["Result", run.ok ? "succeeded" : "FAILED"],
    ["Started", `${formatTime(run.startedAt)}, took ${formatDuration((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000)}`],
    ["Captured", formatTime(run.capturedAt)],
    ["Snapshot", `${shortId(run.snapshot)}: ${formatBytes(run.bytesRead)} read, ${formatBytes(run.bytesNew)} new`],
    ["Objects", Object.entries(run.objects).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`).join(", ") || "none"],
    ["Purged", run.purged.length ? run.purged.join(", ") : undefined],
  ])];
  if (run.failed.length) sections.push(`Failed objects:\n${indent(table(["OBJECT", "REASON"], run.failed.map((f) => [`${f.kind}/${f.namespace ? `${f.namespace}/` : ""}${f.name}`, f.reason])))}`);
  if (run.volumes.length) {
    sections.push(`Volumes:\n${indent(table(["CLAIM", "MODE", "RESULT", "SENT"], run.volumes.map((v) => [`${v.namespace}/${v.claim}`, v.mode, v.ok ? "ok" : `FAILED: ${v.reason}`, formatBytes(v.bytesSent)])))}`);
  }
  return `${title}\n${indent(sections.join("\n"))}`;
}

const describe = command({
  name: "describe",
  summary: "Show a migration: what it moves, where, when, its last run and any failover",
  usage: "NAME [flags]",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const dr = await ctx.state.dr();
    const store = await ctx.state.schedules();
    const spec = findMigration(dr, args[0]!);
    const now = new Date();
    const row = await rowOf(spec, dr, store, now);
    const pair = dr.pairs().find((p) => p.name === spec.pair);
    const policy = store.policies().find((p) => p.name === spec.policy);
    const { whenText } = await scheduleView();
    const state = row.state;
    const switchover = state.failover ? ((await view()).readSwitchover(dr.switchoverDir, state.failover) ?? null) : null;
    emit(ctx, { ...rowJson(row), migration: spec, clusterPair: pair ?? null, failover: switchover }, () => {
      const head = fields([
        ["Name", spec.name], ["Status", row.status],
        ["ClusterPair", pair ? `${pair.name}: ${pair.source} → ${pair.destination} through ${pair.location}` : `${spec.pair} (missing)`],
        ["Active on", `${state.active}${pair ? ` (${state.active === "source" ? pair.source : pair.destination})` : ""}`],
        ["Policy", policy ? `${policy.name}: ${whenText(policy)}` : `${spec.policy} (missing: it cannot run)`],
        ["Namespaces", spec.namespaces.join(", ")], ["Selector", spec.labelSelector],
        ["Kinds", [spec.includeKinds?.length ? `only ${spec.includeKinds.join(", ")}` : "", spec.excludeKinds?.length ? `not ${spec.excludeKinds.join(", ")}` : ""].filter(Boolean).join("; ") || "(all)"],
        ["Volumes", spec.volumes === false ? "not migrated (--no-volumes)" : "migrated"], ["Purge", spec.purge ? "yes" : "no"], ["Mover image", spec.moverImage],
        ["Achieved RPO", seconds(row.rpoSeconds)], ["Lag", seconds(row.lagSeconds)],
        ["Next run", row.nextRun ? (row.nextRun.getTime() <= now.getTime() ? "overdue: the daemon runs it at its next check" : formatTime(row.nextRun.toISOString())) : undefined],
        ["Last error", state.lastError],
        ["Created", `${formatTime(spec.createdAt)} (${formatAge(spec.createdAt, now.getTime())} ago)`],
      ]);
      const sections = [head];
      if (state.lastRun) sections.push(runText(state.lastRun, "Last run:"));
      if (state.lastSuccess && state.lastSuccess.startedAt !== state.lastRun?.startedAt) sections.push(runText(state.lastSuccess, "Last success:"));
      if (state.failover) {
        const s = switchover;
        sections.push(`Failover:\n${indent(fields([
          ["Id", state.failover],
          ["Result", s ? `${s.status}${s.rtoSeconds !== undefined ? `, RTO ${formatDuration(s.rtoSeconds)}` : ""}` : "(its record is gone)"],
          ["Started", s ? formatTime(s.startedAt) : undefined],
        ]))}`);
      }
      return sections.join("\n\n");
    });
    return EXIT.ok;
  },
});

const run = command({
  name: "run",
  summary: "Run a migration now (refused while the application runs on the destination)",
  usage: "NAME [flags]",
  description: [
    "Runs as the daemon would, paused or not, and records the run as the migration's last; when it",
    "succeeds, a slot that passed before it is not run again by the daemon. Exits 1 if an object or a",
    "volume failed (the others are applied). Ctrl-C stops the run; what was applied stays, staged.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: {},
  examples: ["lifeboat migration run shop", "lifeboat migration run shop -o json"],
  async run(ctx, { args }) {
    const dr = await ctx.state.dr();
    const spec = findMigration(dr, args[0]!);
    const pair = findPair(dr, spec.pair);
    if (dr.state(spec.name).active === "destination") {
      throw new CommandError(`migration "${spec.name}" is failed over: the application runs on ${pair.destination}; fail back first`, `\`lifeboat failback ${spec.name}\` brings it back to ${pair.source}, and migrations resume`);
    }
    const store = await ctx.state.schedules();
    policyOf(store, spec);
    const v = await view();
    const id = v.migrationScheduleId(spec.name);
    const startedAt = new Date().toISOString();
    const slotBefore = store.get(id).lastDueAt;
    store.set(id, { ...store.get(id), lastDueAt: startedAt, lastStartedAt: startedAt, lastMessage: "run now by `lifeboat migration run`" });
    const { runRecordedMigration } = await import("../dr/index");
    const { commandRuntime } = await import("./dr-runtime");
    const runtime = await commandRuntime(ctx.state);
    const detail: Record<string, string> = {
      backup: `${spec.namespaces.join(", ")} on ${pair.source} into ${pair.location}`,
      apply: `staged on ${pair.destination}, workloads switched off`,
      volumes: "claims filled or brought up to date",
      purge: "objects the source no longer has",
    };
    let result: MigrationRun;
    try {
      // The engine reports its volumes step even when no claim is in the run.
      const onStep = (s: string) => (s === "volumes" && spec.volumes === false ? undefined : ctx.progress.step(s, detail[s]));
      result = await runRecordedMigration(runtime.ctx, dr, spec.name, { signal: ctx.signal, onStep });
    } catch (err) {
      store.set(id, { ...store.get(id), lastDueAt: slotBefore, lastEndedAt: new Date().toISOString(), lastResult: "failed", lastMessage: (err as Error).message });
      throw err;
    } finally {
      ctx.progress.end();
      await runtime.close();
    }
    const problems = v.runProblems(result);
    // Only a run that succeeded covers the slots before it: after a failure the daemon still runs its own.
    store.set(id, { ...store.get(id), ...(result.ok ? {} : { lastDueAt: slotBefore }), lastEndedAt: new Date().toISOString(), lastResult: result.ok ? "succeeded" : "failed", lastMessage: result.ok ? `synced ${shortId(result.snapshot)}` : problems });
    emit(ctx, { migration: spec.name, run: result }, () => runText(result, `Migration "${spec.name}" ${result.ok ? "ran" : "FAILED"}: ${pair.source} → ${pair.destination}, objects ${v.countsText(result.objects)}.`));
    if (ctx.signal.aborted) return EXIT.interrupted;
    if (result.ok) return EXIT.ok;
    ctx.err(`error: migration "${spec.name}" did not complete: ${problems}`);
    ctx.err("hint: what was applied stays staged; fix the cause and run it again (each run updates what differs)");
    return EXIT.failed;
  },
});

const pause = command({
  name: "pause",
  summary: "Pause a migration: the daemon does not run it until it is resumed",
  usage: "NAME [flags]",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const dr = await ctx.state.dr();
    const spec = findMigration(dr, args[0]!);
    const updated = spec.paused ? spec : dr.updateMigration(spec.name, { paused: true });
    emit(ctx, { migration: updated }, () => `Migration "${spec.name}" ${spec.paused ? "was already paused" : "paused"}. A run in progress is not stopped.`);
    return EXIT.ok;
  },
});

const resume = command({
  name: "resume",
  summary: "Resume a paused migration",
  usage: "NAME [flags]",
  description: "A slot that passed while it was paused is run at the daemon's next check. A failed-over migration stays stopped until failback.",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const dr = await ctx.state.dr();
    const store = await ctx.state.schedules();
    const spec = findMigration(dr, args[0]!);
    const policy = policyOf(store, spec);
    const updated = spec.paused ? dr.updateMigration(spec.name, { paused: false }) : spec;
    const failedOver = dr.state(spec.name).active === "destination";
    const v = await view();
    const { nextStart } = await scheduleView();
    const now = new Date();
    const next = failedOver ? undefined : nextStart({ id: v.migrationScheduleId(spec.name), createdAt: spec.createdAt }, policy, store.get(v.migrationScheduleId(spec.name)), now);
    const when = !next ? "none until it is failed back (`lifeboat failback`)" : next.getTime() <= now.getTime() ? "now: a slot passed, and the daemon runs it at its next check" : formatTime(next.toISOString());
    emit(ctx, { migration: updated, nextRun: next?.toISOString() ?? null }, () => `Migration "${spec.name}" ${spec.paused ? "resumed" : "was not paused"}; next run ${when}.`);
    daemonNote(ctx, failedOver ? [] : [updated]);
    return EXIT.ok;
  },
});

const del = command({
  name: "delete",
  summary: "Delete a migration (what it brought to the destination stays)",
  usage: "NAME [--confirm] [--force] [flags]",
  description: [
    "Asks for confirmation at a terminal; elsewhere (scripts, -o json) --confirm is required. Refused while",
    "the application runs on the destination (failback needs the migration) unless --force.",
    "Nothing is removed from the clusters or the location.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: {
    confirm: { type: "boolean", short: "y", help: "delete without asking" },
    force: { type: "boolean", help: "delete even while failed over (there is then no failback)" },
  },
  async run(ctx, { args, flags }) {
    const canAsk = ctx.interactive && ctx.output !== "json";
    if (!flags.confirm && !canAsk) throw new UsageError("deleting a migration needs --confirm (or -y) when no one can be asked");
    const dr = await ctx.state.dr();
    const spec = findMigration(dr, args[0]!);
    if (dr.state(spec.name).active === "destination" && !flags.force) {
      throw new CommandError(`migration "${spec.name}" is failed over: failback needs it`, `fail back first (\`lifeboat failback ${spec.name}\`), or delete it anyway with --force`);
    }
    if (!flags.confirm) {
      const answer = await ctx.ask(`Delete migration "${spec.name}" (${spec.namespaces.join(", ")} over ${spec.pair})? What it brought stays. [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) {
        ctx.err("Nothing deleted.");
        return EXIT.failed;
      }
    }
    dr.removeMigration(spec.name);
    const store = await ctx.state.schedules();
    store.set((await view()).migrationScheduleId(spec.name), {});
    emit(ctx, { deleted: spec.name }, () => `Migration "${spec.name}" deleted; what it brought to the destination stays.`);
    return EXIT.ok;
  },
});

export const migrationGroup: Group = {
  name: "migration",
  summary: "Schedule, get, describe, run, pause, resume and delete migrations over a ClusterPair",
  commands: [schedule, get, describe, run, pause, resume, del],
};
