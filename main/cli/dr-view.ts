// ClusterPairs, migrations and failovers as the CLI shows them: a pair's statuses in a word and its
// problems in a line, a migration's status, the RPO it achieved and how far it lags its policy, a
// run's counts, a failover's steps. Loaded only by the DR commands (it pulls in the policy engine).
// Pure functions, and a reader of the engine's failover records.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterPair, MigrationRun, MigrationSpec, MigrationState, PairStatus } from "../dr/index";
import type { Step, SwitchoverState } from "../dr/failover";
import { nextRunAfter, type SchedulePolicy } from "../schedule/policy";
import { spreadMs, type ScheduleState } from "../schedule/scheduler";

/**
 * The id under which the migration scheduler keeps a migration's slots in the schedule store: the
 * engine's migrationScheduleId, repeated here because main/dr/index loads the whole engine.
 */
export const migrationScheduleId = (name: string) => `migration-${name}`;

export type StoredPair = ClusterPair & { status?: PairStatus };

/** Both statuses Ready. */
export const pairReady = (s: PairStatus | undefined): boolean => s?.scheduler.status === "Ready" && s.storage.status === "Ready";

/** What keeps a pair from being Ready, one item per status in Error. */
export function pairProblems(s: PairStatus): string[] {
  return [
    s.scheduler.status === "Error" ? `scheduler: ${s.scheduler.reason ?? "Error"}` : "",
    s.storage.status === "Error" ? `storage: ${s.storage.reason ?? "Error"}` : "",
  ].filter(Boolean);
}

export type MigrationStatus = "FailedOver" | "Paused" | "Running" | "Failed" | "Succeeded" | "NeverRun";

/**
 * A migration in one word: where the application runs first (a failed-over migration does not run),
 * then paused, a run in progress, and the last run's result.
 */
export function migrationStatus(spec: Pick<MigrationSpec, "paused">, state: MigrationState, run: ScheduleState = {}): MigrationStatus {
  if (state.active === "destination") return "FailedOver";
  if (spec.paused) return "Paused";
  if (run.lastStartedAt && (!run.lastEndedAt || run.lastEndedAt < run.lastStartedAt)) return "Running";
  if (state.lastError) return "Failed";
  if (state.lastSuccess) return "Succeeded";
  return "NeverRun";
}

/**
 * The recovery point the destination holds, in seconds: how old the source's state it last received
 * is (now − the last successful run's capture). Undefined before the first success, and while the
 * application runs on the destination (it is then the primary).
 */
export function achievedRpoSeconds(state: MigrationState, now: Date): number | undefined {
  if (state.active === "destination" || !state.lastSuccess) return undefined;
  return Math.max(0, (now.getTime() - Date.parse(state.lastSuccess.capturedAt)) / 1000);
}

/**
 * How long the destination has been behind its policy, in seconds: since the first slot (with the
 * migration's fixed spread) after the last successful capture, or after its creation when none
 * succeeded yet; 0 while no slot has been missed. Undefined while failed over.
 */
export function lagSeconds(spec: Pick<MigrationSpec, "name" | "createdAt">, policy: SchedulePolicy, state: MigrationState, now: Date): number | undefined {
  if (state.active === "destination") return undefined;
  const since = new Date(state.lastSuccess?.capturedAt ?? spec.createdAt);
  const schedule = { id: migrationScheduleId(spec.name), policy, createdAt: spec.createdAt };
  const missed = nextRunAfter(policy, since, new Date(spec.createdAt)).getTime() + spreadMs(schedule);
  return Math.max(0, (now.getTime() - missed) / 1000);
}

/** "2 created, 1 updated, 5 unchanged" (counts of 0 left out; "nothing" when all are). */
export function countsText(counts: Record<string, number>): string {
  const parts = Object.entries(counts).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${k}`);
  return parts.join(", ") || "nothing";
}

/** Why a run is not ok, in one line. */
export function runProblems(run: MigrationRun): string {
  return [
    ...run.failed.map((f) => `${f.kind}/${f.namespace ? `${f.namespace}/` : ""}${f.name}: ${f.reason ?? "failed"}`),
    ...run.volumes.filter((v) => !v.ok).map((v) => `volume ${v.namespace}/${v.claim}: ${v.reason ?? "failed"}`),
  ].join("; ");
}

/** A step as it completes: "done, 1 workload(s) switched off". */
export const stepText = (step: Pick<Step, "status" | "detail">) => `${step.status}${step.detail ? `, ${step.detail}` : ""}`;

/** The step a failover or failback stopped at, if it failed. */
export const failedStep = (s: SwitchoverState): Step | undefined => s.steps.find((step) => step.status === "failed");

/**
 * Where the application stands after a failover or failback that did not complete, when that
 * differs from where Lifeboat counts it as active; undefined when nothing is half done.
 */
export function halfDoneWarning(s: SwitchoverState, pair: Pick<ClusterPair, "source" | "destination">): string | undefined {
  const done = (name: Step["name"]) => s.steps.some((step) => step.name === name && step.status === "done");
  if (s.status === "done") return undefined;
  if (s.kind === "failover") {
    if (done("activate-destination")) {
      return `the application is switched on at ${pair.destination} but not Ready there; migrations stay stopped until a failback (resume this failover once the cause is fixed)`;
    }
    if (done("deactivate-source")) return `the application is switched off on ${pair.source} and not yet on at ${pair.destination}: it runs nowhere until the failover is resumed`;
    return undefined;
  }
  if (done("deactivate-destination") && !done("activate-source")) return `the application is switched off on ${pair.destination} and not yet on at ${pair.source}: it runs nowhere until the failback is resumed`;
  return undefined;
}

/**
 * A saved failover or failback, as the engine's fileSwitchoverStore writes it (<dir>/<id>.json);
 * undefined when there is none or it cannot be read. Read here because main/dr/failover loads the
 * whole engine.
 */
export function readSwitchover(dir: string, id: string): SwitchoverState | undefined {
  if (!/^[0-9a-f-]+$/.test(id)) return undefined;
  const file = join(dir, `${id}.json`);
  try {
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as SwitchoverState) : undefined;
  } catch {
    return undefined;
  }
}
