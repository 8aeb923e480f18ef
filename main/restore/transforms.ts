// The changes an object needs before it is applied to a cluster, as small pure functions in one
// table (Velero calls them restore item actions). Each is tested alone; `prepareForRestore` runs
// the table on a copy of the object, in order.
import type { Obj } from "../backup/capture-rules";
import { isStageable, stageObject } from "../dr/staging";

export interface RestoreContext {
  /** Source namespace → target namespace. */
  namespaceMap: Record<string, string>;
  /** Source storage class → target storage class. */
  storageClassMap: Record<string, string>;
  /** Names of the PersistentVolumes restored with this restore (their PVCs keep binding to them). */
  restoredVolumes: Set<string>;
  /** Staged for disaster recovery: workloads arrive switched off, ready to be activated. */
  stage?: boolean;
}

type Json = Record<string, unknown>;
type Item = Obj & { spec?: Json; metadata: NonNullable<Obj["metadata"]> };

export interface Transform {
  name: string;
  appliesTo(obj: Obj): boolean;
  apply(obj: Item, ctx: RestoreContext): void;
}

const mapNs = (ctx: RestoreContext, ns: string | undefined) => (ns ? (ctx.namespaceMap[ns] ?? ns) : ns);
const mapClass = (ctx: RestoreContext, sc: unknown) => (typeof sc === "string" ? (ctx.storageClassMap[sc] ?? sc) : sc);
const obj = (v: unknown): Json => (v && typeof v === "object" ? (v as Json) : {});
/** The object as plain JSON, for fields the typed view does not name (status, secrets). */
const raw = (o: Item): Json => o as unknown as Json;

/** Annotations the API server or controllers set, meaningless (or harmful) on another object. */
const PVC_BINDING_ANNOTATIONS = [
  "pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller", "volume.kubernetes.io/selected-node",
  "volume.beta.kubernetes.io/storage-provisioner", "volume.kubernetes.io/storage-provisioner",
];
const JOB_CONTROLLER_LABELS = ["controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"];

export const TRANSFORMS: Transform[] = [
  {
    // Identity and history belong to the object in its old cluster; owners are recreated there too.
    name: "clean metadata and status",
    appliesTo: () => true,
    apply(o) {
      const m = o.metadata as Json;
      for (const k of ["uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink", "ownerReferences", "finalizers"]) delete m[k];
      if (o.metadata.name) delete m.generateName;
      delete raw(o).status;
    },
  },
  {
    name: "namespace mapping",
    appliesTo: (o) => Boolean(o.metadata?.namespace),
    apply(o, ctx) {
      o.metadata.namespace = mapNs(ctx, o.metadata.namespace);
    },
  },
  {
    // A ClusterIP is allocated by the destination; a headless Service ("None") keeps its meaning.
    // NodePorts are kept only when they were chosen explicitly (in the last applied configuration),
    // else an auto-assigned port would collide on re-migration (stork#285).
    name: "service cluster IPs and node ports",
    appliesTo: (o) => o.kind === "Service",
    apply(o) {
      const spec = o.spec ?? {};
      if (spec.clusterIP !== "None") {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      const applied = o.metadata.annotations?.["kubectl.kubernetes.io/last-applied-configuration"] ?? "";
      for (const port of (spec.ports as Json[] | undefined) ?? []) {
        if (port.nodePort !== undefined && !applied.includes(`"nodePort":${String(port.nodePort)}`)) delete port.nodePort;
      }
      if (spec.healthCheckNodePort !== undefined && !applied.includes(`"healthCheckNodePort":${String(spec.healthCheckNodePort)}`)) delete spec.healthCheckNodePort;
    },
  },
  {
    // A restored PV is pre-bound to its restored claim by name (uid and version dropped), so no
    // other claim can take it; a PV is never bound to a claim that is not part of this restore.
    name: "persistent volume claimRef",
    appliesTo: (o) => o.kind === "PersistentVolume",
    apply(o, ctx) {
      const ref = obj(o.spec?.claimRef);
      if (!ref.name) return;
      o.spec!.claimRef = { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: mapNs(ctx, ref.namespace as string), name: ref.name };
    },
  },
  {
    name: "persistent volume claim binding",
    appliesTo: (o) => o.kind === "PersistentVolumeClaim",
    apply(o, ctx) {
      for (const a of PVC_BINDING_ANNOTATIONS) delete o.metadata.annotations?.[a];
      // Keep the volume only when it is restored too; otherwise the claim is provisioned afresh.
      if (typeof o.spec?.volumeName === "string" && !ctx.restoredVolumes.has(o.spec.volumeName)) delete o.spec.volumeName;
    },
  },
  {
    name: "storage class mapping",
    appliesTo: (o) => ["PersistentVolume", "PersistentVolumeClaim", "StatefulSet"].includes(o.kind ?? ""),
    apply(o, ctx) {
      if (o.kind === "StatefulSet") {
        for (const t of (o.spec?.volumeClaimTemplates as Json[] | undefined) ?? []) {
          const spec = obj(t.spec);
          if (spec.storageClassName !== undefined) spec.storageClassName = mapClass(ctx, spec.storageClassName);
        }
      } else if (o.spec?.storageClassName !== undefined) {
        o.spec.storageClassName = mapClass(ctx, o.spec.storageClassName);
      }
    },
  },
  {
    // Token secrets are issued by the destination cluster; references to the old ones would dangle.
    name: "service account token references",
    appliesTo: (o) => o.kind === "ServiceAccount",
    apply(o) {
      const secrets = raw(o).secrets as Array<{ name?: string }> | undefined;
      if (!secrets) return;
      const kept = secrets.filter((s) => !s.name?.startsWith(`${o.metadata.name}-token-`));
      if (kept.length) raw(o).secrets = kept;
      else delete raw(o).secrets;
    },
  },
  {
    // A Job's selector and labels name its old uid; the destination generates new ones.
    name: "job controller uid",
    appliesTo: (o) => o.kind === "Job",
    apply(o) {
      const spec = o.spec ?? {};
      if (!spec.manualSelector) delete spec.selector;
      const templateLabels = obj(obj(obj(spec.template).metadata).labels);
      for (const l of JOB_CONTROLLER_LABELS) {
        delete templateLabels[l];
        delete o.metadata.labels?.[l];
      }
    },
  },
  {
    name: "pod node name",
    appliesTo: (o) => o.kind === "Pod",
    apply(o) {
      delete o.spec?.nodeName;
    },
  },
  {
    name: "binding subject namespaces",
    appliesTo: (o) => o.kind === "RoleBinding" || o.kind === "ClusterRoleBinding",
    apply(o, ctx) {
      for (const s of o.subjects ?? []) if (s.kind === "ServiceAccount" && s.namespace) s.namespace = mapNs(ctx, s.namespace);
    },
  },
  {
    // On a DR cluster the application waits switched off; activation (dr/activation.ts) brings it up as it ran.
    name: "stage workloads switched off",
    appliesTo: isStageable,
    apply(o, ctx) {
      if (!ctx.stage) return;
      const staged = stageObject(o);
      o.metadata = staged.metadata as Item["metadata"];
      o.spec = staged.spec;
    },
  },
];

/** A copy of `source` ready to apply, and the names of the transforms that changed it. */
export function prepareForRestore(source: Obj, ctx: RestoreContext): { object: Obj; applied: string[] } {
  const item = structuredClone(source) as Item;
  item.metadata ??= {};
  const applied: string[] = [];
  for (const t of TRANSFORMS) {
    if (!t.appliesTo(item)) continue;
    const before = JSON.stringify(item);
    t.apply(item, ctx);
    if (JSON.stringify(item) !== before) applied.push(t.name);
  }
  return { object: item, applied };
}
