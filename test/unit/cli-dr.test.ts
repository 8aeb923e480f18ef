// The DR commands' pure parts: a pair's readiness and problems, a migration's status in a word,
// the RPO it achieved and how far it lags its policy, the warning after a failover that stopped
// half way, and the reader of the engine's failover records.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { migrationScheduleId as engineScheduleId, type MigrationRun, type MigrationState, type PairStatus, type SwitchoverState } from "../../main/dr/index";
import { splitCommand } from "../../main/cli/main";
import {
  achievedRpoSeconds, countsText, failedStep, halfDoneWarning, lagSeconds, migrationScheduleId, migrationStatus, pairProblems, pairReady, readSwitchover, runProblems,
} from "../../main/cli/dr-view";
import type { SchedulePolicy } from "../../main/schedule/policy";
import { spreadMs } from "../../main/schedule/scheduler";

const T0 = "2026-03-01T12:00:00.000Z";
const at = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000);
const hourly: SchedulePolicy = { name: "hourly", kind: "interval", minutes: 60, keep: 1 };
const run = (over: Partial<MigrationRun> = {}): MigrationRun => ({
  migration: "shop", startedAt: T0, endedAt: T0, capturedAt: T0, snapshot: "0123456789abcdef", bytesRead: 10, bytesNew: 0,
  objects: { created: 0, replaced: 0, updated: 0, unchanged: 3, kept: 1, failed: 0 }, failed: [], volumes: [], purged: [], ok: true, ...over,
});

describe("ClusterPairs", () => {
  const ready: PairStatus = { scheduler: { status: "Ready" }, storage: { status: "Ready" }, checkedAt: T0 };
  test("Ready only when both statuses are; each Error with its reason", () => {
    expect(pairReady(ready)).toBe(true);
    expect(pairReady(undefined)).toBe(false);
    const down: PairStatus = { ...ready, scheduler: { status: "Error", reason: "destination cluster dr: connect ECONNREFUSED" }, storage: { status: "Error", reason: "no repository" } };
    expect(pairReady(down)).toBe(false);
    expect(pairProblems(down)).toEqual(["scheduler: destination cluster dr: connect ECONNREFUSED", "storage: no repository"]);
    expect(pairProblems(ready)).toEqual([]);
  });
});

describe("migrations", () => {
  test("the scheduler id is the engine's", () => {
    expect(migrationScheduleId("shop")).toBe(engineScheduleId("shop"));
  });

  test("status: failed over first, then paused, running, the last result", () => {
    const base: MigrationState = { active: "source" };
    expect(migrationStatus({}, base)).toBe("NeverRun");
    expect(migrationStatus({}, { ...base, lastSuccess: run() })).toBe("Succeeded");
    expect(migrationStatus({}, { ...base, lastSuccess: run(), lastError: "ConfigMap/x: forbidden" })).toBe("Failed");
    expect(migrationStatus({}, base, { lastStartedAt: T0 })).toBe("Running");
    expect(migrationStatus({}, base, { lastStartedAt: T0, lastEndedAt: at(T0, 5).toISOString() })).toBe("NeverRun");
    expect(migrationStatus({ paused: true }, base, { lastStartedAt: T0 })).toBe("Paused");
    expect(migrationStatus({ paused: true }, { active: "destination", lastSuccess: run() })).toBe("FailedOver");
  });

  test("achieved RPO: now minus the last success's capture; none before a success or while failed over", () => {
    expect(achievedRpoSeconds({ active: "source", lastSuccess: run() }, at(T0, 90))).toBe(90);
    expect(achievedRpoSeconds({ active: "source" }, at(T0, 90))).toBeUndefined();
    expect(achievedRpoSeconds({ active: "destination", lastSuccess: run() }, at(T0, 90))).toBeUndefined();
  });

  test("lag: 0 until the first slot after the capture (with the spread) has passed, then the time since", () => {
    const spec = { name: "shop", createdAt: "2026-03-01T11:30:00.000Z" };
    const spread = spreadMs({ id: migrationScheduleId("shop"), policy: hourly, createdAt: spec.createdAt }) / 1000;
    const state: MigrationState = { active: "source", lastSuccess: run() };
    // Interval slots count from the creation: 12:30 is the first after the capture at 12:00.
    expect(lagSeconds(spec, hourly, state, at(T0, 20 * 60))).toBe(0);
    expect(lagSeconds(spec, hourly, state, at(T0, 30 * 60 + spread + 45))).toBeCloseTo(45, 3);
    // Never succeeded: counted from the creation.
    expect(lagSeconds(spec, hourly, { active: "source" }, at(spec.createdAt, 3600 + spread + 10))).toBeCloseTo(10, 3);
    expect(lagSeconds(spec, hourly, { active: "destination", lastSuccess: run() }, at(T0, 7200))).toBeUndefined();
  });

  test("a run's counts and problems in a line", () => {
    expect(countsText(run().objects)).toBe("3 unchanged, 1 kept");
    expect(countsText({ created: 0 })).toBe("nothing");
    const bad = run({
      ok: false,
      failed: [{ kind: "ConfigMap", namespace: "shop", name: "x", reason: "forbidden" }],
      volumes: [{ namespace: "shop", claim: "data", mode: "incremental", ok: false, bytesSent: 0, reason: "mover timed out" }],
    });
    expect(runProblems(bad)).toBe("ConfigMap/shop/x: forbidden; volume shop/data: mover timed out");
  });
});

describe("failover and failback", () => {
  const pair = { source: "prod", destination: "dr" };
  const state = (kind: SwitchoverState["kind"], statuses: Array<[string, string]>): SwitchoverState => ({
    id: "3f2a9c1e-0000-4000-8000-000000000000", kind, pair: "prod-dr", migration: "shop", startedAt: T0, status: "failed",
    steps: statuses.map(([name, status]) => ({ name, status }) as SwitchoverState["steps"][number]),
  });

  test("the step that failed, and where the application stands when a switch stopped half way", () => {
    const atReady = state("failover", [["deactivate-source", "done"], ["last-sync", "done"], ["activate-destination", "done"], ["wait-ready", "failed"]]);
    expect(failedStep(atReady)?.name).toBe("wait-ready");
    expect(halfDoneWarning(atReady, pair)).toMatch(/^the application is switched on at dr but not Ready there; migrations stay stopped until a failback/);
    const atSync = state("failover", [["deactivate-source", "done"], ["last-sync", "failed"], ["activate-destination", "pending"], ["wait-ready", "pending"]]);
    expect(halfDoneWarning(atSync, pair)).toMatch(/^the application is switched off on prod and not yet on at dr: it runs nowhere/);
    expect(halfDoneWarning(state("failover", [["deactivate-source", "failed"]]), pair)).toBeUndefined();
    const back = state("failback", [["resync-back", "done"], ["deactivate-destination", "done"], ["final-sync-back", "failed"], ["activate-source", "pending"]]);
    expect(halfDoneWarning(back, pair)).toMatch(/^the application is switched off on dr and not yet on at prod/);
    expect(halfDoneWarning({ ...atReady, status: "done" }, pair)).toBeUndefined();
  });

  const dir = mkdtempSync(join(tmpdir(), "lifeboat-cli-dr-unit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("failover records are read by id; a path or a broken file is none", () => {
    const saved = state("failover", [["wait-ready", "failed"]]);
    writeFileSync(join(dir, `${saved.id}.json`), JSON.stringify(saved));
    writeFileSync(join(dir, "abcdef.json"), "{");
    expect(readSwitchover(dir, saved.id)).toEqual(saved);
    expect(readSwitchover(dir, "0000")).toBeUndefined();
    expect(readSwitchover(dir, "../etc/passwd")).toBeUndefined();
    expect(readSwitchover(dir, "abcdef")).toBeUndefined();
  });

  test("the migration after failover and failback is an argument of the one-command group", () => {
    expect(splitCommand(["failover", "shop", "--resume", "3f2a", "-y"])).toEqual({ words: ["failover", "shop"], rest: ["--resume", "3f2a", "-y"] });
    expect(splitCommand(["-o", "json", "failback", "shop"])).toEqual({ words: ["failback", "shop"], rest: ["-o", "json"] });
  });
});
