// Each restore transform alone, then the table as a whole.
import { describe, expect, test } from "vitest";
import type { Obj } from "../../main/backup/capture-rules";
import { prepareForRestore, TRANSFORMS, type RestoreContext } from "../../main/restore/transforms";

const ctx: RestoreContext = { namespaceMap: { shop: "shop-dr" }, storageClassMap: { fast: "local-path" }, restoredVolumes: new Set(["pv-kept"]) };
const transform = (name: string) => TRANSFORMS.find((t) => t.name === name)!;
function run(name: string, o: object, c: RestoreContext = ctx): Record<string, unknown> {
  const copy = structuredClone(o) as Obj & { metadata: NonNullable<Obj["metadata"]> };
  copy.metadata ??= {};
  const t = transform(name);
  if (t.appliesTo(copy)) t.apply(copy as never, c);
  return copy as unknown as Record<string, unknown>;
}

describe("restore transforms", () => {
  test("clean metadata and status", () => {
    const out = run("clean metadata and status", {
      kind: "ConfigMap", metadata: { name: "a", namespace: "shop", uid: "u", resourceVersion: "7", generation: 2, creationTimestamp: "t", managedFields: [{}], ownerReferences: [{}], finalizers: ["x"], generateName: "a-", labels: { app: "x" } },
      status: { phase: "Active" },
    });
    expect(out).toEqual({ kind: "ConfigMap", metadata: { name: "a", namespace: "shop", labels: { app: "x" } } });
  });

  test("stage workloads switched off: only when staging, replicas remembered", () => {
    const deploy = { kind: "Deployment", metadata: { name: "web", namespace: "shop" }, spec: { replicas: 3 } };
    expect(run("stage workloads switched off", deploy)).toEqual(deploy);
    expect(run("stage workloads switched off", deploy, { ...ctx, stage: true })).toEqual({
      kind: "Deployment", metadata: { name: "web", namespace: "shop", annotations: { "lifeboat.io/replicas": "3" } }, spec: { replicas: 0 },
    });
    expect((run("stage workloads switched off", { kind: "CronJob", metadata: { name: "c" }, spec: { schedule: "* * * * *" } }, { ...ctx, stage: true }).spec as { suspend: boolean }).suspend).toBe(true);
  });

  test("namespace mapping, and names of unmapped namespaces kept", () => {
    expect((run("namespace mapping", { kind: "Secret", metadata: { name: "s", namespace: "shop" } }).metadata as { namespace: string }).namespace).toBe("shop-dr");
    expect((run("namespace mapping", { kind: "Secret", metadata: { name: "s", namespace: "blog" } }).metadata as { namespace: string }).namespace).toBe("blog");
  });

  test("services: cluster IPs dropped unless headless; only explicit node ports kept", () => {
    const applied = JSON.stringify({ spec: { ports: [{ port: 443, nodePort: 30443 }] } });
    const svc = run("service cluster IPs and node ports", {
      kind: "Service", metadata: { name: "web", annotations: { "kubectl.kubernetes.io/last-applied-configuration": applied } },
      spec: { type: "NodePort", clusterIP: "10.0.0.12", clusterIPs: ["10.0.0.12"], ports: [{ port: 80, nodePort: 31234 }, { port: 443, nodePort: 30443 }] },
    });
    expect(svc.spec).toEqual({ type: "NodePort", ports: [{ port: 80 }, { port: 443, nodePort: 30443 }] });
    const headless = run("service cluster IPs and node ports", { kind: "Service", metadata: { name: "db" }, spec: { clusterIP: "None", clusterIPs: ["None"] } });
    expect(headless.spec).toEqual({ clusterIP: "None", clusterIPs: ["None"] });
  });

  test("a PV is pre-bound to its restored claim by name, in the mapped namespace", () => {
    const pv = run("persistent volume claimRef", { kind: "PersistentVolume", metadata: { name: "pv" }, spec: { claimRef: { kind: "PersistentVolumeClaim", namespace: "shop", name: "data", uid: "old", resourceVersion: "5" } } });
    expect((pv.spec as { claimRef: unknown }).claimRef).toEqual({ apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: "shop-dr", name: "data" });
  });

  test("a PVC loses binding annotations, and its volume unless that volume is restored too", () => {
    const pvc = (volumeName: string) => ({ kind: "PersistentVolumeClaim", metadata: { name: "data", annotations: { "pv.kubernetes.io/bind-completed": "yes", "volume.kubernetes.io/selected-node": "n1", keep: "me" } }, spec: { volumeName } });
    const dropped = run("persistent volume claim binding", pvc("pv-gone"));
    expect(dropped).toMatchObject({ metadata: { annotations: { keep: "me" } }, spec: {} });
    expect((dropped.spec as Record<string, unknown>).volumeName).toBeUndefined();
    expect((run("persistent volume claim binding", pvc("pv-kept")).spec as Record<string, unknown>).volumeName).toBe("pv-kept");
  });

  test("storage classes are mapped on PVs, PVCs and StatefulSet claim templates", () => {
    expect(run("storage class mapping", { kind: "PersistentVolumeClaim", metadata: {}, spec: { storageClassName: "fast" } }).spec).toEqual({ storageClassName: "local-path" });
    expect(run("storage class mapping", { kind: "PersistentVolume", metadata: {}, spec: { storageClassName: "slow" } }).spec).toEqual({ storageClassName: "slow" });
    const sts = run("storage class mapping", { kind: "StatefulSet", metadata: {}, spec: { volumeClaimTemplates: [{ spec: { storageClassName: "fast" } }, { spec: {} }] } });
    expect(sts.spec).toEqual({ volumeClaimTemplates: [{ spec: { storageClassName: "local-path" } }, { spec: {} }] });
  });

  test("service accounts lose references to their old token secrets", () => {
    const sa = run("service account token references", { kind: "ServiceAccount", metadata: { name: "app" }, secrets: [{ name: "app-token-abcde" }, { name: "registry-creds" }] });
    expect(sa.secrets).toEqual([{ name: "registry-creds" }]);
    expect(run("service account token references", { kind: "ServiceAccount", metadata: { name: "app" }, secrets: [{ name: "app-token-x" }] }).secrets).toBeUndefined();
  });

  test("jobs lose their generated selector and controller-uid labels", () => {
    const job = run("job controller uid", {
      kind: "Job", metadata: { name: "migrate", labels: { "controller-uid": "u", team: "a" } },
      spec: { selector: { matchLabels: { "controller-uid": "u" } }, template: { metadata: { labels: { "controller-uid": "u", "batch.kubernetes.io/job-name": "migrate", app: "m" } } } },
    });
    expect(job).toEqual({ kind: "Job", metadata: { name: "migrate", labels: { team: "a" } }, spec: { template: { metadata: { labels: { app: "m" } } } } });
    const manual = run("job controller uid", { kind: "Job", metadata: { name: "j" }, spec: { manualSelector: true, selector: { matchLabels: { a: "b" } }, template: {} } });
    expect((manual.spec as { selector: unknown }).selector).toEqual({ matchLabels: { a: "b" } });
  });

  test("pods lose their node name", () => {
    expect(run("pod node name", { kind: "Pod", metadata: { name: "p" }, spec: { nodeName: "old-node", containers: [] } }).spec).toEqual({ containers: [] });
  });

  test("binding subjects follow the namespace mapping", () => {
    const rb = run("binding subject namespaces", { kind: "ClusterRoleBinding", metadata: { name: "b" }, subjects: [{ kind: "ServiceAccount", name: "app", namespace: "shop" }, { kind: "User", name: "alice" }] });
    expect(rb.subjects).toEqual([{ kind: "ServiceAccount", name: "app", namespace: "shop-dr" }, { kind: "User", name: "alice" }]);
  });
});

test("the table runs on a copy and names the transforms that changed the object", () => {
  const source = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "shop", uid: "x" }, spec: { storageClassName: "fast", volumeName: "pv-gone" }, status: { phase: "Bound" } } as Obj;
  const { object, applied } = prepareForRestore(source, ctx);
  expect(applied).toEqual(["clean metadata and status", "namespace mapping", "persistent volume claim binding", "storage class mapping"]);
  expect(object).toEqual({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "shop-dr" }, spec: { storageClassName: "local-path" } });
  expect(source.metadata?.uid).toBe("x"); // the backup's copy is untouched
});
