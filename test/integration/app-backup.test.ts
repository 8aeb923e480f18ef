// The seed's Tables 2 and 3 on real clusters, with PostgreSQL in place of MongoDB: a database of
// 26,000 records on a local-path volume, backed up to MinIO and to Azurite (resources and volume
// data through mover pods), with app-aware rules, incrementally, resource-only, and restored to
// the same namespace, a new namespace and the other cluster, each restore checked by its objects
// and its record count. Then a restore killed midway and run again, and bad input.
import { spawn } from "node:child_process";
import { rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { BlobServiceClient } from "@azure/storage-blob";
import { AppsV1Api, CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { runBackup, type BackupOutcome } from "../../main/backup/job";
import { findKubernetesBackup, listKubernetesBackups, readCatalog } from "../../main/backup/resources";
import { loadKubeconfig } from "../../main/clusters/kubeconfig";
import { SelectorError } from "../../main/clusters/label-selector";
import { openLocation, type LocationConfig } from "../../main/locations";
import { Repository } from "../../main/repo/repository";
import { runRestore, type RestoreOutcome } from "../../main/restore/job";
import { ruleTemplate } from "../../main/rules";
import { closeTransferPool } from "../../main/transfer/pool";
import { MOVER_SELECTOR } from "../../main/volumes/mover";
import { IMAGE_NAMES } from "../../scripts/testenv/pins";
import { postgresStatefulSet } from "../support/apps";
import { startCluster, type TestCluster } from "../support/cluster";
import { execOk, waitForReadyPods } from "../support/kube";
import { startAzurite, startMinio, type AzuriteServer, type MinioServer } from "../support/objectstores";
import { waitFor } from "../support/proc";

const FAST_KDF = { N: 1024, r: 8, p: 1 };
const PASSWORD = "tables 2 and 3";
const MOVER = IMAGE_NAMES.busybox;
const RECORDS = 26_000;

let src: TestCluster;
let dst: TestCluster;
let minio: MinioServer;
let azurite: AzuriteServer;
let s3Config: LocationConfig;
let azureConfig: LocationConfig;
let s3Repo: Repository;
let azRepo: Repository;
const scratch = mkdtempSync(join(tmpdir(), "lifeboat-app-backup-"));

const psql = (kc: KubeConfig, namespace: string, sql: string) =>
  execOk(kc, namespace, "db-0", "postgres", ["psql", "-U", "postgres", "-d", "shop", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]).then((out) => out.trim());
const records = (c: TestCluster, namespace: string) => psql(c.kubeConfig(), namespace, "SELECT count(*) FROM orders").then(Number);

async function newS3Bucket(name: string): Promise<LocationConfig> {
  const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  s3.destroy();
  return { kind: "s3", endpoint: minio.endpoint, region: minio.region, bucket: name, accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey, prefix: "lifeboat" } as LocationConfig;
}

const failures = (o: RestoreOutcome) => JSON.stringify({ failed: o.items.filter((i) => i.action === "failed"), volumes: o.volumes.filter((v) => !v.ok), workloads: o.workloads.filter((w) => !w.ready) });
const moversIn = async (c: TestCluster, namespace: string) => (await c.kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: MOVER_SELECTOR })).items.length;

beforeAll(async () => {
  [src, dst, minio, azurite] = await Promise.all([
    startCluster({ name: "app-src", node: true, images: ["postgres"] }),
    startCluster({ name: "app-dst", node: true, images: ["postgres"] }),
    startMinio(),
    startAzurite(),
  ]);
  s3Config = await newS3Bucket("tables");
  const container = "tables";
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container).create();
  azureConfig = { kind: "azure", container, auth: { type: "connection-string", connectionString: azurite.connectionString } } as LocationConfig;
  s3Repo = await Repository.init(openLocation(s3Config), PASSWORD, { kdf: FAST_KDF });
  azRepo = await Repository.init(openLocation(azureConfig), PASSWORD, { kdf: FAST_KDF });

  const kc = src.kubeConfig();
  src.kubectl(["create", "namespace", "shop"]);
  src.kubectl(["create", "secret", "generic", "db-auth", "-n", "shop", "--from-literal=password=lifeboat"]);
  src.kubectl(["create", "configmap", "settings", "-n", "shop", "--from-literal=mode=prod"]);
  src.kubectl(["create", "service", "clusterip", "db", "-n", "shop", "--tcp=5432:5432"]);
  await waitFor("the default service account", () => src.kubectl(["get", "sa", "default", "-n", "shop", "-o", "name"]).includes("default"));
  await kc.makeApiClient(AppsV1Api).createNamespacedStatefulSet({ namespace: "shop", body: postgresStatefulSet({ storageClass: src.storageClass!, password: { secretKeyRef: { name: "db-auth", key: "password" } } }) });
  await waitForReadyPods(kc, "shop", "app=db");
  await execOk(kc, "shop", "db-0", "postgres", ["psql", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE shop"]);
  await psql(kc, "shop", `CREATE TABLE orders (id int PRIMARY KEY, item text, qty int); INSERT INTO orders SELECT i, md5(i::text), i % 7 FROM generate_series(1, ${RECORDS}) i`);
  expect(await records(src, "shop")).toBe(RECORDS);
}, 600_000);

afterAll(async () => {
  await closeTransferPool();
  await Promise.all([src?.stop(), dst?.stop(), minio?.destroy(), azurite?.destroy()]);
  rmSync(scratch, { recursive: true, force: true });
});

describe("Table 2: backups", () => {
  let full: BackupOutcome;

  test("full backup to MinIO of a database with 26,000 records: resources and the volume through a mover pod", async () => {
    const steps: string[] = [];
    full = await runBackup(s3Repo, src.kubeConfig(), { name: "shop-full", cluster: "src", spec: { namespaces: ["shop"] }, moverImage: MOVER }, { onStep: (s) => steps.push(s) });
    expect(steps).toEqual(["rules", "resources", "volumes", "post-rules", "commit"]);
    expect(full.volumes).toEqual([expect.objectContaining({ namespace: "shop", claim: "data-db-0", method: "live", node: src.nodeName, stream: "volumes/shop/data-db-0.tar" })]);
    expect(full.volumes[0]!.bytes).toBeGreaterThan(20 * 1024 * 1024); // an initialised cluster plus the table
    const kinds = new Set((await readCatalog(s3Repo, full.snapshot)).map((e) => e.kind));
    for (const k of ["StatefulSet", "Service", "Secret", "ConfigMap", "PersistentVolumeClaim", "PersistentVolume", "StorageClass"]) expect(kinds, k).toContain(k);
    expect(kinds).not.toContain("Pod"); // owned by the StatefulSet
    expect(await moversIn(src, "shop")).toBe(0);
    console.log(`full backup: ${(full.volumes[0]!.bytes / 2 ** 20).toFixed(1)} MiB volume in ${full.volumes[0]!.seconds.toFixed(1)} s; snapshot ${full.snapshot.summary.seconds.toFixed(1)} s`);
  });

  test("full backup with app-aware rules: PostgreSQL held in backup mode for exactly the backup", async () => {
    const backup = await runBackup(s3Repo, src.kubeConfig(), {
      name: "shop-rules", cluster: "src", spec: { namespaces: ["shop"] }, moverImage: MOVER,
      rules: ruleTemplate("postgresql", { podSelector: "app=db" }),
    });
    expect(backup.rules.length).toBeGreaterThanOrEqual(2);
    expect(backup.rules.every((r) => r.ok), JSON.stringify(backup.rules)).toBe(true);
    expect(backup.rules.map((r) => r.pod)).toContain("db-0");
    expect(backup.warnings).toEqual([]);
    expect(backup.snapshot.meta).toMatchObject({ rules: backup.rules });
  });

  test("incremental: the second backup moves only the changed data (byte counts)", async () => {
    const first = (await listKubernetesBackups(s3Repo)).find((b) => b.meta.name === "shop-rules")!;
    await psql(src.kubeConfig(), "shop", "INSERT INTO orders SELECT i, md5(i::text), 1 FROM generate_series(26001, 27000) i");
    const second = await runBackup(s3Repo, src.kubeConfig(), {
      name: "shop-rules", cluster: "src", spec: { namespaces: ["shop"] }, moverImage: MOVER,
      rules: ruleTemplate("postgresql", { podSelector: "app=db" }),
    });
    const { bytes, newBytes, storedBytes } = second.snapshot.summary;
    console.log(`incremental: read ${(bytes / 2 ** 20).toFixed(1)} MiB, new ${(newBytes / 2 ** 20).toFixed(2)} MiB, stored ${(storedBytes / 2 ** 20).toFixed(2)} MiB (first: new ${(first.summary.newBytes / 2 ** 20).toFixed(1)} MiB)`);
    expect(bytes).toBeGreaterThan(20 * 1024 * 1024);
    expect(newBytes).toBeGreaterThan(0);
    // PostgreSQL rewrites more than the new rows: WAL segments, the table's pages (hint bits), its
    // index, catalog files a checkpoint touches; how much of it is new varies from run to run (22-34
    // MiB of 65 seen), and a fresh WAL segment is new but mostly zeros. What is uploaded
    // (compressed) is what the admin pays for, and it is a few percent of the volume.
    expect(newBytes).toBeLessThan(bytes * 0.75);
    expect(storedBytes).toBeLessThan(bytes * 0.1);
    expect(storedBytes).toBeLessThan(full.snapshot.summary.storedBytes * 0.5);
  });
});

describe("Table 3: restores", () => {
  const restore = (c: TestCluster, repo: Repository, ref: string, req: Parameters<typeof runRestore>[3]) =>
    findKubernetesBackup(repo, ref).then((b) => runRestore(repo, b, c.kubeConfig(), { moverImage: MOVER, ...req }));

  test("resource-level backup of PV and PVC only, restored to the other cluster: the claim binds to its restored volume", async () => {
    const backup = await runBackup(s3Repo, src.kubeConfig(), { name: "shop-pv", cluster: "src", spec: { namespaces: ["shop"], includeKinds: ["PersistentVolume", "PersistentVolumeClaim"] }, volumes: false });
    const catalog = await readCatalog(s3Repo, backup.snapshot);
    expect([...new Set(catalog.map((e) => e.kind))].sort()).toEqual(["PersistentVolume", "PersistentVolumeClaim"]);
    expect(backup.volumes).toEqual([]);
    const pv = catalog.find((e) => e.kind === "PersistentVolume")!.name;
    const outcome = await restore(dst, s3Repo, "shop-pv", { existing: "keep", namespaceMap: { shop: "shop-pv" } });
    expect(outcome.counts.failed, failures(outcome)).toBe(0);
    expect(outcome.items.filter((i) => i.action === "created").map((i) => i.kind).sort()).toEqual(["Namespace", "PersistentVolume", "PersistentVolumeClaim"]);
    await waitFor("the restored claim to bind", () => dst.kubectl(["get", "pvc", "data-db-0", "-n", "shop-pv", "-o", "jsonpath={.status.phase}/{.spec.volumeName}"]) === `Bound/${pv}`, { timeoutMs: 60_000 });
  });

  test("restore to the same namespace, replacing resources: the damaged database comes back whole", async () => {
    const kc = src.kubeConfig();
    await psql(kc, "shop", "DELETE FROM orders WHERE id > 20000");
    src.kubectl(["patch", "configmap", "settings", "-n", "shop", "--type=merge", "-p", '{"data":{"mode":"broken"}}']);
    const outcome = await restore(src, s3Repo, "shop-rules", { existing: "replace" });
    expect(outcome.complete, failures(outcome)).toBe(true);
    const action = (kind: string, name: string) => outcome.items.find((i) => i.kind === kind && i.name === name)?.action;
    expect(action("StatefulSet", "db")).toBe("replaced");
    expect(action("PersistentVolumeClaim", "data-db-0")).toBe("replaced");
    expect(action("ConfigMap", "settings")).toBe("replaced");
    expect(outcome.items.find((i) => i.kind === "PersistentVolume")).toBeUndefined(); // re-provisioned, its data restored by tar
    expect(outcome.volumes).toEqual([expect.objectContaining({ namespace: "shop", claim: "data-db-0", ok: true })]);
    expect(outcome.workloads).toEqual([expect.objectContaining({ kind: "StatefulSet", name: "db", ready: true })]);
    expect(src.kubectl(["get", "configmap", "settings", "-n", "shop", "-o", "jsonpath={.data.mode}"])).toBe("prod");
    expect(await records(src, "shop")).toBe(27_000);
  });

  test("restore to a new namespace on the same cluster; the original is untouched", async () => {
    const outcome = await restore(src, s3Repo, "shop-full", { existing: "fail", namespaceMap: { shop: "shop-copy" } });
    expect(outcome.complete, failures(outcome)).toBe(true);
    expect(outcome.items.filter((i) => i.namespace === "shop").length).toBe(0);
    expect(await records(src, "shop-copy")).toBe(RECORDS);
    expect(await records(src, "shop")).toBe(27_000);
    expect(src.kubectl(["get", "secret", "db-auth", "-n", "shop-copy", "-o", "jsonpath={.data.password}"])).toBe(Buffer.from("lifeboat").toString("base64"));
  });

  test("restore to the other cluster and a new namespace", async () => {
    const outcome = await restore(dst, s3Repo, "shop-rules", { existing: "fail", namespaceMap: { shop: "shop-dr" } });
    expect(outcome.complete, failures(outcome)).toBe(true);
    expect(await records(dst, "shop-dr")).toBe(27_000);
    expect(dst.kubectl(["get", "pvc", "data-db-0", "-n", "shop-dr", "-o", "jsonpath={.spec.storageClassName}"])).toBe(dst.storageClass);
  });

  test("full backup to Azurite, restored from it to the other cluster", async () => {
    const backup = await runBackup(azRepo, src.kubeConfig(), {
      name: "shop-azure", cluster: "src", spec: { namespaces: ["shop"] }, moverImage: MOVER, rules: ruleTemplate("postgresql", { podSelector: "app=db" }),
    });
    expect(backup.volumes).toHaveLength(1);
    // A fresh engine that only knows the location sees the backup (the catalog lives there).
    const fresh = await Repository.open(openLocation(azureConfig), PASSWORD);
    const outcome = await restore(dst, fresh, "shop-azure", { existing: "fail", namespaceMap: { shop: "shop-az" } });
    expect(outcome.complete, failures(outcome)).toBe(true);
    expect(await records(dst, "shop-az")).toBe(27_000);
  });

  test("a restore killed midway and run again completes without duplicates or errors", async () => {
    const kubeconfigPath = join(scratch, "dst.kubeconfig");
    writeFileSync(kubeconfigPath, dst.kubeconfig);
    const request = { existing: "replace", namespaceMap: { shop: "shop-kill" }, moverImage: MOVER };
    const child = spawn(process.execPath, ["--import", "tsx", "test/support/restore-child.ts"], {
      env: { ...process.env, LB_LOCATION: JSON.stringify(s3Config), LB_PASSWORD: PASSWORD, LB_KUBECONFIG: kubeconfigPath, LB_BACKUP: "shop-rules", LB_REQUEST: JSON.stringify(request) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await waitFor("the child restore to reach the volumes", () => out.includes("step volumes") || out.includes("done"), { timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 700));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(out).not.toContain("done"); // it really was cut short

    const outcome = await restore(dst, s3Repo, "shop-rules", { existing: "replace", namespaceMap: { shop: "shop-kill" } });
    expect(outcome.complete, failures(outcome)).toBe(true);
    expect(await records(dst, "shop-kill")).toBe(27_000);
    expect(await moversIn(dst, "shop-kill")).toBe(0);
    const names = (kind: string) => dst.kubectl(["get", kind, "-n", "shop-kill", "-o", "name"]).trim().split("\n").filter(Boolean);
    expect(names("statefulsets")).toEqual(["statefulset.apps/db"]);
    expect(names("pvc")).toEqual(["persistentvolumeclaim/data-db-0"]);
    expect(names("pods")).toEqual(["pod/db-0"]);
  });
});

describe("bad input: a clear error, nothing half-done", () => {
  const backupsIn = async (repo: Repository) => (await repo.listSnapshots()).length;

  test("an invalid selector, an unknown namespace", async () => {
    const before = await backupsIn(s3Repo);
    await expect(runBackup(s3Repo, src.kubeConfig(), { name: "bad", cluster: "src", spec: { namespaces: ["shop"], labelSelector: "app in (db" } }))
      .rejects.toBeInstanceOf(SelectorError);
    await expect(runBackup(s3Repo, src.kubeConfig(), { name: "bad", cluster: "src", spec: { namespaces: ["shop", "no-such-ns"] } }))
      .rejects.toThrow(/unknown namespace no-such-ns/);
    expect(await backupsIn(s3Repo)).toBe(before);
    expect(await moversIn(src, "shop")).toBe(0);
  });

  test("a location with wrong credentials", async () => {
    const wrong = { ...s3Config, secretAccessKey: "not-the-secret" } as LocationConfig;
    await expect(Repository.open(openLocation(wrong), PASSWORD)).rejects.toMatchObject({ code: "auth" });
  });

  test("an unreachable cluster and a malformed kubeconfig", async () => {
    const unreachable = loadKubeconfig(src.kubeconfig.replace(src.server, "https://127.0.0.1:1"), "test");
    await expect(runBackup(s3Repo, unreachable, { name: "bad", cluster: "gone", spec: { namespaces: ["shop"] } })).rejects.toMatchObject({ code: "unreachable" });
    expect(() => loadKubeconfig("apiVersion: v1\nclusters: [\n", "pasted text")).toThrow(expect.objectContaining({ code: "malformed-kubeconfig" }));
    const backup = await findKubernetesBackup(s3Repo, "shop-full");
    await expect(runRestore(s3Repo, backup, unreachable, { existing: "fail", namespaceMap: { shop: "never" } })).rejects.toMatchObject({ code: "unreachable" });
  });
});
