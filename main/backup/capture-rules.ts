// What a backup leaves out, as one table of small pure rules (each tested alone), and which
// cluster-scoped objects an application depends on. Every exclusion has a reason the backup's
// report shows, so "why is X not in my backup?" always has an answer.
import type { KubernetesObject } from "@kubernetes/client-node";

export interface KindRef {
  apiVersion: string;
  kind: string;
}

export interface OwnerRef extends KindRef {
  uid: string;
}

export type Obj = KubernetesObject & { spec?: Record<string, unknown>; type?: string; subjects?: Array<{ kind?: string; name?: string; namespace?: string }>; roleRef?: { kind?: string; name?: string } };

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0]! : "");

/** Kinds never captured: recreated by the cluster itself, or meaningless elsewhere. */
const NEVER: Record<string, string> = {
  "Event": "events describe the past of this cluster",
  "Endpoints": "recreated by the cluster from Services",
  "EndpointSlice": "recreated by the cluster from Services",
  "Lease": "leader-election and heartbeat state of this cluster",
  "Node": "nodes belong to the cluster, not the application",
  "CSINode": "nodes belong to the cluster, not the application",
  "VolumeAttachment": "attachments are made by the destination cluster",
  "ComponentStatus": "cluster health, not application state",
};

export interface ExclusionRule {
  name: string;
  /** The reason to exclude, or undefined to keep. `listed` tells whether an owner was listed in scope. */
  test(obj: Obj, listed: (owner: OwnerRef) => boolean): string | undefined;
}

export const EXCLUSION_RULES: ExclusionRule[] = [
  {
    name: "cluster-owned kinds",
    test: (o) => NEVER[o.kind ?? ""],
  },
  {
    // Pods of a ReplicaSet of a Deployment, Jobs of a CronJob, ControllerRevisions of a StatefulSet:
    // restoring the owner recreates them; restoring them too would duplicate them. Judged by the
    // owner being listed in scope, so chains work and an object whose owner was filtered out stays.
    name: "owned by a captured controller",
    test: (o, listed) => {
      const owner = o.metadata?.ownerReferences?.find((r) => r.controller);
      return owner && listed({ apiVersion: owner.apiVersion, kind: owner.kind, uid: owner.uid }) ? `created by its ${owner.kind} ${owner.name}, which is in the backup` : undefined;
    },
  },
  {
    name: "service account tokens",
    test: (o) => (o.kind === "Secret" && o.type === "kubernetes.io/service-account-token" ? "service account tokens are issued by the destination cluster" : undefined),
  },
  {
    // Mover pods, VolumeSnapshots and their clone claims of a backup running now or killed earlier.
    name: "Lifeboat's own working objects",
    test: (o) => (o.metadata?.labels?.["app.kubernetes.io/managed-by"] === "lifeboat" && o.metadata.labels["lifeboat.io/job"] ? "a data mover or snapshot clone of a Lifeboat job, not part of the application" : undefined),
  },
  {
    name: "cluster CA bundle",
    test: (o) => (o.kind === "ConfigMap" && o.metadata?.name === "kube-root-ca.crt" ? "published into every namespace by the cluster itself" : undefined),
  },
];

export function exclusionReason(obj: Obj, listed: (owner: OwnerRef) => boolean): string | undefined {
  for (const rule of EXCLUSION_RULES) {
    const reason = rule.test(obj, listed);
    if (reason) return reason;
  }
  return undefined;
}

/** Kind filter: `include` (when given) and `exclude` match a kind name or "kind.group" (e.g. "Widget.example.com"). */
export function kindSelected(kind: KindRef, include: string[] | undefined, exclude: string[] | undefined): boolean {
  const names = [kind.kind.toLowerCase(), `${kind.kind}.${groupOf(kind.apiVersion)}`.toLowerCase().replace(/\.$/, "")];
  const hit = (list: string[]) => list.some((k) => names.includes(k.toLowerCase()));
  if (include?.length && !hit(include)) return false;
  return !(exclude?.length && hit(exclude));
}

export interface Dependency {
  apiVersion: string;
  kind: string;
  name: string;
  /** Which captured object needs it. */
  neededBy: string;
}

const describe = (o: Obj) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;

/**
 * Cluster-scoped objects the captured ones need: the PV of a bound PVC, storage classes, the CRD
 * of a custom resource, and ClusterRoles/ClusterRoleBindings that grant captured namespaces'
 * service accounts. `crdOf` maps a custom resource kind to its CRD's name, when it is one.
 */
export function dependenciesOf(objects: Obj[], crdOf: (ref: KindRef) => string | undefined, clusterRoleBindings: Obj[], namespaces: Set<string>): Dependency[] {
  const deps = new Map<string, Dependency>();
  const add = (d: Dependency) => deps.set(`${d.kind}/${d.name}`, deps.get(`${d.kind}/${d.name}`) ?? d);
  for (const o of objects) {
    const spec = o.spec ?? {};
    if (o.kind === "PersistentVolumeClaim") {
      if (typeof spec.volumeName === "string" && spec.volumeName) add({ apiVersion: "v1", kind: "PersistentVolume", name: spec.volumeName, neededBy: describe(o) });
      if (typeof spec.storageClassName === "string" && spec.storageClassName) add({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", name: spec.storageClassName, neededBy: describe(o) });
    }
    if (o.kind === "PersistentVolume" && typeof spec.storageClassName === "string" && spec.storageClassName) {
      add({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", name: spec.storageClassName, neededBy: describe(o) });
    }
    const crd = crdOf({ apiVersion: o.apiVersion ?? "", kind: o.kind ?? "" });
    if (crd) add({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: crd, neededBy: describe(o) });
  }
  for (const crb of clusterRoleBindings) {
    const grantsOurs = (crb.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.namespace && namespaces.has(s.namespace));
    if (!grantsOurs) continue;
    add({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", name: crb.metadata!.name!, neededBy: "service accounts of the captured namespaces" });
    if (crb.roleRef?.kind === "ClusterRole" && crb.roleRef.name) {
      add({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", name: crb.roleRef.name, neededBy: `ClusterRoleBinding ${crb.metadata!.name}` });
    }
  }
  return [...deps.values()];
}
