// Each capture rule alone: what is left out and why, kind filters, and cluster-scoped dependencies.
import { describe, expect, test } from "vitest";
import { dependenciesOf, exclusionReason, kindSelected, type Obj } from "../../main/backup/capture-rules";

const obj = (kind: string, name: string, extra: Partial<Obj> = {}): Obj => ({ apiVersion: "v1", kind, metadata: { name, namespace: "shop", uid: `uid-${name}` }, ...extra }) as Obj;
const none = () => false;

describe("exclusion rules", () => {
  test("cluster-owned kinds are left out with a reason", () => {
    expect(exclusionReason(obj("Event", "e"), none)).toMatch(/past of this cluster/);
    expect(exclusionReason(obj("EndpointSlice", "s"), none)).toMatch(/recreated/);
    expect(exclusionReason(obj("ConfigMap", "settings"), none)).toBeUndefined();
  });

  test("objects made by a listed controller are left out; orphans and objects of unlisted owners stay", () => {
    const pod = obj("Pod", "web-1", { metadata: { name: "web-1", namespace: "shop", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-abc", uid: "rs-1", controller: true }] } });
    expect(exclusionReason(pod, (o) => o.uid === "rs-1")).toMatch(/created by its ReplicaSet web-abc/);
    expect(exclusionReason(pod, none)).toBeUndefined();
    expect(exclusionReason(obj("Pod", "standalone"), () => true)).toBeUndefined();
  });

  test("Lifeboat's own movers and snapshot clones are left out; an app that merely says managed-by=lifeboat stays", () => {
    const mover = obj("Pod", "lifeboat-mover-data-x", { metadata: { name: "m", namespace: "shop", labels: { "app.kubernetes.io/managed-by": "lifeboat", "lifeboat.io/job": "j1" } } });
    expect(exclusionReason(mover, none)).toMatch(/data mover or snapshot clone/);
    expect(exclusionReason(obj("ConfigMap", "c", { metadata: { name: "c", namespace: "shop", labels: { "app.kubernetes.io/managed-by": "lifeboat" } } }), none)).toBeUndefined();
  });

  test("service account tokens and the cluster CA bundle are left out", () => {
    expect(exclusionReason(obj("Secret", "t", { type: "kubernetes.io/service-account-token" }), none)).toMatch(/issued by the destination/);
    expect(exclusionReason(obj("Secret", "db-password", { type: "Opaque" }), none)).toBeUndefined();
    expect(exclusionReason(obj("ConfigMap", "kube-root-ca.crt"), none)).toMatch(/published into every namespace/);
  });
});

describe("kind filters", () => {
  const pvc = { apiVersion: "v1", kind: "PersistentVolumeClaim" };
  const widget = { apiVersion: "example.com/v1", kind: "Widget" };
  test("include and exclude by kind or kind.group, case-insensitively", () => {
    expect(kindSelected(pvc, ["persistentvolumeclaim", "PersistentVolume"], undefined)).toBe(true);
    expect(kindSelected(widget, ["PersistentVolumeClaim"], undefined)).toBe(false);
    expect(kindSelected(widget, ["Widget.example.com"], undefined)).toBe(true);
    expect(kindSelected(widget, undefined, ["widget"])).toBe(false);
    expect(kindSelected(pvc, [], [])).toBe(true);
  });
});

describe("cluster-scoped dependencies", () => {
  test("PVs and storage classes of PVCs, CRDs of custom resources, cluster RBAC of our service accounts", () => {
    const pvc = obj("PersistentVolumeClaim", "data", { spec: { volumeName: "pv-1", storageClassName: "fast" } });
    const widget = { ...obj("Widget", "w"), apiVersion: "example.com/v1" } as Obj;
    const ours = { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "shop-reader" }, roleRef: { kind: "ClusterRole", name: "reader" }, subjects: [{ kind: "ServiceAccount", name: "app", namespace: "shop" }] } as Obj;
    const theirs = { ...ours, metadata: { name: "other" }, subjects: [{ kind: "ServiceAccount", name: "x", namespace: "elsewhere" }] } as Obj;
    const deps = dependenciesOf([pvc, widget], (ref) => (ref.kind === "Widget" ? "widgets.example.com" : undefined), [ours, theirs], new Set(["shop"]));
    expect(deps.map((d) => `${d.kind}/${d.name}`).sort()).toEqual([
      "ClusterRole/reader", "ClusterRoleBinding/shop-reader", "CustomResourceDefinition/widgets.example.com", "PersistentVolume/pv-1", "StorageClass/fast",
    ]);
    expect(deps.find((d) => d.kind === "PersistentVolume")!.neededBy).toBe("PersistentVolumeClaim shop/data");
  });
});
