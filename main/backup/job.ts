// One Kubernetes backup, start to end: pre rules (and background locks), the resources, the volume
// data through mover pods, post rules, then the commit. Post rules always run once pre rules ran,
// whatever failed in between; nothing is committed unless resources and every volume were stored.
import type { KubeConfig } from "@kubernetes/client-node";
import { discoverKinds, resolveNamespaces } from "../clusters/inventory";
import { formatSelector, parseSelector } from "../clusters/label-selector";
import type { SnapshotManifest } from "../repo/format";
import type { Repository } from "../repo/repository";
import { RuleError, startRules, validateRules, type ActionResult, type BackupRules } from "../rules";
import { BackupSession } from "../transfer/backup";
import type { TransferProgress } from "../transfer/progress";
import { backupVolumes, planVolumes, podsOf, type VolumeBackupResult } from "../volumes/backup";
import { DEFAULT_MOVER_IMAGE, newJobId, removeStaleMovers, removeStaleSnapshots } from "../volumes/mover";
import { captureResources, resolveKindNames, type Capture, type CaptureSpec } from "./capture";
import { CATALOG_STREAM, RESOURCES_STREAM, jsonLines, type KubernetesBackupMeta } from "./resources";

export interface BackupRequest {
  /** The backup's name (snapshots of one name form its history, for retention). */
  name: string;
  /** The cluster's name in Lifeboat. */
  cluster: string;
  spec: CaptureSpec;
  /** Back up the data of the claims in scope (default true). */
  volumes?: boolean;
  rules?: BackupRules;
  moverImage?: string;
  /** Volumes streamed at once (default 3). */
  parallelVolumes?: number;
}

export type BackupStep = "rules" | "resources" | "volumes" | "post-rules" | "commit";

export interface BackupEvents {
  signal?: AbortSignal;
  onStep?: (step: BackupStep, detail: string) => void;
  onProgress?: (progress: TransferProgress) => void;
  onRule?: (result: ActionResult) => void;
  onVolume?: (result: VolumeBackupResult) => void;
}

export interface BackupOutcome {
  snapshot: SnapshotManifest;
  capture: Capture;
  volumes: VolumeBackupResult[];
  rules: ActionResult[];
  /** What the admin should know although the backup succeeded (a post rule that failed, volumes skipped). */
  warnings: string[];
}

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

export async function runBackup(repo: Repository, kc: KubeConfig, req: BackupRequest, events: BackupEvents = {}): Promise<BackupOutcome> {
  // Bad input fails here, before any rule runs or anything is written.
  formatSelector(parseSelector(req.spec.labelSelector ?? ""));
  const namespaces = await resolveNamespaces(kc, req.spec.namespaces);
  const kinds = await discoverKinds(kc);
  resolveKindNames(req.spec.includeKinds, kinds);
  resolveKindNames(req.spec.excludeKinds, kinds);
  if (req.rules) validateRules(req.rules);
  const jobId = newJobId();
  const withVolumes = req.volumes !== false;
  if (withVolumes) {
    await removeStaleMovers(kc, namespaces, jobId);
    await removeStaleSnapshots(kc, namespaces, jobId);
  }

  const session = await BackupSession.start(repo, { tags: { backup: req.name, cluster: req.cluster }, onProgress: events.onProgress, signal: events.signal });
  const ruleResults: ActionResult[] = [];
  const warnings: string[] = [];
  const onRule = (r: ActionResult) => {
    ruleResults.push(r);
    events.onRule?.(r);
  };
  try {
    events.onStep?.("rules", `${req.rules?.pre.length ?? 0} pre and ${req.rules?.post.length ?? 0} post actions`);
    const rules = await startRules(kc, req.rules ?? { pre: [], post: [] }, namespaces, { signal: events.signal, onResult: onRule });
    let capture: Capture;
    let volumes: VolumeBackupResult[] = [];
    try {
      events.onStep?.("resources", namespaces.join(", "));
      capture = await captureResources(kc, { ...req.spec, namespaces });
      await session.addStream(RESOURCES_STREAM, jsonLines(capture.objects));
      await session.addStream(CATALOG_STREAM, once(Buffer.from(JSON.stringify(capture.catalog))));
      if (withVolumes) {
        const { plans, skipped } = planVolumes(capture.objects, await podsOf(kc, namespaces));
        for (const s of skipped) warnings.push(`volume ${s.namespace}/${s.claim} not backed up: ${s.reason}`);
        events.onStep?.("volumes", `${plans.length} volume(s)`);
        volumes = await backupVolumes(kc, session, plans, {
          image: req.moverImage ?? DEFAULT_MOVER_IMAGE, jobId, parallel: req.parallelVolumes, signal: events.signal, onVolume: events.onVolume,
        });
      }
    } finally {
      events.onStep?.("post-rules", `${req.rules?.post.length ?? 0} post actions`);
      // A failed post action is reported, not fatal: the data was captured as the rules intended.
      const ended = await rules.finish().catch((err: unknown) => {
        if (err instanceof RuleError) return err.results;
        throw err;
      });
      for (const r of ended.filter((r) => !r.ok)) warnings.push(`${r.phase} action "${r.action}" in ${r.namespace}/${r.pod} failed: ${r.message ?? `exit ${r.exitCode}`}`);
    }

    const meta: KubernetesBackupMeta = {
      type: "kubernetes",
      name: req.name,
      cluster: { name: req.cluster, server: kc.getCurrentCluster()?.server ?? "" },
      spec: req.spec,
      namespaces,
      volumes: withVolumes,
      counts: { objects: capture.objects.length, excluded: capture.excluded.length, skippedKinds: capture.skippedKinds.length, volumes: volumes.length },
      excluded: capture.excluded,
      skippedKinds: capture.skippedKinds,
      volumeData: volumes,
      rules: ruleResults,
      warnings,
    };
    events.onStep?.("commit", "");
    const snapshot = await session.commit(meta);
    return { snapshot, capture, volumes, rules: ruleResults, warnings };
  } catch (err) {
    await session.abort();
    throw err;
  }
}
