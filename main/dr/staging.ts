// Staging an application on a DR cluster and switching it on or off: workloads kept at zero
// replicas with their real counts in an annotation, CronJobs suspended with their own setting
// remembered, DaemonSets parked on no node. Only what Lifeboat staged carries the annotations, so
// activation never wakes a workload an admin scaled down on purpose, and deactivation of the source
// records what to bring back at failback. Each change is a small pure function; applying them is
// idempotent (running it twice changes nothing the second time).
import type { Obj } from "../backup/capture-rules";

export const REPLICAS_ANNOTATION = "lifeboat.io/replicas";
export const SUSPEND_ANNOTATION = "lifeboat.io/suspend";
export const NODE_SELECTOR_ANNOTATION = "lifeboat.io/node-selector";
/** A DaemonSet is parked by selecting a node label that no node has. */
export const PARKED_NODE_SELECTOR = { "lifeboat.io/parked": "true" };

const SCALABLE = new Set(["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"]);

type Json = Record<string, unknown>;
/** A merge patch (RFC 7386): null deletes a key. */
export type MergePatch = Json;

const annotations = (o: Obj) => o.metadata?.annotations ?? {};
const podSpec = (o: Obj) => (((o.spec?.template as Json | undefined)?.spec ?? {}) as Json);

/** Whether staging concerns this kind at all. Pure. */
export const isStageable = (o: Obj) => SCALABLE.has(o.kind ?? "") || o.kind === "CronJob" || o.kind === "DaemonSet";

/**
 * The patch that switches a running workload off and remembers how it ran (undefined when there is
 * nothing to do: already off by us, or not a workload). Pure.
 */
export function deactivationPatch(o: Obj): MergePatch | undefined {
  const a = annotations(o);
  if (SCALABLE.has(o.kind ?? "")) {
    if (a[REPLICAS_ANNOTATION] !== undefined) return undefined;
    const replicas = typeof o.spec?.replicas === "number" ? o.spec.replicas : 1;
    return { metadata: { annotations: { [REPLICAS_ANNOTATION]: String(replicas) } }, spec: { replicas: 0 } };
  }
  if (o.kind === "CronJob") {
    if (a[SUSPEND_ANNOTATION] !== undefined) return undefined;
    return { metadata: { annotations: { [SUSPEND_ANNOTATION]: String(o.spec?.suspend === true) } }, spec: { suspend: true } };
  }
  if (o.kind === "DaemonSet") {
    if (a[NODE_SELECTOR_ANNOTATION] !== undefined) return undefined;
    const current = (podSpec(o).nodeSelector ?? null) as Json | null;
    // Merge patches merge maps: the old keys are removed explicitly so only the parking label remains.
    const cleared = Object.fromEntries(Object.keys(current ?? {}).map((k) => [k, null]));
    return {
      metadata: { annotations: { [NODE_SELECTOR_ANNOTATION]: JSON.stringify(current) } },
      spec: { template: { spec: { nodeSelector: { ...cleared, ...PARKED_NODE_SELECTOR } } } },
    };
  }
  return undefined;
}

/** The patch that brings a workload Lifeboat switched off back as it ran (undefined if Lifeboat did not). Pure. */
export function activationPatch(o: Obj): MergePatch | undefined {
  const a = annotations(o);
  if (SCALABLE.has(o.kind ?? "") && a[REPLICAS_ANNOTATION] !== undefined) {
    return { metadata: { annotations: { [REPLICAS_ANNOTATION]: null } }, spec: { replicas: Number(a[REPLICAS_ANNOTATION]) } };
  }
  if (o.kind === "CronJob" && a[SUSPEND_ANNOTATION] !== undefined) {
    return { metadata: { annotations: { [SUSPEND_ANNOTATION]: null } }, spec: { suspend: a[SUSPEND_ANNOTATION] === "true" } };
  }
  if (o.kind === "DaemonSet" && a[NODE_SELECTOR_ANNOTATION] !== undefined) {
    const original = JSON.parse(a[NODE_SELECTOR_ANNOTATION]) as Json | null;
    const parked = Object.fromEntries(Object.keys(PARKED_NODE_SELECTOR).map((k) => [k, null]));
    return {
      metadata: { annotations: { [NODE_SELECTOR_ANNOTATION]: null } },
      spec: { template: { spec: { nodeSelector: original ? { ...parked, ...original } : null } } },
    };
  }
  return undefined;
}

/** A copy of a workload as it is staged on the DR cluster: off, with how it ran remembered. Pure. */
export function stageObject(o: Obj): Obj {
  const patch = deactivationPatch(o);
  return patch ? applyMergePatch(o, patch) : o;
}

/** RFC 7386 merge patch on plain JSON. Pure. */
export function applyMergePatch<T>(target: T, patch: MergePatch): T {
  const out: Json = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Json) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === "object" && !Array.isArray(v)) out[k] = applyMergePatch(out[k], v as Json);
    else out[k] = v;
  }
  return out as T;
}
