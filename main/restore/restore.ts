// Applying a backup's objects to a cluster: choose (partial restore), map, transform, order, then
// create each object under the existing-objects policy. Every object gets a result — created,
// replaced, kept or failed — with the reason, so a restore never "succeeds" having done nothing
// silently (stork#1509) and a partial failure always says what and why (velero#4223).
import { KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { kindSelected, type Obj } from "../backup/capture-rules";
import { reuseConnections } from "../clusters/kubeconfig";
import { mapLimit } from "../repo/concurrency";
import { byRestoreOrder, groupByRank } from "./order";
import { prepareForRestore, type RestoreContext } from "./transforms";

export type ExistingPolicy = "replace" | "keep" | "fail";

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
}

export type RestoreAction = "created" | "replaced" | "kept" | "failed";

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

/**
 * Replace = delete, wait until the object is gone (or was already recreated by a controller, as
 * the default ServiceAccount is, which shows as a new uid), then create. If a controller recreated
 * it in between, the restored content is written over that object instead.
 */
type ObjectKey = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

async function replaceObject(api: KubernetesObjectApi, key: ObjectKey, live: Obj, object: Obj, timeoutMs: number): Promise<void> {
  const oldUid = live.metadata?.uid;
  await api.delete(key, undefined, undefined, undefined, undefined, "Background");
  await waitUntil(`${refOf(key as Obj)} to be deleted`, async () =>
    api.read(key).then((o) => o.metadata?.uid !== oldUid, (err: unknown) => isNotFound(err)), timeoutMs);
  try {
    await api.create(object);
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    const current = await api.read(key);
    await api.replace({ ...object, metadata: { ...object.metadata, resourceVersion: current.metadata?.resourceVersion } });
  }
}

export async function restoreObjects(kc: KubeConfig, backup: Obj[], spec: RestoreSpec, opts: { timeoutMs?: number; parallel?: number; onItem?: (r: RestoreItemResult) => void } = {}): Promise<RestoreResult> {
  reuseConnections(kc);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const chosen = selectObjects(backup, spec);
  const ctx: RestoreContext = {
    namespaceMap: spec.namespaceMap ?? {},
    storageClassMap: spec.storageClassMap ?? {},
    restoredVolumes: new Set(chosen.filter((o) => o.kind === "PersistentVolume").map((o) => o.metadata!.name!)),
  };
  // Target namespaces come first, created when missing (a namespace itself is not in the backup).
  const targets = [...new Set(chosen.map((o) => o.metadata?.namespace).filter((n): n is string => Boolean(n)).map((n) => ctx.namespaceMap[n] ?? n))];
  const namespaces: Obj[] = targets.map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }));

  const items: RestoreItemResult[] = [];
  const record = (r: RestoreItemResult) => {
    items.push(r);
    opts.onItem?.(r);
  };

  const restoreOne = async (source: Obj): Promise<void> => {
    const { object, applied } = source.kind === "Namespace" ? { object: source, applied: [] } : prepareForRestore(source, ctx);
    const base = { apiVersion: object.apiVersion ?? "", kind: object.kind ?? "", namespace: object.metadata?.namespace, name: object.metadata?.name ?? "", transforms: applied };
    const key: ObjectKey = { apiVersion: base.apiVersion, kind: base.kind, metadata: { name: base.name, namespace: base.namespace } };
    try {
      // Create first: most objects are new, and a conflict tells us when one is not.
      try {
        await api.create(object);
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
        const live = (await api.read(key)) as Obj;
        if (namespaces.includes(source)) {
          record({ ...base, action: "kept", reason: "the namespace exists" });
          return;
        }
        if (spec.existing === "keep") {
          record({ ...base, action: "kept", reason: "already exists; kept (existing-objects policy: keep)" });
          return;
        }
        if (spec.existing === "fail") {
          record({ ...base, action: "failed", reason: "already exists (existing-objects policy: fail)" });
          return;
        }
        const never = NEVER_REPLACED[base.kind];
        if (never) {
          record({ ...base, action: "kept", reason: never });
          return;
        }
        await replaceObject(api, key, live, object, timeoutMs);
        record({ ...base, action: "replaced" });
        return;
      }
      if (base.kind === "CustomResourceDefinition") {
        // Custom resources of this kind come later; they can only be created once it is Established.
        await waitUntil(`CRD ${base.name} to be Established`, async () => {
          const crd = (await api.read(key)) as Obj & { status?: { conditions?: Array<{ type: string; status: string }> } };
          return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;
        }, timeoutMs);
      }
      record({ ...base, action: "created" });
    } catch (err) {
      record({ ...base, action: "failed", reason: apiMessage(err) });
    }
  };

  // Kinds are applied rank by rank (order.ts); objects of one rank do not depend on each other,
  // so they are applied several at a time.
  for (const group of [namespaces, ...groupByRank(byRestoreOrder(chosen))]) {
    await mapLimit(group, opts.parallel ?? 16, restoreOne);
  }
  const counts: Record<RestoreAction, number> = { created: 0, replaced: 0, kept: 0, failed: 0 };
  for (const i of items) counts[i.action]++;
  return { items, counts };
}
