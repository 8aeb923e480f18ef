// The seed's Table 4 on two real full clusters: PostgreSQL with 26,000 records on the source, a
// ClusterPair through MinIO, migrations that keep the application staged (scaled to 0) on the
// destination with its volume brought up to date incrementally, a planned failover and failback,
// then the source lost (API server and kubelet stopped) and the application activated on the
// destination with the same record count. The RTO is measured and printed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppsV1Api, type KubeConfig } from "@kubernetes/client-node";
import { openLocation, type LocationConfig } from "../../main/locations";
import { Repository } from "../../main/repo/repository";
import { checkPair, type ClusterPair } from "../../main/dr/cluster-pair";
import { failback, failover, fileSwitchoverStore } from "../../main/dr/failover";
import { runMigration, type MigrationContext, type MigrationSpec } from "../../main/dr/migration";
import { closeTransferPool } from "../../main/transfer/pool";
import { syncVolume } from "../../main/volumes/sync";
import { IMAGE_NAMES } from "../../scripts/testenv/pins";
import { postgresStatefulSet } from "../support/apps";
import { startCluster, type TestCluster } from "../support/cluster";
import { execOk, waitForReadyPods } from "../support/kube";
import { startMinio, type MinioServer } from "../support/objectstores";
import { waitFor } from "../support/proc";

const RECORDS = 26_000;
let src: TestCluster;
let dst: TestCluster;
let minio: MinioServer;
let ctx: MigrationContext;
let location: LocationConfig;
const dir = mkdtempSync(join(tmpdir(), "lifeboat-table4-"));
const pair: ClusterPair = { name: "prod-dr", source: "src", destination: "dst", location: "flashblade", createdAt: new Date().toISOString() };
const migration: MigrationSpec = { name: "shop", pair: "prod-dr", namespaces: ["shop"], policy: "every-minute", moverImage: IMAGE_NAMES.busybox, createdAt: new Date().toISOString() };

const psql = (kc: KubeConfig, sql: string) =>
  execOk(kc, "shop", "db-0", "postgres", ["psql", "-U", "postgres", "-d", "shop", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]).then((o) => o.trim());
const records = (c: TestCluster) => psql(c.kubeConfig(), "SELECT count(*) FROM orders").then(Number);
const replicas = (c: TestCluster) => c.kubectl(["get", "sts", "db", "-n", "shop", "-o", "jsonpath={.spec.replicas}/{.metadata.annotations.lifeboat\\.io/replicas}"]);

beforeAll(async () => {
  [src, dst, minio] = await Promise.all([
    startCluster({ name: "t4-src", node: true, images: ["postgres"] }),
    startCluster({ name: "t4-dst", node: true, images: ["postgres"] }),
    startMinio(),
  ]);
  location = { kind: "s3", endpoint: minio.endpoint, region: minio.region, bucket: "dr-bucket", accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } as LocationConfig;
  const clusters: Record<string, TestCluster> = { src, dst };
  ctx = {
    kubeConfig: (name) => clusters[name]!.kubeConfig(),
    openRepository: async () => {
      const loc = openLocation(location);
      return Repository.open(loc, "dr").catch(() => Repository.init(loc, "dr", { kdf: { N: 1024, r: 8, p: 1 } }));
    },
    syncVolume,
  };
  src.kubectl(["create", "namespace", "shop"]);
  await waitFor("the default service account", () => src.kubectl(["get", "sa", "default", "-n", "shop", "-o", "name"]).includes("default"));
  await src.kubeConfig().makeApiClient(AppsV1Api).createNamespacedStatefulSet({ namespace: "shop", body: postgresStatefulSet({ storageClass: src.storageClass! }) });
  await waitForReadyPods(src.kubeConfig(), "shop", "app=db");
  await execOk(src.kubeConfig(), "shop", "db-0", "postgres", ["psql", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE shop"]);
  await psql(src.kubeConfig(), `CREATE TABLE orders (id int PRIMARY KEY, item text); INSERT INTO orders SELECT i, md5(i::text) FROM generate_series(1, ${RECORDS}) i`);
}, 600_000);

afterAll(async () => {
  await closeTransferPool();
  await Promise.all([src?.stop(), dst?.stop(), minio?.destroy()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("Table 4: asynchronous DR", () => {
  test("the ClusterPair is Ready on both sides; its bucket is created", async () => {
    const status = await checkPair({ kubeConfig: ctx.kubeConfig, location: () => openLocation(location) }, pair);
    expect(status).toMatchObject({ scheduler: { status: "Ready" }, storage: { status: "Ready", created: true } });
  });

  test("migrations keep the application staged on the destination; the second moves only changed data into its volume", async () => {
    const first = await runMigration(ctx, pair, migration);
    expect(first.ok, JSON.stringify(first)).toBe(true);
    expect(first.volumes).toEqual([expect.objectContaining({ claim: "data-db-0", mode: "full", ok: true })]);
    expect(replicas(dst)).toBe("0/1");
    expect(dst.kubectl(["get", "pods", "-n", "shop", "-o", "name"]).trim()).toBe("");

    await psql(src.kubeConfig(), "INSERT INTO orders SELECT i, md5(i::text) FROM generate_series(26001, 26500) i");
    const second = await runMigration(ctx, pair, migration);
    expect(second.ok, JSON.stringify(second)).toBe(true);
    const [full, incremental] = [first.volumes[0]!, second.volumes[0]!];
    console.log(`migration: first run ${(full.bytesSent / 2 ** 20).toFixed(1)} MiB into the volume, second ${(incremental.bytesSent / 2 ** 20).toFixed(1)} MiB; objects ${JSON.stringify(second.objects)}; RPO ${(Date.parse(second.endedAt) - Date.parse(second.capturedAt)) / 1000} s behind at the end of the run`);
    expect(incremental.mode).toBe("incremental");
    expect(incremental.bytesSent).toBeLessThan(full.bytesSent * 0.8);
    expect(second.objects.unchanged).toBeGreaterThan(0);
    expect(second.objects.created).toBe(0);
    expect(replicas(dst)).toBe("0/1");
  });

  test("planned failover: source switched off, last sync, destination Ready with every record; then failback", async () => {
    await psql(src.kubeConfig(), "INSERT INTO orders SELECT i, md5(i::text) FROM generate_series(26501, 26600) i");
    const store = fileSwitchoverStore(dir);
    const over = await failover(ctx, pair, migration, { store });
    expect(over.status, JSON.stringify(over.steps)).toBe("done");
    expect(over.steps.map((s) => `${s.name}:${s.status}`)).toEqual(["deactivate-source:done", "last-sync:done", "activate-destination:done", "wait-ready:done"]);
    console.log(`planned failover RTO ${over.rtoSeconds!.toFixed(1)} s`);
    expect(replicas(src)).toBe("0/1");
    expect(await records(dst)).toBe(26_600);

    await psql(dst.kubeConfig(), "INSERT INTO orders SELECT i, md5(i::text) FROM generate_series(26601, 26700) i");
    const back = await failback(ctx, pair, migration, { store });
    expect(back.status, JSON.stringify(back.steps)).toBe("done");
    console.log(`failback took ${back.rtoSeconds!.toFixed(1)} s`);
    expect(replicas(dst)).toBe("0/1");
    expect(await records(src)).toBe(26_700);
  });

  test("the source is lost: activation on the destination, Ready with the last synced record count; RTO measured", async () => {
    const synced = await runMigration(ctx, pair, migration);
    expect(synced.ok, JSON.stringify(synced)).toBe(true);
    await src.stopComponent("kube-apiserver");
    await src.stopComponent("kubelet");
    const over = await failover(ctx, pair, migration, { store: fileSwitchoverStore(dir), readyTimeoutMs: 180_000 });
    expect(over.status, JSON.stringify(over.steps)).toBe("done");
    expect(over.steps[0]).toMatchObject({ name: "deactivate-source", status: "skipped", detail: expect.stringMatching(/cannot be reached/) });
    expect(over.steps[1]).toMatchObject({ name: "last-sync", status: "skipped" });
    console.log(`unplanned failover RTO ${over.rtoSeconds!.toFixed(1)} s`);
    expect(await records(dst)).toBe(26_700);
  });
});
