// backups.*: backups in every location, started as jobs (one per location), their details with the
// object catalog, and deletion with a prune that keeps what a running backup may need.
import type { BackupDetails, BackupView, JobProgress } from "../../../shared/api";
import { runBackup, type BackupRequest, type BackupStep } from "../../backup/job";
import { findKubernetesBackup, listKubernetesBackups, readCatalog, readResources, type KubernetesBackupMeta } from "../../backup/resources";
import type { SnapshotManifest } from "../../repo/format";
import { pruneRepository } from "../../repo/prune";
import type { Repository } from "../../repo/repository";
import type { TransferProgress } from "../../transfer/progress";
import type { EngineContext } from "../context";
import { clusterByName } from "./clusters";
import type { Handlers } from "./types";

type Backup = SnapshotManifest & { meta: KubernetesBackupMeta };

export async function withRepository<T>(ctx: EngineContext, location: string, use: (repo: Repository) => Promise<T>): Promise<T> {
  const repo = await (await ctx.state.location(location)).openRepository(location);
  try {
    return await use(repo);
  } finally {
    await repo.location.close();
  }
}

export function backupView(b: Backup, location: string): BackupView {
  const m = b.meta;
  return {
    id: b.id, name: m.name, location, time: b.time, cluster: m.cluster.name, namespaces: m.namespaces ?? m.spec.namespaces, labelSelector: m.spec.labelSelector,
    objects: m.counts.objects, volumes: m.counts.volumes, volumeData: m.volumes, bytes: b.summary.bytes, newBytes: b.summary.newBytes,
    storedBytes: b.summary.storedBytes, seconds: b.summary.seconds, warnings: m.warnings.length,
  };
}

/** Where a backup stands, 0–100, from its step and (when sizes are known) its bytes. Pure. */
export function backupPercent(step: BackupStep, p?: TransferProgress): number {
  const span: Record<BackupStep, [number, number]> = { rules: [0, 5], resources: [5, 15], volumes: [15, 92], "post-rules": [92, 95], commit: [95, 99] };
  const [from, to] = span[step];
  const ratio = p?.bytesTotal ? Math.min(1, p.bytesRead / p.bytesTotal) : 0;
  return from + (to - from) * ratio;
}

export const transferFields = (p: TransferProgress): Partial<JobProgress> => ({
  bytesRead: p.bytesRead, bytesNew: p.bytesNew, bytesUploaded: p.bytesUploaded, bytesTotal: p.bytesTotal, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds,
});

export function startBackupJob(ctx: EngineContext, location: string, req: BackupRequest): string {
  return ctx.jobs.start("backup", `Back up ${req.name} to ${location}`, async (job) => {
    const kc = (await ctx.state.clusters()).kubeConfigByName(req.cluster);
    const outcome = await withRepository(ctx, location, (repo) => {
      let step: BackupStep = "rules";
      return runBackup(repo, kc, req, {
        signal: job.signal,
        onStep: (s, detail) => {
          step = s;
          job.progress({ step: s, detail, percent: backupPercent(s) });
          job.log(`${s}: ${detail}`);
        },
        onProgress: (p) => job.progress({ ...transferFields(p), percent: backupPercent(step, p) }),
        onRule: (r) => job.log(`${r.phase} rule "${r.action}" in ${r.namespace}/${r.pod}: ${r.ok ? "ok" : `failed (${r.message ?? `exit ${r.exitCode}`})`}`, r.ok ? "info" : "warn"),
        onVolume: (v) => job.log(`volume ${v.namespace}/${v.claim}: ${v.bytes} bytes in ${v.seconds.toFixed(1)} s (${v.method})`),
      });
    });
    for (const w of outcome.warnings) job.warn(w);
    job.setResultRef(outcome.snapshot.id);
    const s = outcome.snapshot.summary;
    job.progress({ bytesRead: s.bytes, bytesNew: s.newBytes, bytesUploaded: s.storedBytes });
    ctx.changed("backups");
  });
}

async function backupRequest(ctx: EngineContext, r: { name: string; cluster: string; namespaces: string[]; labelSelector?: string; includeKinds: string[]; excludeKinds: string[]; volumes: boolean; rules?: string }): Promise<BackupRequest> {
  await clusterByName(ctx, r.cluster);
  return {
    name: r.name, cluster: r.cluster,
    spec: { namespaces: r.namespaces, labelSelector: r.labelSelector || undefined, includeKinds: r.includeKinds, excludeKinds: r.excludeKinds },
    volumes: r.volumes,
    ...(ctx.moverImage ? { moverImage: ctx.moverImage } : {}),
    ...(r.rules ? { rules: ctx.rules.get(r.rules).rules } : {}),
  };
}

export function backupCalls(ctx: EngineContext): Handlers<"backups.list" | "backups.describe" | "backups.start" | "backups.delete"> {
  return {
    "backups.list": async ({ location }) => {
      const names = location ? [location] : (await ctx.state.locations()).list().map((l) => l.name);
      const results = await Promise.allSettled(names.map((name) => withRepository(ctx, name, async (repo) => (await listKubernetesBackups(repo)).map((b) => backupView(b, name)))));
      const backups = results.flatMap((r) => (r.status === "fulfilled" ? r.value : [])).sort((a, b) => b.time.localeCompare(a.time));
      const errors = results.flatMap((r, i) => (r.status === "rejected" ? [{ location: names[i]!, error: (r.reason as Error).message }] : []));
      return { backups, errors };
    },
    "backups.describe": ({ location, id }) => withRepository(ctx, location, async (repo): Promise<BackupDetails> => {
      const backup = await findKubernetesBackup(repo, id);
      const catalog = await readCatalog(repo, backup);
      const classes = new Set<string>();
      for (const o of await readResources(repo, backup)) {
        const spec = o.spec as { storageClassName?: string } | undefined;
        if ((o.kind === "PersistentVolumeClaim" || o.kind === "PersistentVolume") && spec?.storageClassName) classes.add(spec.storageClassName);
      }
      const m = backup.meta;
      return {
        ...backupView(backup, location),
        catalog: catalog.map(({ labels: _labels, ...e }) => e), excluded: m.excluded, skippedKinds: m.skippedKinds,
        volumeDetails: m.volumeData.map((v) => ({ namespace: v.namespace, claim: v.claim, method: v.method, bytes: v.bytes, seconds: v.seconds, node: v.node })),
        rules: m.rules.map((r) => ({ phase: r.phase, action: r.action, namespace: r.namespace, pod: r.pod, ok: r.ok, message: r.message })),
        warningList: m.warnings, storageClasses: [...classes].sort(),
      };
    }),
    "backups.start": async (r) => {
      const req = await backupRequest(ctx, r);
      for (const location of r.locations) await ctx.state.location(location);
      return { jobs: r.locations.map((location) => ({ location, jobId: startBackupJob(ctx, location, req) })) };
    },
    "backups.delete": ({ location, id }) => withRepository(ctx, location, async (repo) => {
      const backup = await findKubernetesBackup(repo, id);
      await repo.forget([backup.id]);
      ctx.changed("backups");
      try {
        return { bytesFreed: (await pruneRepository(repo)).bytesFreed };
      } catch (err) {
        return { pruneError: (err as Error).message };
      }
    }),
  };
}

export { backupRequest };
