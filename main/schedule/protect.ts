// A scheduled backup: one application, one policy, one or more locations (the seed sends the same
// app hourly to a FlashBlade bucket and to Azure Blob). Each run backs up to every location in
// turn and then applies the policy's retention to this schedule's backups in that location only;
// one location failing does not stop the others, and the run says which failed and why.
import type { KubeConfig } from "@kubernetes/client-node";
import { runBackup, type BackupOutcome, type BackupRequest } from "../backup/job";
import { applyRetention } from "../repo/prune";
import type { Repository } from "../repo/repository";
import type { SchedulePolicy } from "./policy";

export interface BackupSchedule {
  id: string;
  /** Also the backups' name: each run adds to this history. */
  name: string;
  policy: string;
  cluster: string;
  locations: string[];
  request: Omit<BackupRequest, "name" | "cluster">;
  createdAt: string;
  paused?: boolean;
}

export interface ProtectionContext {
  kubeConfig(cluster: string): KubeConfig;
  openRepository(location: string): Promise<Repository>;
}

export interface LocationRunResult {
  location: string;
  ok: boolean;
  snapshot?: string;
  bytes?: number;
  newBytes?: number;
  forgotten?: string[];
  error?: string;
  warnings?: string[];
}

export async function runScheduledBackup(ctx: ProtectionContext, schedule: BackupSchedule, policy: SchedulePolicy, signal?: AbortSignal): Promise<{ ok: boolean; results: LocationRunResult[]; message: string }> {
  const kc = ctx.kubeConfig(schedule.cluster);
  const results: LocationRunResult[] = [];
  for (const location of schedule.locations) {
    if (signal?.aborted) {
      results.push({ location, ok: false, error: "not run: cancelled" });
      continue;
    }
    let repo: Repository | undefined;
    try {
      repo = await ctx.openRepository(location);
      const outcome: BackupOutcome = await runBackup(repo, kc, { ...schedule.request, name: schedule.name, cluster: schedule.cluster }, { signal });
      // Prune's safety margin keeps recently written data for a later pass; forgetting is what counts now.
      const { forgotten } = await applyRetention(repo, policy.keep, { group: schedule.name });
      results.push({ location, ok: true, snapshot: outcome.snapshot.id, bytes: outcome.snapshot.summary.bytes, newBytes: outcome.snapshot.summary.newBytes, forgotten, warnings: outcome.warnings });
    } catch (err) {
      results.push({ location, ok: false, error: err instanceof Error ? err.message : String(err) });
    } finally {
      // A daemon runs for months: each run's SDK clients are released.
      await repo?.location.close().catch(() => undefined);
    }
  }
  const failed = results.filter((r) => !r.ok);
  const message = failed.length
    ? `failed in ${failed.map((r) => `${r.location} (${r.error})`).join("; ")}${results.length > failed.length ? `; succeeded in ${results.filter((r) => r.ok).map((r) => r.location).join(", ")}` : ""}`
    : `backed up to ${results.map((r) => r.location).join(", ")}`;
  return { ok: failed.length === 0 && results.length === schedule.locations.length, results, message };
}
