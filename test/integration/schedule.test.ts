// Scheduled backups on a real API server to two real locations (MinIO and Azurite), driven by the
// scheduler on a clock the test moves: every run writes to both, retention keeps the policy's N
// copies of this schedule only, a location that is down fails alone and says so, and slots missed
// while Lifeboat was closed make one run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { BlobServiceClient } from "@azure/storage-blob";
import { runBackup } from "../../main/backup/job";
import { listKubernetesBackups } from "../../main/backup/resources";
import { openLocation, type LocationConfig } from "../../main/locations";
import { Repository } from "../../main/repo/repository";
import { protectionScheduler, ScheduleStore, type SchedulerEvent } from "../../main/schedule";
import { closeTransferPool } from "../../main/transfer/pool";
import { startCluster, type TestCluster } from "../support/cluster";
import { startAzurite, startMinio, type AzuriteServer, type MinioServer } from "../support/objectstores";

const FAST_KDF = { N: 1024, r: 8, p: 1 };
let cluster: TestCluster;
let minio: MinioServer;
let azurite: AzuriteServer;
const locations: Record<string, LocationConfig> = {};
const dir = mkdtempSync(join(tmpdir(), "lifeboat-schedule-"));

beforeAll(async () => {
  [cluster, minio, azurite] = await Promise.all([startCluster({ name: "schedule" }), startMinio(), startAzurite()]);
  const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  await s3.send(new CreateBucketCommand({ Bucket: "flashblade" }));
  s3.destroy();
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("azure").create();
  locations.flashblade = { kind: "s3", endpoint: minio.endpoint, region: minio.region, bucket: "flashblade", accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } as LocationConfig;
  locations.azure = { kind: "azure", container: "azure", auth: { type: "connection-string", connectionString: azurite.connectionString } } as LocationConfig;
  for (const config of Object.values(locations)) await Repository.init(openLocation(config), "pw", { kdf: FAST_KDF });
  cluster.kubectl(["create", "namespace", "shop"]);
  cluster.kubectl(["create", "configmap", "settings", "-n", "shop", "--from-literal=mode=prod"]);
});

afterAll(async () => {
  await closeTransferPool();
  await Promise.all([cluster?.stop(), minio?.destroy(), azurite?.destroy()]);
  rmSync(dir, { recursive: true, force: true });
});

test("hourly to FlashBlade and Azure Blob: both written each run, N copies kept, a location down fails alone, missed slots run once", async () => {
  const store = new ScheduleStore(dir);
  store.savePolicy({ name: "hourly-keep-2", kind: "interval", minutes: 60, keep: 2 });
  const start = Date.parse("2026-06-01T00:00:00Z");
  const schedule = store.addSchedule({
    name: "shop-hourly", policy: "hourly-keep-2", cluster: "src", locations: ["flashblade", "azure"],
    request: { spec: { namespaces: ["shop"] }, volumes: false }, createdAt: new Date(start).toISOString(),
  });
  const repos = async (name: string) => Repository.open(openLocation(locations[name]!), "pw");
  // Another backup in the same location: retention of this schedule must not touch it.
  await runBackup(await repos("flashblade"), cluster.kubeConfig(), { name: "manual", cluster: "src", spec: { namespaces: ["shop"] }, volumes: false });

  let now = new Date(start + 61 * 60_000 + 5 * 60_000); // past the first slot and its spread
  const events: SchedulerEvent[] = [];
  const scheduler = protectionScheduler(store, { kubeConfig: () => cluster.kubeConfig(), openRepository: repos }, { now: () => now, onEvent: (e) => events.push(e) });
  const runOnce = async () => {
    scheduler.tick();
    await scheduler.idle();
  };

  for (let hour = 0; hour < 3; hour++) {
    await runOnce();
    now = new Date(now.getTime() + 60 * 60_000);
  }
  const names = async (location: string) => (await listKubernetesBackups(await repos(location))).map((b) => b.meta.name);
  expect((await names("flashblade")).sort()).toEqual(["manual", "shop-hourly", "shop-hourly"]);
  expect(await names("azure")).toEqual(["shop-hourly", "shop-hourly"]);
  expect(events.filter((e) => e.type === "succeeded")).toHaveLength(3);

  // Azure is down for the next slot: the FlashBlade copy is still made, and the run says what failed.
  await azurite.stop();
  await runOnce();
  await azurite.start();
  const failed = events.at(-1)!;
  expect(failed.type).toBe("failed");
  expect(failed.message).toMatch(/failed in azure \(.+\); succeeded in flashblade/);
  expect(store.get(schedule.id).lastResult).toBe("failed");

  // Lifeboat closed for five hours: one run, for the latest slot.
  now = new Date(now.getTime() + 5 * 60 * 60_000);
  const before = events.length;
  await runOnce();
  expect(events.slice(before).map((e) => e.type)).toEqual(["started", "succeeded"]);
  expect(events[before]!.message).toMatch(/4 earlier slot\(s\) passed while Lifeboat was not running/);
  await runOnce(); // nothing more is due
  expect(events.length).toBe(before + 2);
  expect(await names("azure")).toEqual(["shop-hourly", "shop-hourly"]);
});
