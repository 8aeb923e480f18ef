// restores.*: a restore runs as a job and leaves a record (the same records `lifeboat restore`
// keeps), so its result table can be read after the job, the window or the engine is gone.
import type { RestoreView } from "../../../shared/api";
import { findKubernetesBackup } from "../../backup/resources";
import { defaultRestoreName, restoreStatus, type RestoreRecord } from "../../restore/records";
import { runRestore, type RestoreRequest } from "../../restore/job";
import type { EngineContext } from "../context";
import { conflict, notFound } from "../errors";
import { withRepository } from "./backups";
import { clusterByName } from "./clusters";
import type { Handlers } from "./types";

const RESTORE_SPAN = { resources: [0, 30], volumes: [30, 80], workloads: [80, 85], ready: [85, 99] } as const;

export function restoreView(r: RestoreRecord, jobId?: string): RestoreView {
  return {
    id: r.id, name: r.name, status: r.status, startedAt: r.startedAt, finishedAt: r.finishedAt, backup: r.backup, cluster: r.cluster,
    namespaceMap: r.request.namespaceMap ?? {}, counts: r.counts, items: r.items, error: r.error,
    volumes: r.volumes?.map((v) => ({ namespace: v.namespace, claim: v.claim, ok: v.ok, bytes: v.bytes, seconds: v.seconds, error: v.reason })),
    workloads: r.workloads?.map((w) => ({ kind: w.kind, namespace: w.namespace, name: w.name, ready: w.ready, reason: w.detail })),
    ...(jobId ? { jobId } : {}),
  };
}

export function restoreCalls(ctx: EngineContext): Handlers<"restores.start" | "restores.list" | "restores.describe"> {
  const jobOf = new Map<string, string>();
  return {
    "restores.start": async (r) => {
      await clusterByName(ctx, r.cluster);
      if (r.name && ctx.state.restores.list().some((x) => x.name === r.name)) throw conflict(`a restore named "${r.name}" already exists; choose another name`);
      const backup = await withRepository(ctx, r.location, (repo) => findKubernetesBackup(repo, r.backupId));
      const request: RestoreRequest = {
        existing: r.existing, namespaceMap: r.namespaceMap, storageClassMap: r.storageClassMap, volumes: r.volumes,
        ...(ctx.moverImage ? { moverImage: ctx.moverImage } : {}),
        ...(r.namespaces?.length ? { namespaces: r.namespaces } : {}), ...(r.kinds?.length ? { kinds: r.kinds } : {}), ...(r.objects?.length ? { objects: r.objects } : {}),
      };
      const record: RestoreRecord = {
        id: ctx.state.restores.newId(), name: r.name ?? defaultRestoreName(backup.meta.name), status: "InProgress", startedAt: new Date().toISOString(),
        backup: { id: backup.id, name: backup.meta.name, location: r.location, time: backup.time }, cluster: r.cluster, request,
      };
      ctx.state.restores.save(record);
      const jobId = ctx.jobs.start("restore", `Restore ${backup.meta.name} to ${r.cluster}`, async (job) => {
        job.setResultRef(record.id);
        try {
          const kc = (await ctx.state.clusters()).kubeConfigByName(r.cluster);
          const outcome = await withRepository(ctx, r.location, async (repo) => runRestore(repo, await findKubernetesBackup(repo, backup.id), kc, request, {
            signal: job.signal,
            onStep: (step, detail) => {
              job.progress({ step, detail, percent: RESTORE_SPAN[step][0] });
              job.log(`${step}: ${detail}`);
            },
            onItem: (i) => i.action === "failed" && job.log(`${i.kind} ${i.namespace ? `${i.namespace}/` : ""}${i.name}: ${i.reason ?? "failed"}`, "warn"),
            onVolumeProgress: (_claim, p) => job.progress({ bytesRead: p.bytesRead, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds, bytesTotal: p.bytesTotal }),
            onVolume: (v) => job.log(`volume ${v.namespace}/${v.claim}: ${v.ok ? `${v.bytes} bytes in ${v.seconds.toFixed(1)} s` : `FAILED: ${v.reason}`}`, v.ok ? "info" : "warn"),
          }));
          Object.assign(record, { status: restoreStatus(outcome), counts: outcome.counts, items: outcome.items, volumes: outcome.volumes, workloads: outcome.workloads });
          if (job.signal.aborted) record.error = "cancelled before every workload was seen Ready";
          if (record.status !== "Completed") throw new Error(`restore ${record.status === "Failed" ? "failed" : "incomplete"}: ${outcome.counts.failed} object(s) failed, ${outcome.volumes.filter((v) => !v.ok).length} volume(s) not filled, ${outcome.workloads.filter((w) => !w.ready).length} workload(s) not Ready`);
        } catch (err) {
          if (record.status === "InProgress") Object.assign(record, { status: "Failed", error: (err as Error).message });
          throw err;
        } finally {
          record.finishedAt = new Date().toISOString();
          ctx.state.restores.save(record);
          ctx.changed("restores");
        }
      });
      jobOf.set(record.id, jobId);
      ctx.changed("restores");
      return { jobId, restoreId: record.id };
    },
    "restores.list": async () => ctx.state.restores.list().map(({ items: _items, ...r }) => restoreView(r as RestoreRecord, jobOf.get(r.id))),
    "restores.describe": async ({ id }) => {
      const found = ctx.state.restores.list().find((r) => r.id === id || r.name === id);
      if (!found) throw notFound(`no restore "${id}"`);
      return restoreView(found, jobOf.get(found.id));
    },
  };
}
