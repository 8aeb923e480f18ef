// Guided failover and failback. Each is a list of steps whose state is saved after every step, so
// one interrupted by a crash resumes where it stopped; every step is idempotent (switching off what
// is off, or on what is on, changes nothing). The RTO is measured from the start of the failover
// to the moment the application is Ready on the destination.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listNamespaces } from "../clusters/inventory";
import { waitForWorkloads, type WorkloadReadiness } from "../restore/readiness";
import { activate, deactivate } from "./activation";
import type { ClusterPair } from "./cluster-pair";
import { runMigration, type MigrationContext, type MigrationSpec } from "./migration";
import { AppsV1Api, type KubeConfig } from "@kubernetes/client-node";

export type StepName = "deactivate-source" | "last-sync" | "activate-destination" | "wait-ready"
  | "resync-back" | "deactivate-destination" | "final-sync-back" | "activate-source" | "wait-ready-source";
export type StepStatus = "pending" | "done" | "skipped" | "failed";

export interface Step {
  name: StepName;
  status: StepStatus;
  detail?: string;
  startedAt?: string;
  endedAt?: string;
}

export interface SwitchoverState {
  id: string;
  kind: "failover" | "failback";
  pair: string;
  migration: string;
  startedAt: string;
  endedAt?: string;
  status: "running" | "done" | "failed";
  /** Seconds from the start to the application Ready where it now runs. */
  rtoSeconds?: number;
  steps: Step[];
  workloads?: WorkloadReadiness[];
}

export interface SwitchoverStore {
  load(id: string): SwitchoverState | undefined;
  save(state: SwitchoverState): void;
}

export function fileSwitchoverStore(dir: string): SwitchoverStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (id: string) => join(dir, `${id}.json`);
  return {
    load: (id) => (existsSync(file(id)) ? (JSON.parse(readFileSync(file(id), "utf8")) as SwitchoverState) : undefined),
    save: (state) => {
      const tmp = `${file(state.id)}.tmp`;
      writeFileSync(tmp, JSON.stringify(state, null, 2));
      renameSync(tmp, file(state.id));
    },
  };
}

const FAILOVER_STEPS: StepName[] = ["deactivate-source", "last-sync", "activate-destination", "wait-ready"];
const FAILBACK_STEPS: StepName[] = ["resync-back", "deactivate-destination", "final-sync-back", "activate-source", "wait-ready-source"];

/** The first step not yet finished, or undefined when all are. Pure. */
export function nextStep(state: SwitchoverState): Step | undefined {
  return state.steps.find((s) => s.status === "pending" || s.status === "failed");
}

async function reachable(kc: KubeConfig): Promise<string | undefined> {
  try {
    await listNamespaces(kc);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function workloadsOf(kc: KubeConfig, namespaces: string[]): Promise<Array<{ kind: string; namespace: string; name: string }>> {
  const apps = kc.makeApiClient(AppsV1Api);
  const found: Array<{ kind: string; namespace: string; name: string }> = [];
  for (const namespace of namespaces) {
    for (const d of (await apps.listNamespacedDeployment({ namespace })).items) found.push({ kind: "Deployment", namespace, name: d.metadata!.name! });
    for (const s of (await apps.listNamespacedStatefulSet({ namespace })).items) found.push({ kind: "StatefulSet", namespace, name: s.metadata!.name! });
    for (const s of (await apps.listNamespacedDaemonSet({ namespace })).items) found.push({ kind: "DaemonSet", namespace, name: s.metadata!.name! });
  }
  return found;
}

export interface SwitchoverOptions {
  store: SwitchoverStore;
  /** Resume this failover or failback instead of starting a new one. */
  resume?: string;
  readyTimeoutMs?: number;
  onStep?: (step: Step) => void;
}

type StepAction = (state: SwitchoverState) => Promise<{ status: StepStatus; detail: string }>;

async function drive(state: SwitchoverState, actions: Record<string, StepAction>, opts: SwitchoverOptions): Promise<SwitchoverState> {
  opts.store.save(state);
  for (let step = nextStep(state); step; step = nextStep(state)) {
    step.startedAt = new Date().toISOString();
    try {
      Object.assign(step, await actions[step.name]!(state));
    } catch (err) {
      Object.assign(step, { status: "failed", detail: err instanceof Error ? err.message : String(err) });
    }
    step.endedAt = new Date().toISOString();
    opts.store.save(state);
    opts.onStep?.(step);
    if (step.status === "failed") {
      state.status = "failed";
      opts.store.save(state);
      return state;
    }
  }
  state.status = "done";
  state.endedAt = new Date().toISOString();
  state.rtoSeconds = (Date.parse(state.endedAt) - Date.parse(state.startedAt)) / 1000;
  opts.store.save(state);
  return state;
}

function begin(kind: SwitchoverState["kind"], pair: ClusterPair, migration: MigrationSpec, steps: StepName[], opts: SwitchoverOptions): SwitchoverState {
  if (opts.resume) {
    const saved = opts.store.load(opts.resume);
    if (!saved) throw new Error(`no ${kind} ${opts.resume} to resume`);
    return saved;
  }
  return { id: randomUUID(), kind, pair: pair.name, migration: migration.name, startedAt: new Date().toISOString(), status: "running", steps: steps.map((name) => ({ name, status: "pending" })) };
}

/**
 * Failover: switch the source off when it can still be reached, sync one last time when it can,
 * switch the application on at the destination and wait for it to be Ready.
 */
export async function failover(ctx: MigrationContext, pair: ClusterPair, migration: MigrationSpec, opts: SwitchoverOptions): Promise<SwitchoverState> {
  const src = ctx.kubeConfig(pair.source);
  const dst = ctx.kubeConfig(pair.destination);
  const state = begin("failover", pair, migration, FAILOVER_STEPS, opts);
  return drive(state, {
    "deactivate-source": async () => {
      const down = await reachable(src);
      if (down) return { status: "skipped", detail: `the source cannot be reached (${down}); it must stay off if it comes back` };
      const changed = (await deactivate(src, migration.namespaces)).filter((r) => r.changed).length;
      return { status: "done", detail: `${changed} workload(s) switched off` };
    },
    "last-sync": async (s) => {
      if (s.steps[0]!.status !== "done") return { status: "skipped", detail: "the source was not switched off: a sync now could lose writes made after it" };
      const run = await runMigration(ctx, pair, migration);
      if (!run.ok) return { status: "failed", detail: `the last sync failed: ${[...run.failed.map((f) => `${f.kind}/${f.name}: ${f.reason}`), ...run.volumes.filter((v) => !v.ok).map((v) => `${v.claim}: ${v.reason}`)].join("; ")}` };
      return { status: "done", detail: `synced snapshot ${run.snapshot.slice(0, 8)} (${run.bytesNew} new bytes)` };
    },
    "activate-destination": async () => {
      const changed = (await activate(dst, migration.namespaces)).filter((r) => r.changed).length;
      return { status: "done", detail: `${changed} workload(s) switched on` };
    },
    "wait-ready": async (s) => {
      s.workloads = await waitForWorkloads(dst, await workloadsOf(dst, migration.namespaces), { timeoutMs: opts.readyTimeoutMs });
      const waiting = s.workloads.filter((w) => !w.ready);
      return waiting.length ? { status: "failed", detail: waiting.map((w) => `${w.kind}/${w.name}: ${w.detail}`).join("; ") } : { status: "done", detail: `${s.workloads.length} workload(s) Ready` };
    },
  }, opts);
}

/**
 * Failback: sync the destination's data back to the source (staged there), switch the destination
 * off, sync once more, switch the source on. The pair's direction is reversed for the syncs only.
 */
export async function failback(ctx: MigrationContext, pair: ClusterPair, migration: MigrationSpec, opts: SwitchoverOptions): Promise<SwitchoverState> {
  const src = ctx.kubeConfig(pair.source);
  const dst = ctx.kubeConfig(pair.destination);
  const reversed: ClusterPair = { ...pair, source: pair.destination, destination: pair.source };
  const back: MigrationSpec = { ...migration, name: `${migration.name}-failback` };
  const state = begin("failback", pair, migration, FAILBACK_STEPS, opts);
  const sync = async (what: string) => {
    const run = await runMigration(ctx, reversed, back);
    if (!run.ok) return { status: "failed" as const, detail: `${what} failed: ${[...run.failed.map((f) => `${f.kind}/${f.name}: ${f.reason}`), ...run.volumes.filter((v) => !v.ok).map((v) => `${v.claim}: ${v.reason}`)].join("; ")}` };
    return { status: "done" as const, detail: `${what}: snapshot ${run.snapshot.slice(0, 8)}, ${run.volumes.reduce((n, v) => n + v.bytesSent, 0)} bytes into volumes` };
  };
  return drive(state, {
    "resync-back": async () => {
      const down = await reachable(src);
      if (down) return { status: "failed", detail: `the original source cannot be reached (${down})` };
      return sync("resync to the source");
    },
    "deactivate-destination": async () => {
      const changed = (await deactivate(dst, migration.namespaces)).filter((r) => r.changed).length;
      return { status: "done", detail: `${changed} workload(s) switched off on the destination` };
    },
    "final-sync-back": async () => sync("final sync to the source"),
    "activate-source": async () => {
      const changed = (await activate(src, migration.namespaces)).filter((r) => r.changed).length;
      return { status: "done", detail: `${changed} workload(s) switched on at the source` };
    },
    "wait-ready-source": async (s) => {
      s.workloads = await waitForWorkloads(src, await workloadsOf(src, migration.namespaces), { timeoutMs: opts.readyTimeoutMs });
      const waiting = s.workloads.filter((w) => !w.ready);
      return waiting.length ? { status: "failed", detail: waiting.map((w) => `${w.kind}/${w.name}: ${w.detail}`).join("; ") } : { status: "done", detail: `${s.workloads.length} workload(s) Ready` };
    },
  }, opts);
}
