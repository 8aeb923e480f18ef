// One restore, start to end: the backup's objects applied in order (restore.ts), the claims with
// data filled by mover pods before any workload that mounts them exists, and then the workloads
// watched until Ready. A claim that could not be filled holds back the workloads that use it: an
// application started on an empty volume would look restored and hold no data.
import type { KubeConfig } from "@kubernetes/client-node";
import type { Obj } from "../backup/capture-rules";
import { listNamespaces } from "../clusters/inventory";
import { readResources, type KubernetesBackupMeta } from "../backup/resources";
import type { SnapshotManifest } from "../repo/format";
import { loadIndex } from "../repo/repo-index";
import type { Repository } from "../repo/repository";
import type { TransferProgress } from "../transfer/progress";
import { DEFAULT_MOVER_IMAGE, newJobId, removeStaleMovers } from "../volumes/mover";
import { restoreVolumes, volumesInSnapshot, type VolumeFill, type VolumeRestoreResult } from "../volumes/restore";
import { claimsOfWorkload, waitForWorkloads, type WorkloadReadiness } from "./readiness";
import { restoreObjects, selectObjects, type RestoreItemResult, type RestoreResult, type RestoreSpec } from "./restore";

export interface RestoreRequest extends RestoreSpec {
  /** Restore volume data of the chosen claims (default true when the backup has it). */
  volumes?: boolean;
  moverImage?: string;
  /** Wait for restored workloads to be Ready (default true), up to this long (default 5 min). */
  waitReady?: boolean;
  readyTimeoutMs?: number;
  parallelVolumes?: number;
}

export type RestoreStep = "resources" | "volumes" | "workloads" | "ready";

export interface RestoreEvents {
  signal?: AbortSignal;
  onStep?: (step: RestoreStep, detail: string) => void;
  onItem?: (item: RestoreItemResult) => void;
  onVolumeProgress?: (claim: string, progress: TransferProgress) => void;
  onVolume?: (result: VolumeRestoreResult) => void;
}

export interface RestoreOutcome extends RestoreResult {
  volumes: VolumeRestoreResult[];
  workloads: WorkloadReadiness[];
  /** Everything restored, every volume filled, every workload Ready. */
  complete: boolean;
}

const claimKey = (namespace: string | undefined, name: string | undefined) => `${namespace}/${name}`;

export async function runRestore(repo: Repository, snapshot: SnapshotManifest & { meta: KubernetesBackupMeta }, kc: KubeConfig, req: RestoreRequest, events: RestoreEvents = {}): Promise<RestoreOutcome> {
  // An unreachable or refusing cluster is one clear error, not a failure per object.
  await listNamespaces(kc);
  const objects = await readResources(repo, snapshot);
  const jobId = newJobId();
  const withData = volumesInSnapshot(snapshot);
  const chosenClaims = selectObjects(objects, req).filter((o) => o.kind === "PersistentVolumeClaim");
  const volumeClaims = req.volumes === false ? new Set<string>() : new Set(chosenClaims.map((c) => claimKey(c.metadata?.namespace, c.metadata?.name)).filter((k) => withData.has(k)));
  const mapNs = (ns: string) => req.namespaceMap?.[ns] ?? ns;
  const targetNamespaces = [...new Set(chosenClaims.map((c) => mapNs(c.metadata!.namespace!)))];
  // A mover a killed restore left behind would keep its claim from being replaced.
  if (volumeClaims.size) await removeStaleMovers(kc, targetNamespaces, jobId);

  const volumes: VolumeRestoreResult[] = [];
  const unfilled = new Map<string, string>();
  const fillVolumes = async (items: RestoreItemResult[]) => {
    const fills: VolumeFill[] = [];
    for (const c of chosenClaims) {
      const source = claimKey(c.metadata?.namespace, c.metadata?.name);
      if (!volumeClaims.has(source)) continue;
      const namespace = mapNs(c.metadata!.namespace!);
      const item = items.find((i) => i.kind === "PersistentVolumeClaim" && i.namespace === namespace && i.name === c.metadata!.name);
      // A kept claim keeps its own data; a failed one has nothing to fill (its result says why).
      if (item?.action === "created" || item?.action === "replaced") fills.push({ sourceNamespace: c.metadata!.namespace!, claim: c.metadata!.name!, namespace });
    }
    if (!fills.length) return;
    events.onStep?.("volumes", `${fills.length} volume(s)`);
    const index = (await loadIndex(repo.location, repo.keys)).index;
    for (const r of await restoreVolumes(kc, repo, snapshot, fills, {
      image: req.moverImage ?? DEFAULT_MOVER_IMAGE, jobId, index, parallel: req.parallelVolumes, signal: events.signal, onProgress: events.onVolumeProgress,
    })) {
      volumes.push(r);
      events.onVolume?.(r);
      if (!r.ok) unfilled.set(claimKey(r.namespace, r.claim), `the data of claim ${r.namespace}/${r.claim} could not be restored: ${r.reason}`);
    }
    events.onStep?.("workloads", "");
  };
  const holdWorkload = (o: Obj) => {
    if (!unfilled.size) return undefined;
    const { names, prefixes } = claimsOfWorkload(o);
    for (const [key, reason] of unfilled) {
      const [ns, claim] = key.split("/") as [string, string];
      if (ns !== o.metadata?.namespace) continue;
      if (names.includes(claim) || prefixes.some((p) => claim.startsWith(p))) return reason;
    }
    return undefined;
  };

  events.onStep?.("resources", `${objects.length} object(s) in the backup`);
  const result = await restoreObjects(kc, objects, req, { volumeClaims, beforeWorkloads: fillVolumes, holdWorkload, onItem: events.onItem });

  let workloads: WorkloadReadiness[] = [];
  if (req.waitReady !== false) {
    const started = result.items.filter((i) => (i.action === "created" || i.action === "replaced") && i.namespace);
    events.onStep?.("ready", `${started.length} object(s)`);
    workloads = await waitForWorkloads(kc, started.map((i) => ({ kind: i.kind, namespace: i.namespace!, name: i.name })), { timeoutMs: req.readyTimeoutMs, signal: events.signal });
  }
  const complete = result.counts.failed === 0 && volumes.every((v) => v.ok) && workloads.every((w) => w.ready);
  return { ...result, volumes, workloads, complete };
}
