// Applying a backup's objects to a cluster: choose (partial restore), map, transform, order, then
// create each object under the existing-objects policy. Every object gets a result — created,
// replaced, kept or failed — with the reason, so a restore never "succeeds" having done nothing
// silently (stork#1509) and a partial failure always says what and why (velero#4223).
import { KubernetesObjectApi, PatchStrategy, type KubeConfig } from "@kubernetes/client-node";
import { kindSelected, type Obj } from "../backup/capture-rules";
import { reuseConnections } from "../clusters/kubeconfig";
import { mapLimit } from "../repo/concurrency";
import { byRestoreOrder, groupByRank, isWorkloadKind } from "./order";
import { prepareForRestore, type RestoreContext } from "./transforms";

/**
 * What to do with an object that exists: replace it (delete, then create), keep it, fail it, or
 * update it in place when it differs (DR migrations: nothing is deleted, unchanged objects are skipped).
 */
export type ExistingPolicy = "replace" | "keep" | "fail" | "update";

export interface RestoreSpec {
  existing: ExistingPolicy;
  namespaceMap?: Record<string, string>;
  storageClassMap?: Record<string, string>;
  /** Partial restore: only objects of these source namespaces (cluster-scoped ones still come along). */
  namespaces?: string[];
  /** Partial restore: only these kinds ("ConfigMap", "Widget.example.com"). */
  kinds?: string[];
  /** Partial restore: only these objects, as "Kind/namespace/name" or "Kind/name". */
  objects?: string[];
  /** Restore cluster-scoped objects (PVs, storage classes, CRDs, cluster RBAC); default true. */
  clusterResources?: boolean;
  /** Workloads arrive switched off (scaled to 0, CronJobs suspended), as on a DR cluster. */
  stage?: boolean;
}

export type RestoreAction = "created" | "replaced" | "updated" | "unchanged" | "kept" | "failed";

export interface RestoreItemResult {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: RestoreAction;
  reason?: string;
  transforms: string[];
}

export interface RestoreResult {
  items: RestoreItemResult[];
  counts: Record<RestoreAction, number>;
}

/** Kinds whose deletion would destroy more than the object itself: never deleted to be replaced. */
const NEVER_REPLACED: Record<string, string> = {
  Namespace: "namespaces are never replaced: that would delete everything in them",
  PersistentVolume: "persistent volumes are never replaced: their data would be lost",
  CustomResourceDefinition: "CRDs are never replaced: that would delete every resource of the kind in the cluster",
};

const refOf = (o: Obj) => `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;

/** Partial restore selection. Pure. */
export function selectObjects(objects: Obj[], spec: RestoreSpec): Obj[] {
  const wanted = spec.objects?.length ? new Set(spec.objects) : undefined;
  return objects.filter((o) => {
    const namespaced = Boolean(o.metadata?.namespace);
    if (!namespaced && spec.clusterResources === false) return false;
    if (namespaced && spec.namespaces?.length && !spec.namespaces.includes(o.metadata!.namespace!)) return false;
    if (!kindSelected({ apiVersion: o.apiVersion ?? "", kind: o.kind ?? "" }, spec.kinds, undefined)) return false;
    return !wanted || wanted.has(refOf(o));
  });
}

function apiMessage(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  try {
    const body = typeof e.body === "string" ? (JSON.parse(e.body) as { message?: string }) : (e.body as { message?: string } | undefined);
    if (body?.message) return body.message;
  } catch { /* not JSON */ }
  return e.message ?? String(err);
}

const isNotFound = (err: unknown) => (err as { code?: number }).code === 404;

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

type ObjectKey = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
const keyOf = (o: Obj): ObjectKey => ({ apiVersion: o.apiVersion ?? "", kind: o.kind ?? "", metadata: { name: o.metadata?.name ?? "", namespace: o.metadata?.namespace } });
const claimRef = (namespace: string | undefined, name: string | undefined) => `${namespace}/${name}`;

export interface RestoreOptions {
  timeoutMs?: number;
  parallel?: number;
  onItem?: (r: RestoreItemResult) => void;
  /**
   * Claims ("namespace/name" in the backup) whose data this restore writes into freshly provisioned
   * volumes: their PVs are left out (the claims are provisioned anew) and only these claims may be
   * replaced — deleting any other claim could delete its volume.
   */
  volumeClaims?: Set<string>;
  /** Runs after storage and configuration exist and before the first workload is created. */
  beforeWorkloads?: (items: RestoreItemResult[]) => Promise<void>;
  /** Why a workload must not be created (say, its volume could not be filled), if so. */
  holdWorkload?: (object: Obj) => string | undefined;
}

/** Why an existing object must not be deleted to be replaced, if it must not. Pure. */
export function replaceRefusal(o: Obj, volumeClaims: Set<string>): string | undefined {
  const never = NEVER_REPLACED[o.kind ?? ""];
  if (never) return never;
  if (!o.metadata?.namespace) return "cluster-scoped objects that exist are kept: other applications may depend on them";
  if (o.kind === "PersistentVolumeClaim" && !volumeClaims.has(claimRef(o.metadata?.namespace, o.metadata?.name))) {
    return "claims are replaced only when this restore brings their volume data: deleting the claim could delete its volume";
  }
  return undefined;
}

/** The PVs left out because their claim's data is restored into a new volume. Pure. */
export function volumesReprovisioned(objects: Obj[], volumeClaims: Set<string>): Set<string> {
  const names = new Set<string>();
  for (const o of objects) {
    const ref = (o.spec?.claimRef ?? {}) as { namespace?: string; name?: string };
    if (o.kind === "PersistentVolume" && ref.name && volumeClaims.has(claimRef(ref.namespace, ref.name))) names.add(o.metadata!.name!);
  }
  return names;
}

export async function restoreObjects(kc: KubeConfig, backup: Obj[], spec: RestoreSpec, opts: RestoreOptions = {}): Promise<RestoreResult> {
  reuseConnections(kc);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const parallel = opts.parallel ?? 16;
  const volumeClaims = opts.volumeClaims ?? new Set<string>();
  const reprovisioned = volumesReprovisioned(backup, volumeClaims);
  const chosen = selectObjects(backup, spec).filter((o) => !(o.kind === "PersistentVolume" && reprovisioned.has(o.metadata!.name!)));
  const ctx: RestoreContext = {
    namespaceMap: spec.namespaceMap ?? {},
    storageClassMap: spec.storageClassMap ?? {},
    restoredVolumes: new Set(chosen.filter((o) => o.kind === "PersistentVolume").map((o) => o.metadata!.name!)),
    stage: spec.stage,
  };
  const items: RestoreItemResult[] = [];
  const record = (r: RestoreItemResult) => {
    items.push(r);
    opts.onItem?.(r);
  };
  const describe = (object: Obj, transforms: string[]) => ({
    apiVersion: object.apiVersion ?? "", kind: object.kind ?? "", namespace: object.metadata?.namespace, name: object.metadata?.name ?? "", transforms,
  });

  // Target namespaces come first, created when missing (a namespace itself is not in the backup).
  const targets = [...new Set(chosen.map((o) => o.metadata?.namespace).filter((n): n is string => Boolean(n)).map((n) => ctx.namespaceMap[n] ?? n))];
  const freshNamespaces = new Set<string>();
  await mapLimit(targets, parallel, async (name) => {
    const base = describe({ apiVersion: "v1", kind: "Namespace", metadata: { name } }, []);
    try {
      await api.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
      freshNamespaces.add(name);
      record({ ...base, action: "created" });
    } catch (err) {
      if ((err as { code?: number }).code === 409) record({ ...base, action: "kept", reason: "the namespace exists" });
      else record({ ...base, action: "failed", reason: apiMessage(err) });
    }
  });

  const prepared = chosen.map((source) => ({ source, ...prepareForRestore(source, ctx) }));
  const byObject = new Map(prepared.map((p) => [p.object, p]));

  // Replace deletes first, workloads before what they use (their pods release claims and secrets),
  // and waits until each object is gone; then everything is created in order as if new.
  const deleted = new Set<Obj>();
  if (spec.existing === "replace") {
    const candidates = prepared.filter((p) => !p.object.metadata?.namespace || !freshNamespaces.has(p.object.metadata.namespace));
    const existing = (await mapLimit(candidates, parallel, async (p) => {
      const live = await api.read(keyOf(p.object)).catch(() => undefined);
      return live && !replaceRefusal(p.source, volumeClaims) ? { ...p, live: live as Obj } : undefined;
    })).filter((p) => p !== undefined);
    const liveOf = new Map(existing.map((e) => [e.object, e.live]));
    for (const group of groupByRank(byRestoreOrder(existing.map((e) => e.object))).reverse()) {
      await mapLimit(group, parallel, async (object) => {
        const live = liveOf.get(object)!;
        try {
          await deleteAndWait(api, keyOf(object), live, timeoutMs);
          deleted.add(object);
        } catch (err) {
          record({ ...describe(object, []), action: "failed", reason: `could not delete the existing object to replace it: ${apiMessage(err)}` });
        }
      });
    }
  }
  const failedEarly = new Set(items.filter((i) => i.action === "failed").map((i) => `${i.kind}/${i.namespace}/${i.name}`));

  const restoreOne = async (object: Obj, applied: string[]): Promise<void> => {
    const base = describe(object, applied);
    if (failedEarly.has(`${base.kind}/${base.namespace}/${base.name}`)) return;
    const held = isWorkloadKind(base.kind) ? opts.holdWorkload?.(object) : undefined;
    if (held) return record({ ...base, action: "failed", reason: `not created: ${held}` });
    try {
      // Create first: most objects are new, and a conflict tells us when one is not.
      try {
        await api.create(object);
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
        const refusal = replaceRefusal(byObject.get(object)!.source, volumeClaims);
        if (base.namespace && freshNamespaces.has(base.namespace)) {
          // The namespace is new, so the cluster made this object with it (its default ServiceAccount): fill in the backup's content.
          await updateInPlace(api, object);
          record({ ...base, action: "replaced", reason: "created by the cluster with the namespace; updated with the backup's content" });
        } else if (!base.namespace) record({ ...base, action: "kept", reason: refusal });
        else if (spec.existing === "update") record({ ...base, ...(await updateIfChanged(api, object)) });
        else if (spec.existing === "keep") record({ ...base, action: "kept", reason: "already exists; kept (existing-objects policy: keep)" });
        else if (spec.existing === "fail") record({ ...base, action: "failed", reason: "already exists (existing-objects policy: fail)" });
        else if (refusal) record({ ...base, action: "kept", reason: refusal });
        else {
          // Recreated by a controller since it was deleted (a namespace's default ServiceAccount), or new since the check.
          await updateInPlace(api, object);
          record({ ...base, action: "replaced" });
        }
        return;
      }
      if (base.kind === "CustomResourceDefinition") {
        // Custom resources of this kind come later; they can only be created once it is Established.
        await waitUntil(`CRD ${base.name} to be Established`, async () => {
          const crd = (await api.read(keyOf(object))) as Obj & { status?: { conditions?: Array<{ type: string; status: string }> } };
          return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;
        }, timeoutMs);
      }
      record({ ...base, action: deleted.has(object) ? "replaced" : "created" });
    } catch (err) {
      record({ ...base, action: "failed", reason: apiMessage(err) });
    }
  };

  // Kinds are applied rank by rank (order.ts); objects of one rank do not depend on each other,
  // so they are applied several at a time.
  let workloadsReached = false;
  for (const group of groupByRank(byRestoreOrder(prepared.map((p) => p.object)))) {
    if (!workloadsReached && isWorkloadKind(group[0]!.kind ?? "")) {
      workloadsReached = true;
      await opts.beforeWorkloads?.(items);
    }
    await mapLimit(group, parallel, (object) => restoreOne(object, byObject.get(object)!.applied));
  }
  if (!workloadsReached) await opts.beforeWorkloads?.(items);
  const counts: Record<RestoreAction, number> = { created: 0, replaced: 0, updated: 0, unchanged: 0, kept: 0, failed: 0 };
  for (const i of items) counts[i.action]++;
  return { items, counts };
}

/** Whether every field of `desired` has the same value in `live` (fields the cluster added are ignored). Pure. */
export function isSubset(desired: unknown, live: unknown): boolean {
  if (desired === null || typeof desired !== "object") return desired === live;
  if (Array.isArray(desired)) return Array.isArray(live) && desired.length === live.length && desired.every((d, i) => isSubset(d, live[i]));
  if (live === null || typeof live !== "object" || Array.isArray(live)) return false;
  return Object.entries(desired).every(([k, v]) => isSubset(v, (live as Record<string, unknown>)[k]));
}

/** Update policy: a merge patch with the backup's content when the live object differs; nothing otherwise. */
async function updateIfChanged(api: KubernetesObjectApi, object: Obj): Promise<{ action: RestoreAction; reason?: string }> {
  const live = (await api.read(keyOf(object))) as Obj;
  const { metadata, ...content } = object;
  const desired = { ...content, metadata: { labels: metadata?.labels, annotations: metadata?.annotations } };
  if (isSubset(JSON.parse(JSON.stringify(desired)), live)) return { action: "unchanged" };
  await api.patch({ ...desired, metadata: { ...desired.metadata, name: metadata?.name, namespace: metadata?.namespace } } as Obj,
    undefined, undefined, "lifeboat", undefined, PatchStrategy.MergePatch);
  return { action: "updated" };
}

async function updateInPlace(api: KubernetesObjectApi, object: Obj): Promise<void> {
  const live = (await api.read(keyOf(object))) as Obj;
  await api.replace({ ...object, metadata: { ...object.metadata, resourceVersion: live.metadata?.resourceVersion } });
}

/** Deletes an object (its dependents first) and waits until it is gone or recreated with a new uid. */
async function deleteAndWait(api: KubernetesObjectApi, key: ObjectKey, live: Obj, timeoutMs: number): Promise<void> {
  const oldUid = live.metadata?.uid;
  await api.delete(key, undefined, undefined, undefined, undefined, "Foreground").catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  await waitUntil(`${refOf(key as Obj)} to be deleted`, async () =>
    api.read(key).then((o) => o.metadata?.uid !== oldUid, (err: unknown) => isNotFound(err)), timeoutMs);
}
