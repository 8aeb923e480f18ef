// Capturing an application's resources from a real API server: what is in, what is left out and
// why, the cluster-scoped dependencies pulled in, "PV and PVC only", and label-selected apps.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { captureResources, type Capture } from "../../main/backup/capture";
import { restoreObjects } from "../../main/restore/restore";
import { runBackup } from "../../main/backup/job";
import { listKubernetesBackups, readCatalog, readResources } from "../../main/backup/resources";
import { openLocation } from "../../main/locations";
import { Repository } from "../../main/repo/repository";
import { closeTransferPool } from "../../main/transfer/pool";
import { startMinio } from "../support/objectstores";
import { SelectorError } from "../../main/clusters/label-selector";
import { startCluster, type TestCluster } from "../support/cluster";
import { waitFor } from "../support/proc";

let cluster: TestCluster;
const apply = (objects: object[]) => cluster.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
const names = (c: Capture) => c.objects.map((o) => `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`).sort();

beforeAll(async () => {
  cluster = await startCluster({ name: "capture" });
  cluster.kubectl(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widgets.example.com" },
    spec: { group: "example.com", scope: "Namespaced", names: { plural: "widgets", singular: "widget", kind: "Widget" },
      versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
  }));
  cluster.kubectl(["wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s"]);
  cluster.kubectl(["create", "namespace", "shop"]);
  await waitFor("the default service account", () => cluster.kubectl(["get", "sa", "default", "-n", "shop", "-o", "name"]).includes("default"));
  apply([
    { apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "manual" }, provisioner: "kubernetes.io/no-provisioner", volumeBindingMode: "Immediate" },
    { apiVersion: "v1", kind: "PersistentVolume", metadata: { name: "pv-shop" }, spec: { capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], storageClassName: "manual", hostPath: { path: "/tmp/pv-shop" } } },
    { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { namespace: "shop", name: "data" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: "manual", resources: { requests: { storage: "1Gi" } } } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { namespace: "shop", name: "web", labels: { app: "web" } },
      spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "lifeboat.test/busybox:1.35" }] } } } },
    { apiVersion: "v1", kind: "Service", metadata: { namespace: "shop", name: "web", labels: { app: "web" } }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "shop", name: "settings" }, data: { mode: "prod" } },
    { apiVersion: "v1", kind: "Secret", metadata: { namespace: "shop", name: "db" }, type: "Opaque", stringData: { password: "s3cret" } },
    { apiVersion: "v1", kind: "Secret", metadata: { namespace: "shop", name: "legacy-token", annotations: { "kubernetes.io/service-account.name": "default" } }, type: "kubernetes.io/service-account-token" },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { namespace: "shop", name: "app" } },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "reader" }, rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }] },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "shop-reader" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "reader" }, subjects: [{ kind: "ServiceAccount", name: "app", namespace: "shop" }] },
    { apiVersion: "example.com/v1", kind: "Widget", metadata: { namespace: "shop", name: "w1", labels: { app: "web" } }, spec: { size: 3 } },
  ]);
  // The controllers make what a real cluster makes: ReplicaSet and Pods, EndpointSlices, a bound PVC.
  await waitFor("the Deployment's pods", () => cluster.kubectl(["get", "pods", "-n", "shop", "-o", "name"]).trim().split("\n").filter(Boolean).length === 2, { timeoutMs: 60_000 });
  await waitFor("the PVC to bind", () => cluster.kubectl(["get", "pvc", "data", "-n", "shop", "-o", "jsonpath={.status.phase}"]) === "Bound", { timeoutMs: 60_000 });
});

afterAll(async () => {
  await cluster?.stop();
});

test("a namespace: every kind the app owns, without what the cluster recreates, with its cluster-scoped dependencies", async () => {
  const capture = await captureResources(cluster.kubeConfig(), { namespaces: ["shop"] });
  expect(names(capture)).toEqual(expect.arrayContaining([
    "ConfigMap/shop/settings", "Deployment/shop/web", "PersistentVolumeClaim/shop/data", "Secret/shop/db", "Service/shop/web",
    "ServiceAccount/shop/app", "ServiceAccount/shop/default", "Widget/shop/w1",
    "PersistentVolume/pv-shop", "StorageClass/manual", "CustomResourceDefinition/widgets.example.com", "ClusterRoleBinding/shop-reader", "ClusterRole/reader",
  ]));
  expect(names(capture).filter((n) => /^(Pod|ReplicaSet|Event|Endpoints|EndpointSlice)\//.test(n))).toEqual([]);
  expect(names(capture)).not.toContain("Secret/shop/legacy-token");
  expect(names(capture)).not.toContain("ConfigMap/shop/kube-root-ca.crt");
  const why = (kind: string) => capture.excluded.find((e) => e.kind === kind)?.reason;
  expect(why("ReplicaSet")).toMatch(/created by its Deployment web/);
  expect(why("Pod")).toMatch(/created by its ReplicaSet web-/);
  expect(why("EndpointSlice")).toMatch(/recreated by the cluster/);
  expect(why("Secret")).toMatch(/service account tokens/);
  // Every object carries apiVersion and kind, and the catalog lists each with its size.
  expect(capture.objects.every((o) => o.apiVersion && o.kind)).toBe(true);
  expect(capture.catalog.find((c) => c.kind === "Widget")).toMatchObject({ apiVersion: "example.com/v1", namespace: "shop", name: "w1", labels: { app: "web" } });
  expect(capture.catalog.every((c) => c.size > 0)).toBe(true);
  expect(capture.skippedKinds).toEqual([]);
});

test("PV and PVC only", async () => {
  const capture = await captureResources(cluster.kubeConfig(), { namespaces: ["shop"], includeKinds: ["PersistentVolumeClaim", "PersistentVolume"] });
  expect(names(capture)).toEqual(["PersistentVolume/pv-shop", "PersistentVolumeClaim/shop/data"]);
});

test("a label-selected app, and kinds excluded by name or kind.group", async () => {
  const app = await captureResources(cluster.kubeConfig(), { namespaces: ["shop"], labelSelector: "app=web", excludeKinds: ["Widget.example.com"], clusterDependencies: false });
  expect(names(app)).toEqual(["Deployment/shop/web", "Service/shop/web"]);
});

test("an invalid selector and an unknown namespace fail before anything is listed", async () => {
  await expect(captureResources(cluster.kubeConfig(), { namespaces: ["shop"], labelSelector: "app==" + "x".repeat(70) })).rejects.toBeInstanceOf(SelectorError);
  await expect(captureResources(cluster.kubeConfig(), { namespaces: ["shop", "nope"] })).rejects.toThrow(/unknown namespace nope/);
});

test("a resource backup to MinIO is found and read back by a fresh install that adds the same location", async () => {
  const minio = await startMinio();
  try {
    const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
    await s3.send(new CreateBucketCommand({ Bucket: "backups" }));
    s3.destroy();
    const config = { kind: "s3" as const, endpoint: minio.endpoint, region: minio.region, bucket: "backups", accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey };
    const repo = await Repository.init(openLocation(config), "pw", { kdf: { N: 1024, r: 8, p: 1 } });
    const { snapshot, capture } = await runBackup(repo, cluster.kubeConfig(), { name: "shop-nightly", cluster: "capture", spec: { namespaces: ["shop"] }, volumes: false });
    expect(snapshot.streams.map((s) => s.name)).toEqual(["kubernetes/resources.jsonl", "kubernetes/catalog.json"]);

    // A fresh engine: nothing but the location's settings and the password.
    const fresh = await Repository.open(openLocation(config), "pw");
    const [found] = await listKubernetesBackups(fresh);
    expect(found).toMatchObject({ id: snapshot.id, meta: { name: "shop-nightly", cluster: { name: "capture" }, spec: { namespaces: ["shop"] } } });
    expect(found!.meta.excluded.some((e) => e.kind === "Pod")).toBe(true);
    expect(await readCatalog(fresh, found!)).toEqual(capture.catalog);
    const objects = await readResources(fresh, found!);
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual(capture.objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort());
    expect(objects.find((o) => o.kind === "Secret" && o.metadata?.name === "db")).toMatchObject({ data: { password: Buffer.from("s3cret").toString("base64") } });
  } finally {
    await closeTransferPool();
    await minio.destroy();
  }
});

describe("restore", () => {
  const get = (args: string[]) => cluster.kubectl(["get", ...args]);

  test("to a new namespace: every object created, mapped and transformed; cluster-scoped ones kept", async () => {
    const backup = (await captureResources(cluster.kubeConfig(), { namespaces: ["shop"] })).objects;
    const result = await restoreObjects(cluster.kubeConfig(), backup, { existing: "keep", namespaceMap: { shop: "shop-copy" } });
    expect(result.counts.failed, JSON.stringify(result.items.filter((i) => i.action === "failed"))).toBe(0);
    const action = (ref: string) => result.items.find((i) => `${i.kind}/${i.namespace ? `${i.namespace}/` : ""}${i.name}` === ref)?.action;
    expect(action("Namespace/shop-copy")).toBe("created");
    for (const ref of ["ConfigMap/shop-copy/settings", "Secret/shop-copy/db", "Service/shop-copy/web", "Deployment/shop-copy/web", "Widget/shop-copy/w1", "ServiceAccount/shop-copy/app", "PersistentVolumeClaim/shop-copy/data"]) {
      expect(action(ref), ref).toBe("created");
    }
    for (const ref of ["PersistentVolume/pv-shop", "StorageClass/manual", "CustomResourceDefinition/widgets.example.com"]) expect(action(ref), ref).toBe("kept");
    // Objects are ordered: storage and configuration before the workloads that use them.
    const order = result.items.map((i) => i.kind);
    expect(order.indexOf("PersistentVolumeClaim")).toBeLessThan(order.indexOf("Deployment"));
    expect(order.indexOf("Secret")).toBeLessThan(order.indexOf("Deployment"));
    // The Service got a fresh cluster IP; the secret's data came back.
    expect(get(["svc", "web", "-n", "shop-copy", "-o", "jsonpath={.spec.clusterIP}"])).not.toBe(get(["svc", "web", "-n", "shop", "-o", "jsonpath={.spec.clusterIP}"]));
    expect(Buffer.from(get(["secret", "db", "-n", "shop-copy", "-o", "jsonpath={.data.password}"]), "base64").toString()).toBe("s3cret");
    expect(result.items.find((i) => i.kind === "Service")!.transforms).toContain("service cluster IPs and node ports");
  });

  test("to the same namespace with replace: changed objects are put back; volumes and CRDs are never deleted", async () => {
    const backup = (await captureResources(cluster.kubeConfig(), { namespaces: ["shop"] })).objects;
    cluster.kubectl(["patch", "configmap", "settings", "-n", "shop", "--type=merge", "-p", '{"data":{"mode":"dev"}}']);
    const result = await restoreObjects(cluster.kubeConfig(), backup, { existing: "replace" });
    expect(result.items.find((i) => i.kind === "ConfigMap" && i.name === "settings")!.action).toBe("replaced");
    expect(get(["configmap", "settings", "-n", "shop", "-o", "jsonpath={.data.mode}"])).toBe("prod");
    expect(result.items.find((i) => i.kind === "PersistentVolume")).toMatchObject({ action: "kept", reason: expect.stringMatching(/data would be lost/) });
    expect(result.items.find((i) => i.kind === "CustomResourceDefinition")).toMatchObject({ action: "kept", reason: expect.stringMatching(/every resource of the kind/) });
    expect(result.counts.failed, JSON.stringify(result.items.filter((i) => i.action === "failed"))).toBe(0);
  });

  test("the fail policy reports each existing object; a partial restore touches only what was chosen", async () => {
    const backup = (await captureResources(cluster.kubeConfig(), { namespaces: ["shop"] })).objects;
    const failing = await restoreObjects(cluster.kubeConfig(), backup, { existing: "fail", objects: ["ConfigMap/shop/settings"] });
    expect(failing.items).toEqual([
      expect.objectContaining({ kind: "Namespace", name: "shop", action: "kept", reason: "the namespace exists" }),
      expect.objectContaining({ kind: "ConfigMap", name: "settings", action: "failed", reason: "already exists (existing-objects policy: fail)" }),
    ]);
    const partial = await restoreObjects(cluster.kubeConfig(), backup, { existing: "keep", objects: ["ConfigMap/shop/settings"], namespaceMap: { shop: "shop-partial" } });
    expect(partial.items.map((i) => `${i.action} ${i.kind}/${i.name}`)).toEqual(["created Namespace/shop-partial", "created ConfigMap/settings"]);
    expect(get(["all,configmaps,secrets", "-n", "shop-partial", "-o", "name"]).split("\n").filter((l) => l && !l.includes("kube-root-ca"))).toEqual(["configmap/settings"]);
  });
});
