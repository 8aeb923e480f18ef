// Backing up volume data: for each bound claim in scope, a mover pod mounts the volume — a clone of
// a CSI VolumeSnapshot when the cluster has a VolumeSnapshotClass for the volume's driver,
// otherwise the live claim, read-only, on the node already using it — and `tar c` streams its files
// through the exec endpoint into the backup, where they are chunked and deduplicated like any stream
// (an unchanged file costs nothing the next time). See VOLUMES.md for the path and its limits.
import { createHash } from "node:crypto";
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1PersistentVolumeClaim, type V1Pod } from "@kubernetes/client-node";
import type { Obj } from "../backup/capture-rules";
import { execStream, ExecError } from "../clusters/exec";
import { mapLimit } from "../repo/concurrency";
import type { BackupSession } from "../transfer/backup";
import { MOUNT_PATH, MOVER_JOB_LABEL, startMover, type Mover } from "./mover";

export const volumeStreamName = (namespace: string, claim: string) => `volumes/${namespace}/${claim}.tar`;

export interface VolumePlan {
  namespace: string;
  claim: string;
  /** The node of a running pod that mounts the claim (a ReadWriteOnce volume can only be read there). */
  node?: string;
  /** The bound PersistentVolume's CSI driver, when it has one. */
  csiDriver?: string;
  storageClass?: string;
  capacity?: string;
}

export interface VolumeBackupResult {
  namespace: string;
  claim: string;
  stream: string;
  method: "live" | "snapshot";
  bytes: number;
  seconds: number;
  node?: string;
}

/** Which claims get their data backed up, and where each can be read. Pure. */
export function planVolumes(objects: Obj[], pods: V1Pod[]): { plans: VolumePlan[]; skipped: Array<{ namespace: string; claim: string; reason: string }> } {
  const volumes = new Map(objects.filter((o) => o.kind === "PersistentVolume").map((pv) => [pv.metadata!.name!, pv as Obj & { spec: { csi?: { driver?: string } } }]));
  const plans: VolumePlan[] = [];
  const skipped: Array<{ namespace: string; claim: string; reason: string }> = [];
  for (const o of objects) {
    if (o.kind !== "PersistentVolumeClaim") continue;
    const pvc = o as unknown as V1PersistentVolumeClaim;
    const namespace = pvc.metadata!.namespace!;
    const claim = pvc.metadata!.name!;
    if (pvc.status?.phase !== "Bound") {
      skipped.push({ namespace, claim, reason: `the claim is ${pvc.status?.phase ?? "not bound"}: it has no data yet` });
      continue;
    }
    if (pvc.spec?.volumeMode === "Block") {
      skipped.push({ namespace, claim, reason: "raw block volumes are not supported yet (only filesystem volumes)" });
      continue;
    }
    const user = pods.find((p) => p.metadata?.namespace === namespace && p.status?.phase === "Running" && p.spec?.nodeName &&
      (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim));
    const pv = pvc.spec?.volumeName ? volumes.get(pvc.spec.volumeName) : undefined;
    plans.push({
      namespace, claim, node: user?.spec?.nodeName, csiDriver: pv?.spec?.csi?.driver,
      storageClass: pvc.spec?.storageClassName, capacity: pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage,
    });
  }
  return { plans, skipped };
}

/** Running pods of the namespaces, to find where each claim is mounted. */
export async function podsOf(kc: KubeConfig, namespaces: string[]): Promise<V1Pod[]> {
  const core = kc.makeApiClient(CoreV1Api);
  return (await Promise.all(namespaces.map((namespace) => core.listNamespacedPod({ namespace })))).flatMap((l) => l.items);
}

/** CSI drivers that have a VolumeSnapshotClass (none when the snapshot API is not installed). */
export async function snapshotClasses(kc: KubeConfig): Promise<Map<string, string>> {
  const api = kc.makeApiClient(CustomObjectsApi);
  try {
    const list = (await api.listClusterCustomObject({ group: "snapshot.storage.k8s.io", version: "v1", plural: "volumesnapshotclasses" })) as { items: Array<{ metadata: { name: string; annotations?: Record<string, string> }; driver: string }> };
    const byDriver = new Map<string, string>();
    // The class marked default for its driver wins; otherwise the first.
    for (const c of list.items) {
      if (!byDriver.has(c.driver) || c.metadata.annotations?.["snapshot.storage.kubernetes.io/is-default-class"] === "true") byDriver.set(c.driver, c.metadata.name);
    }
    return byDriver;
  } catch {
    return new Map();
  }
}

interface Source {
  claim: string;
  node?: string;
  readOnly: boolean;
  cleanup(): Promise<void>;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The name of a claim's VolumeSnapshot and of the claim cloned from it: unique per job and claim
 * within 63 characters. Cut short, it ends with a hash of the claim's name, because claims often
 * differ only at the end (a StatefulSet's `data-<long name>-0` and `-1`).
 */
function snapshotName(jobId: string, claim: string): string {
  const full = `lifeboat-${jobId}-${claim}`;
  if (full.length <= 63) return full;
  const hash = createHash("sha256").update(claim).digest("hex").slice(0, 8);
  return `${full.slice(0, 63 - hash.length - 1).replace(/[-.]+$/, "")}-${hash}`;
}

/** How long a VolumeSnapshot may report the same error before it counts: the snapshot controller sets transient ones (a conflicting update it retries) and clears them. */
const SNAPSHOT_ERROR_GRACE_MS = 30_000;

/** A VolumeSnapshot of the claim and a claim cloned from it, for the mover to read at leisure. */
async function snapshotSource(kc: KubeConfig, plan: VolumePlan, snapshotClass: string, jobId: string, timeoutMs: number, signal?: AbortSignal): Promise<Source> {
  const objects = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const name = snapshotName(jobId, plan.claim);
  const labels = { "app.kubernetes.io/managed-by": "lifeboat", [MOVER_JOB_LABEL]: jobId };
  const ref = { group: "snapshot.storage.k8s.io", version: "v1", namespace: plan.namespace, plural: "volumesnapshots", name };
  const cleanup = async () => {
    await core.deleteNamespacedPersistentVolumeClaim({ namespace: plan.namespace, name }).catch(() => undefined);
    await objects.deleteNamespacedCustomObject(ref).catch(() => undefined);
  };
  try {
    await objects.createNamespacedCustomObject({ ...ref, body: {
      apiVersion: "snapshot.storage.k8s.io/v1", kind: "VolumeSnapshot", metadata: { name, namespace: plan.namespace, labels },
      spec: { volumeSnapshotClassName: snapshotClass, source: { persistentVolumeClaimName: plan.claim } },
    } });
    // Readiness is the only success; an error counts once it has stood for the grace period.
    let error: { message: string; since: number } | undefined;
    await waitFor(`VolumeSnapshot ${plan.namespace}/${name} to be ready`, timeoutMs, async () => {
      const snap = (await objects.getNamespacedCustomObject(ref)) as { status?: { readyToUse?: boolean; error?: { message?: string } } };
      if (snap.status?.readyToUse) return true;
      const message = snap.status?.error?.message;
      if (!message) error = undefined;
      else if (error?.message !== message) error = { message, since: Date.now() };
      else if (Date.now() - error.since >= SNAPSHOT_ERROR_GRACE_MS) throw new Error(`VolumeSnapshot of ${plan.namespace}/${plan.claim} failed: ${message}`);
      return undefined;
    }, signal).catch((err: unknown) => {
      if (error && err instanceof Error && err.message.startsWith("timed out")) throw new Error(`${err.message}; its last error: ${error.message}`);
      throw err;
    });
    await core.createNamespacedPersistentVolumeClaim({ namespace: plan.namespace, body: {
      metadata: { name, namespace: plan.namespace, labels },
      spec: {
        accessModes: ["ReadWriteOnce"], storageClassName: plan.storageClass,
        resources: { requests: { storage: plan.capacity ?? "1Gi" } },
        dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name },
      },
    } });
    return { claim: name, readOnly: false, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

export interface VolumeBackupOptions {
  image: string;
  jobId: string;
  parallel?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onVolume?: (r: VolumeBackupResult) => void;
}

/** Streams one volume's files into the backup session. */
async function backupVolume(kc: KubeConfig, session: BackupSession, plan: VolumePlan, snapshotClass: string | undefined, opts: VolumeBackupOptions): Promise<VolumeBackupResult> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const source: Source = snapshotClass
    ? await snapshotSource(kc, plan, snapshotClass, opts.jobId, timeoutMs, opts.signal)
    : { claim: plan.claim, node: plan.node, readOnly: true, cleanup: async () => undefined };
  let mover: Mover | undefined;
  try {
    mover = await startMover(kc, { namespace: plan.namespace, claim: source.claim, image: opts.image, readOnly: source.readOnly, nodeName: source.node, jobId: opts.jobId }, { timeoutMs, signal: opts.signal });
    const exec = await execStream(kc, { namespace: plan.namespace, pod: mover.name, container: "mover" }, ["tar", "cf", "-", "-C", MOUNT_PATH, "."], { signal: opts.signal });
    const stream = volumeStreamName(plan.namespace, plan.claim);
    const [stored, outcome] = await Promise.all([session.addStream(stream, exec.output), exec.done]).catch((err: unknown) => {
      exec.close();
      throw err;
    });
    if (outcome.exitCode !== 0) throw new ExecError(`reading volume ${plan.namespace}/${plan.claim}: tar exited with ${outcome.exitCode}: ${outcome.stderr.trim()}`, outcome);
    return { namespace: plan.namespace, claim: plan.claim, stream, method: snapshotClass ? "snapshot" : "live", bytes: stored.size, seconds: (Date.now() - started) / 1000, node: mover.node };
  } finally {
    await mover?.remove();
    await source.cleanup();
  }
}

/** Backs up every planned volume, several at a time; the first failure fails the backup. */
export async function backupVolumes(kc: KubeConfig, session: BackupSession, plans: VolumePlan[], opts: VolumeBackupOptions): Promise<VolumeBackupResult[]> {
  const classes = plans.some((p) => p.csiDriver) ? await snapshotClasses(kc) : new Map<string, string>();
  return mapLimit(plans, opts.parallel ?? 3, async (plan) => {
    // A claim without a storage class (a statically provisioned volume) has no class to clone into.
    const result = await backupVolume(kc, session, plan, plan.csiDriver && plan.storageClass ? classes.get(plan.csiDriver) : undefined, opts);
    opts.onVolume?.(result);
    return result;
  });
}
