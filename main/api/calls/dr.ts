// dr.*: ClusterPairs, migration schedules, and guided failover / failback, run as jobs whose steps
// show in the console as they happen. Everything a run opens is closed when it ends.
import type { MigrationView, PairView, SwitchoverView } from "../../../shared/api";
import { checkPairForMigrations, drContext, type Closeable } from "../../dr/runtime";
import { nextStart } from "../../schedule/status";
import { failbackMigration, failoverMigration, migrationScheduleId, runRecordedMigration } from "../../dr/index";
import type { MigrationRun, MigrationSpec } from "../../dr/migration";
import { fileSwitchoverStore } from "../../dr/failover";
import { readdirSync, existsSync } from "node:fs";
import { policyPeriodSeconds } from "../../schedule/policy";
import type { EngineContext } from "../context";
import { conflict, notFound } from "../errors";
import { clusterByName } from "./clusters";
import type { Handlers } from "./types";

/** A DR context for one call or job, and close() for everything it opened. */
async function runtime(ctx: EngineContext) {
  const [clusters, locations] = await Promise.all([ctx.state.clusters(), ctx.state.locations()]);
  const opened: Closeable[] = [];
  const dr = drContext(clusters, locations, (c) => opened.push(c));
  return { dr, close: async () => void (await Promise.allSettled(opened.splice(0).map((c) => c.close()))) };
}

async function using<T>(ctx: EngineContext, use: (dr: Awaited<ReturnType<typeof runtime>>["dr"]) => Promise<T>): Promise<T> {
  const rt = await runtime(ctx);
  try {
    return await use(rt.dr);
  } finally {
    await rt.close();
  }
}

const runView = (r: MigrationRun) => ({
  startedAt: r.startedAt, endedAt: r.endedAt, capturedAt: r.capturedAt, snapshot: r.snapshot, bytesRead: r.bytesRead, bytesNew: r.bytesNew,
  objects: r.objects, failed: r.failed, purged: r.purged, ok: r.ok,
  volumes: r.volumes.map((v) => ({ namespace: v.namespace, claim: v.claim, bytesWritten: v.bytesSent, error: v.reason })),
});

async function migrationView(ctx: EngineContext, m: MigrationSpec): Promise<MigrationView> {
  const dr = await ctx.state.dr();
  const store = await ctx.state.schedules();
  const state = dr.state(m.name);
  const policy = store.policies().find((p) => p.name === m.policy);
  const id = migrationScheduleId(m.name);
  return {
    name: m.name, pair: m.pair, namespaces: m.namespaces, labelSelector: m.labelSelector, policy: m.policy,
    rpoTargetSeconds: policy ? policyPeriodSeconds(policy) : undefined, purge: Boolean(m.purge), paused: Boolean(m.paused), createdAt: m.createdAt,
    active: state.active, lastError: state.lastError,
    ...(state.lastRun ? { lastRun: runView(state.lastRun) } : {}), ...(state.lastSuccess ? { lastSuccess: runView(state.lastSuccess) } : {}),
    lagSeconds: state.lastSuccess ? Math.max(0, (Date.now() - Date.parse(state.lastSuccess.capturedAt)) / 1000) : undefined,
    nextRunAt: policy && !m.paused && state.active === "source" ? nextStart({ id, createdAt: m.createdAt }, policy, store.get(id), new Date()).toISOString() : undefined,
    history: (state.history ?? (state.lastRun ? [state.lastRun] : [])).map(runView),
  };
}

function switchoverViews(dir: string): SwitchoverView[] {
  if (!existsSync(dir)) return [];
  const store = fileSwitchoverStore(dir);
  return readdirSync(dir).filter((f) => f.endsWith(".json")).flatMap((f) => {
    const s = store.load(f.slice(0, -".json".length));
    return s ? [{
      id: s.id, kind: s.kind, pair: s.pair, migration: s.migration, startedAt: s.startedAt, endedAt: s.endedAt, status: s.status, rtoSeconds: s.rtoSeconds,
      steps: s.steps.map((st) => ({ name: st.name, status: st.status, message: st.detail, startedAt: st.startedAt, endedAt: st.endedAt })),
    }] : [];
  }).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** A switchover may start (or resume) only when none of this migration's is running now. */
async function checkSwitch(ctx: EngineContext, kind: "failover" | "failback", migration: string, resume?: string): Promise<void> {
  const dr = await ctx.state.dr();
  dr.migration(migration);
  if (ctx.jobs.running().some((j) => (j.kind === "failover" || j.kind === "failback") && j.subject === migration)) {
    throw conflict(`a failover or failback of "${migration}" is running; wait for it to end`);
  }
  if (resume) {
    const found = switchoverViews(dr.switchoverDir).find((s) => s.id === resume);
    if (!found || found.migration !== migration || found.kind !== kind) throw notFound(`no ${kind} ${resume} of "${migration}"`);
    if (found.status === "done") throw conflict(`${kind} ${resume} of "${migration}" completed; there is nothing to resume`);
  }
}

export function drCalls(ctx: EngineContext): Handlers<
  "dr.pairs.list" | "dr.pairs.create" | "dr.pairs.check" | "dr.pairs.remove" | "dr.migrations.list" | "dr.migrations.create" | "dr.migrations.run" |
  "dr.migrations.pause" | "dr.migrations.remove" | "dr.switchovers.list" | "dr.failover" | "dr.failback"
> {
  const pairView = (p: PairView): PairView => ({ name: p.name, source: p.source, destination: p.destination, location: p.location, createdAt: p.createdAt, status: p.status });
  const switchJob = (kind: "failover" | "failback", migration: string, resume?: string) => ctx.jobs.start(kind, `${resume ? "Resume: " : ""}${kind === "failover" ? "Fail over" : "Fail back"} ${migration}`, async (job) => {
    const dr = await ctx.state.dr();
    await using(ctx, async (drc) => {
      const run = kind === "failover" ? failoverMigration : failbackMigration;
      const result = await run(drc, dr, migration, {
        ...(resume ? { resume } : {}),
        onStep: (step) => {
          job.progress({ step: step.name, detail: step.detail ?? step.status });
          job.log(`${step.name}: ${step.status}${step.detail ? ` (${step.detail})` : ""}`, step.status === "failed" ? "error" : "info");
        },
      });
      job.setResultRef(result.id);
      if (result.status !== "done") throw new Error(`${kind} ${result.status}: ${result.steps.find((s) => s.status === "failed")?.detail ?? "a step did not finish"}`);
      job.log(`RTO ${result.rtoSeconds?.toFixed(1)} s`);
    });
    ctx.changed("dr");
  }, migration);
  return {
    "dr.pairs.list": async () => (await ctx.state.dr()).pairs().map(pairView),
    "dr.pairs.create": async ({ name, source, destination, location }) => {
      await clusterByName(ctx, source);
      await clusterByName(ctx, destination);
      await ctx.state.location(location);
      if (source === destination) throw new Error("the source and destination clusters must differ");
      const dr = await ctx.state.dr();
      if (dr.pairs().some((p) => p.name === name)) throw new Error(`a ClusterPair named "${name}" exists; choose another name`);
      const status = await using(ctx, (drc) => checkPairForMigrations(drc, { source, destination, location }));
      const pair = { name, source, destination, location, createdAt: new Date().toISOString(), status };
      dr.savePair(pair);
      ctx.changed("dr");
      return pairView(pair);
    },
    "dr.pairs.check": async ({ name }) => {
      const dr = await ctx.state.dr();
      const pair = dr.pair(name);
      const status = await using(ctx, (drc) => checkPairForMigrations(drc, pair));
      dr.savePair({ ...dr.pair(name), status });
      ctx.changed("dr");
      return pairView({ ...pair, status });
    },
    "dr.pairs.remove": async ({ name }) => {
      (await ctx.state.dr()).removePair(name);
      ctx.changed("dr");
      return { ok: true };
    },
    "dr.migrations.list": async () => Promise.all((await ctx.state.dr()).migrations().map((m) => migrationView(ctx, m))),
    "dr.migrations.create": async (r) => {
      (await ctx.state.schedules()).policy(r.policy);
      const spec: MigrationSpec = {
        name: r.name, pair: r.pair, namespaces: r.namespaces, ...(r.labelSelector ? { labelSelector: r.labelSelector } : {}), policy: r.policy,
        volumes: r.volumes, ...(r.purge ? { purge: true } : {}), ...(ctx.moverImage ? { moverImage: ctx.moverImage } : {}), createdAt: new Date().toISOString(),
      };
      (await ctx.state.dr()).addMigration(spec);
      const schedules = await ctx.state.schedules();
      const id = migrationScheduleId(r.name);
      if (Object.keys(schedules.get(id)).length) schedules.set(id, {}); // a migration deleted earlier under this name
      ctx.changed("dr");
      ctx.changed("policies");
      return migrationView(ctx, spec);
    },
    "dr.migrations.run": async ({ name }) => {
      const dr = await ctx.state.dr();
      const spec = dr.migration(name);
      const keep = (await ctx.state.schedules()).policies().find((p) => p.name === spec.policy)?.keep;
      const jobId = ctx.jobs.start("migration", `Migrate ${name}`, async (job) => {
        const run = await using(ctx, (drc) => runRecordedMigration(drc, dr, name, { signal: job.signal, keep, onStep: (step) => {
          job.progress({ step });
          job.log(step);
        } }));
        job.setResultRef(run.snapshot);
        job.progress({ bytesRead: run.bytesRead, bytesNew: run.bytesNew });
        ctx.changed("dr");
        if (!run.ok) throw new Error(dr.state(name).lastError ?? "the migration did not complete");
      }, name);
      return { jobId };
    },
    "dr.migrations.pause": async ({ name, paused }) => {
      const spec = (await ctx.state.dr()).updateMigration(name, { paused });
      ctx.changed("dr");
      return migrationView(ctx, spec);
    },
    "dr.migrations.remove": async ({ name }) => {
      (await ctx.state.dr()).removeMigration(name);
      ctx.changed("dr");
      ctx.changed("policies");
      return { ok: true };
    },
    "dr.switchovers.list": async () => switchoverViews((await ctx.state.dr()).switchoverDir),
    "dr.failover": async ({ migration, resume }) => {
      await checkSwitch(ctx, "failover", migration, resume);
      return { jobId: switchJob("failover", migration, resume) };
    },
    "dr.failback": async ({ migration, resume }) => {
      await checkSwitch(ctx, "failback", migration, resume);
      return { jobId: switchJob("failback", migration, resume) };
    },
  };
}
