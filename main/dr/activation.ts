// Switching an application on or off on one cluster: the failover's "deactivate the source" and
// "activate on the destination" steps. Both are idempotent (a repeated call finds nothing left to
// do), so a failover interrupted by a crash can simply be run again.
import { AppsV1Api, BatchV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig } from "@kubernetes/client-node";
import type { Obj } from "../backup/capture-rules";
import { reuseConnections } from "../clusters/kubeconfig";
import { activationPatch, deactivationPatch, type MergePatch } from "./staging";

export interface SwitchResult {
  kind: string;
  namespace: string;
  name: string;
  changed: boolean;
  detail: string;
}

/** Workloads of the namespaces that staging concerns; ReplicaSets run by a Deployment are the Deployment's business. */
async function workloads(kc: KubeConfig, namespace: string): Promise<Obj[]> {
  const apps = kc.makeApiClient(AppsV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const tag = (kind: string, apiVersion: string) => (items: object[]) => items.map((o) => ({ ...o, kind, apiVersion }) as Obj);
  const [deployments, statefulSets, replicaSets, daemonSets, cronJobs] = await Promise.all([
    apps.listNamespacedDeployment({ namespace }).then((l) => tag("Deployment", "apps/v1")(l.items)),
    apps.listNamespacedStatefulSet({ namespace }).then((l) => tag("StatefulSet", "apps/v1")(l.items)),
    apps.listNamespacedReplicaSet({ namespace }).then((l) => tag("ReplicaSet", "apps/v1")(l.items.filter((rs) => !rs.metadata?.ownerReferences?.length))),
    apps.listNamespacedDaemonSet({ namespace }).then((l) => tag("DaemonSet", "apps/v1")(l.items)),
    batch.listNamespacedCronJob({ namespace }).then((l) => tag("CronJob", "batch/v1")(l.items)),
  ]);
  return [...deployments, ...statefulSets, ...replicaSets, ...daemonSets, ...cronJobs];
}

function describe(kind: string, patch: MergePatch): string {
  const spec = (patch.spec ?? {}) as { replicas?: number; suspend?: boolean };
  if (spec.replicas !== undefined) return `replicas → ${spec.replicas}`;
  if (spec.suspend !== undefined) return spec.suspend ? "suspended" : "resumed";
  return kind === "DaemonSet" ? "node selector switched" : "patched";
}

async function switchAll(kc: KubeConfig, namespaces: string[], patchOf: (o: Obj) => MergePatch | undefined): Promise<SwitchResult[]> {
  reuseConnections(kc);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const results: SwitchResult[] = [];
  for (const namespace of namespaces) {
    for (const o of await workloads(kc, namespace)) {
      const base = { kind: o.kind!, namespace, name: o.metadata!.name! };
      const patch = patchOf(o);
      if (!patch) {
        results.push({ ...base, changed: false, detail: "nothing to do" });
        continue;
      }
      await api.patch({ ...patch, apiVersion: o.apiVersion!, kind: o.kind!, metadata: { ...(patch.metadata as object), name: base.name, namespace } } as Obj,
        undefined, undefined, "lifeboat", undefined, PatchStrategy.MergePatch);
      results.push({ ...base, changed: true, detail: describe(base.kind, patch) });
    }
  }
  return results;
}

/** Turns the application off, remembering how it ran (the source, at failover). */
export const deactivate = (kc: KubeConfig, namespaces: string[]) => switchAll(kc, namespaces, deactivationPatch);

/** Turns on what Lifeboat turned off or staged, as it ran (the destination, at failover). */
export const activate = (kc: KubeConfig, namespaces: string[]) => switchAll(kc, namespaces, activationPatch);
