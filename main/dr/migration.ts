// A migration run: an incremental backup of the application on the source into the pair's
// location, then a staged apply on the destination — objects created or updated in place (never
// deleted and recreated; unchanged ones skipped), workloads kept switched off, new claims filled
// and existing ones brought up to date. Optionally, objects a previous run brought over and the
// source no longer has are removed. The result is what the DR status shows: RPO, bytes, objects.
import type { KubeConfig } from "@kubernetes/client-node";
import { runBackup } from "../backup/job";
import { readResources } from "../backup/resources";
import type { Obj } from "../backup/capture-rules";
import { KubernetesObjectApi } from "@kubernetes/client-node";
import { discoverKinds, listKind } from "../clusters/inventory";
import { mapLimit } from "../repo/concurrency";
import { applyRetention } from "../repo/prune";
import { loadIndex } from "../repo/repo-index";
import type { Repository } from "../repo/repository";
import { restoreObjects, selectObjects, type RestoreResult } from "../restore/restore";
import { DEFAULT_MOVER_IMAGE, newJobId, removeStaleMovers } from "../volumes/mover";
import { restoreVolumes, volumesInSnapshot, type VolumeFill } from "../volumes/restore";
import type { ClusterPair } from "./cluster-pair";

export const MIGRATION_LABEL = "lifeboat.io/migration";

export interface MigrationSpec {
  name: string;
  pair: string;
  namespaces: string[];
  labelSelector?: string;
  includeKinds?: string[];
  excludeKinds?: string[];
  /** The schedule policy (its period is the RPO asked for). */
  policy: string;
  volumes?: boolean;
  moverImage?: string;
  /** Remove from the destination what earlier runs brought and the source no longer has. */
  purge?: boolean;
  createdAt: string;
  paused?: boolean;
}

export interface VolumeSyncOutcome {
  namespace: string;
  claim: string;
  mode: "full" | "incremental";
  ok: boolean;
  /** Bytes that went into the destination cluster for this claim. */
  bytesSent: number;
  reason?: string;
}

/** Brings an existing, filled claim up to date with a snapshot (only what changed crosses). */
export type VolumeSyncer = (kc: KubeConfig, repo: Repository, snapshot: Parameters<typeof restoreVolumes>[2], fill: VolumeFill, opts: { image: string; jobId: string; signal?: AbortSignal }) => Promise<{ ok: boolean; bytesSent: number; reason?: string }>;

export interface MigrationRun {
  migration: string;
  startedAt: string;
  endedAt: string;
  /** When the source's state was captured: what the destination now holds is this old at most. */
  capturedAt: string;
  snapshot: string;
  bytesRead: number;
  bytesNew: number;
  objects: RestoreResult["counts"];
  failed: Array<{ kind: string; namespace?: string; name: string; reason?: string }>;
  volumes: VolumeSyncOutcome[];
  purged: string[];
  ok: boolean;
}

export interface MigrationContext {
  kubeConfig(cluster: string): KubeConfig;
  openRepository(location: string): Promise<Repository>;
  syncVolume?: VolumeSyncer;
}

const label = (o: Obj, migration: string): Obj => ({ ...o, metadata: { ...o.metadata, labels: { ...o.metadata?.labels, [MIGRATION_LABEL]: migration } } });

/** Objects on the destination that an earlier run of this migration brought and the backup no longer has. Pure. */
export function purgeCandidates(live: Obj[], backup: Obj[]): Obj[] {
  const present = new Set(backup.map((o) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`));
  // Objects a controller made carry copied labels (a Service's EndpointSlices): they are its owner's business.
  return live.filter((o) => !o.metadata?.ownerReferences?.length && !present.has(`${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`));
}

export async function runMigration(ctx: MigrationContext, pair: ClusterPair, spec: MigrationSpec, opts: { signal?: AbortSignal; onStep?: (step: string) => void; keep?: number } = {}): Promise<MigrationRun> {
  const startedAt = new Date().toISOString();
  const src = ctx.kubeConfig(pair.source);
  const dst = ctx.kubeConfig(pair.destination);
  const repo = await ctx.openRepository(pair.location);
  opts.onStep?.("backup");
  const capturedAt = new Date().toISOString();
  const { snapshot } = await runBackup(repo, src, {
    name: `migration-${spec.name}`, cluster: pair.source, volumes: spec.volumes, moverImage: spec.moverImage,
    spec: { namespaces: spec.namespaces, labelSelector: spec.labelSelector, includeKinds: spec.includeKinds, excludeKinds: spec.excludeKinds },
  }, { signal: opts.signal });
  const backup = (await readResources(repo, snapshot)).map((o) => label(o, spec.name));
  // The policy's N copies of this migration's history; older ones are forgotten (prune frees them later).
  if (opts.keep) await applyRetention(repo, opts.keep, { group: `migration-${spec.name}` });

  opts.onStep?.("apply");
  const jobId = newJobId();
  const image = spec.moverImage ?? DEFAULT_MOVER_IMAGE;
  const withData = spec.volumes === false ? new Set<string>() : volumesInSnapshot(snapshot);
  const claims = selectObjects(backup, { existing: "update" }).filter((o) => o.kind === "PersistentVolumeClaim" && withData.has(`${o.metadata?.namespace}/${o.metadata?.name}`));
  if (claims.length) await removeStaleMovers(dst, [...new Set(claims.map((c) => c.metadata!.namespace!))], jobId);
  const volumes: VolumeSyncOutcome[] = [];
  const result = await restoreObjects(dst, backup, { existing: "update", stage: true }, {
    volumeClaims: new Set(claims.map((c) => `${c.metadata?.namespace}/${c.metadata?.name}`)),
    beforeWorkloads: async (items) => {
      opts.onStep?.("volumes");
      const index = (await loadIndex(repo.location, repo.keys)).index;
      for (const c of claims) {
        const fill: VolumeFill = { sourceNamespace: c.metadata!.namespace!, claim: c.metadata!.name!, namespace: c.metadata!.namespace! };
        const item = items.find((i) => i.kind === "PersistentVolumeClaim" && i.namespace === fill.namespace && i.name === fill.claim);
        if (item?.action === "created") {
          const [r] = await restoreVolumes(dst, repo, snapshot, [fill], { image, jobId, index, signal: opts.signal });
          volumes.push({ namespace: fill.namespace, claim: fill.claim, mode: "full", ok: r!.ok, bytesSent: r!.ok ? r!.bytes : 0, reason: r!.reason });
        } else if (item && item.action !== "failed" && ctx.syncVolume) {
          const r = await ctx.syncVolume(dst, repo, snapshot, fill, { image, jobId, signal: opts.signal });
          volumes.push({ namespace: fill.namespace, claim: fill.claim, mode: "incremental", ...r });
        } else if (item && item.action !== "failed") {
          volumes.push({ namespace: fill.namespace, claim: fill.claim, mode: "incremental", ok: false, bytesSent: 0, reason: "incremental volume sync is not available" });
        }
      }
    },
  });

  const purged: string[] = [];
  if (spec.purge) {
    opts.onStep?.("purge");
    const api = KubernetesObjectApi.makeApiClient(dst);
    // Every namespaced kind the destination serves: a kind the source no longer has at all is purged too.
    const kinds = (await discoverKinds(dst)).filter((k) => k.namespaced);
    for (const namespace of spec.namespaces) {
      await mapLimit(kinds, 6, async (k) => {
        const live = (await listKind(api, k, namespace, `${MIGRATION_LABEL}=${spec.name}`).catch(() => [])) as Obj[];
        for (const o of purgeCandidates(live.map((i) => ({ ...i, apiVersion: k.apiVersion, kind: k.kind })), backup)) {
          await api.delete({ apiVersion: k.apiVersion, kind: k.kind, metadata: { name: o.metadata!.name!, namespace } }).catch(() => undefined);
          purged.push(`${k.kind}/${namespace}/${o.metadata!.name}`);
        }
      });
    }
  }
  const failed = result.items.filter((i) => i.action === "failed").map(({ kind, namespace, name, reason }) => ({ kind, namespace, name, reason }));
  return {
    migration: spec.name, startedAt, endedAt: new Date().toISOString(), capturedAt, snapshot: snapshot.id,
    bytesRead: snapshot.summary.bytes, bytesNew: snapshot.summary.newBytes, objects: result.counts, failed, volumes, purged,
    ok: failed.length === 0 && volumes.every((v) => v.ok),
  };
}
