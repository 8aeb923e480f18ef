// Smoke tests proving each part of the test environment is real: pods run on a real kubelet, exec
// works through the API server, a database keeps rows on a dynamically provisioned volume, two full
// clusters run side by side, and MinIO and Azurite store and return data.
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppsV1Api, CoreV1Api, VersionApi, type V1Deployment } from "@kubernetes/client-node";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { BlobServiceClient } from "@azure/storage-blob";
import { IMAGE_NAMES, KUBERNETES_VERSION } from "../../scripts/testenv/pins";
import { postgresStatefulSet } from "../support/apps";
import { startCluster, type TestCluster } from "../support/cluster";
import { slotFor } from "../support/host";
import { execOk, waitForReadyPods } from "../support/kube";
import { startAzurite, startMinio } from "../support/objectstores";

function busyboxDeployment(name: string): V1Deployment {
  return {
    metadata: { name, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{ name: "main", image: IMAGE_NAMES.busybox, imagePullPolicy: "Never", command: ["sh", "-c", "echo started; exec sleep 3600"] }],
        },
      },
    },
  };
}

describe("test environment: two full clusters", () => {
  let a: TestCluster;
  let b: TestCluster;

  beforeAll(async () => {
    // Both at once, as the disaster-recovery tests will need them.
    [a, b] = await Promise.all([
      startCluster({ name: "smoke-a", node: true, images: ["postgres"] }),
      startCluster({ name: "smoke-b", node: true }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    for (const c of [a, b].filter(Boolean)) {
      const slot = slotFor(c.slot);
      expect(existsSync(slot.netnsPath), `${c.name}: network namespace removed`).toBe(false);
      expect(existsSync(slot.runDir), `${c.name}: run directory removed`).toBe(false);
      expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(slot.runDir);
    }
  });

  test("the API server reports the pinned Kubernetes version", async () => {
    const version = await a.kubeConfig().makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe(KUBERNETES_VERSION);
  });

  test("a busybox Deployment reaches Running and exec reads a command's output", async () => {
    const kc = a.kubeConfig();
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: "default", body: busyboxDeployment("hello") });
    const [pod] = await waitForReadyPods(kc, "default", "app=hello");
    const out = await execOk(kc, "default", pod!.metadata!.name!, "main", ["sh", "-c", "echo hello from $(hostname); id -u"]);
    expect(out).toBe(`hello from ${pod!.metadata!.name}\n0\n`);
    expect(pod!.spec!.nodeName).toBe(a.nodeName);
  });

  test("a PostgreSQL StatefulSet on a provisioned volume takes 26,000 rows and counts them back", async () => {
    const kc = a.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: "db" } } });
    await kc.makeApiClient(AppsV1Api).createNamespacedStatefulSet({ namespace: "db", body: postgresStatefulSet({ storageClass: a.storageClass!, terminationGracePeriodSeconds: 5 }) });
    const [pod] = await waitForReadyPods(kc, "db", "app=db", 1, 180_000);
    const psql = (sql: string) => execOk(kc, "db", pod!.metadata!.name!, "postgres", ["psql", "-U", "postgres", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]);
    await psql("CREATE DATABASE shop");
    await execOk(kc, "db", pod!.metadata!.name!, "postgres", ["psql", "-U", "postgres", "-d", "shop", "-v", "ON_ERROR_STOP=1", "-c",
      "CREATE TABLE orders (id serial PRIMARY KEY, item text NOT NULL, qty int NOT NULL); " +
      "INSERT INTO orders (item, qty) SELECT 'item-' || g, g % 7 FROM generate_series(1, 26000) g"]);
    const count = await execOk(kc, "db", pod!.metadata!.name!, "postgres", ["psql", "-U", "postgres", "-d", "shop", "-At", "-c", "SELECT count(*) FROM orders"]);
    expect(count.trim()).toBe("26000");

    // The data lives on a PersistentVolume that local-path provisioned on this cluster's node.
    const pvc = await core.readNamespacedPersistentVolumeClaim({ namespace: "db", name: "data-db-0" });
    expect(pvc.status?.phase).toBe("Bound");
    const pv = await core.readPersistentVolume({ name: pvc.spec!.volumeName! });
    const hostPath = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    expect(hostPath).toContain(slotFor(a.slot).dataDir);
    expect(existsSync(`${hostPath}/PG_VERSION`)).toBe(true);
  });

  test("a second full cluster runs at the same time, with its own node and pod network", async () => {
    const kc = b.kubeConfig();
    await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: "default", body: busyboxDeployment("other") });
    const [pod] = await waitForReadyPods(kc, "default", "app=other");
    expect(pod!.spec!.nodeName).toBe(b.nodeName);
    expect(await execOk(kc, "default", pod!.metadata!.name!, "main", ["cat", "/proc/self/comm"])).toBe("cat\n");
    expect(b.server).not.toBe(a.server);
    // Pod IPs come from each cluster's own subnet.
    const [podA] = await waitForReadyPods(a.kubeConfig(), "default", "app=hello");
    expect(pod!.status!.podIP!.startsWith(`10.202.${b.slot}.`)).toBe(true);
    expect(podA!.status!.podIP!.startsWith(`10.202.${a.slot}.`)).toBe(true);
  });
});

describe("test environment: a control plane without a node", () => {
  test("starts in seconds and serves kubectl and client-node", async () => {
    const started = Date.now();
    const cp = await startCluster({ name: "smoke-cp" });
    try {
      const seconds = (Date.now() - started) / 1000;
      console.log(`[smoke] control plane ready in ${seconds.toFixed(1)} s`);
      expect(seconds).toBeLessThan(60);
      expect(cp.kubectl(["get", "namespace", "kube-system", "-o", "name"]).trim()).toBe("namespace/kube-system");
      const names = (await cp.kubeConfig().makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name);
      expect(names).toContain("default");
    } finally {
      await cp.stop();
    }
  });
});

describe("test environment: object stores", () => {
  test("an object round-trips through MinIO with @aws-sdk/client-s3", async () => {
    const minio = await startMinio();
    try {
      const s3 = new S3Client({
        endpoint: minio.endpoint, region: minio.region, forcePathStyle: true,
        credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey },
      });
      await s3.send(new CreateBucketCommand({ Bucket: "smoke" }));
      const body = Buffer.from(`lifeboat ${Date.now()} `.repeat(1000));
      await s3.send(new PutObjectCommand({ Bucket: "smoke", Key: "dir/object.bin", Body: body }));
      const got = await s3.send(new GetObjectCommand({ Bucket: "smoke", Key: "dir/object.bin" }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
      s3.destroy();
    } finally {
      await minio.destroy();
    }
  });

  test("a blob round-trips through Azurite with @azure/storage-blob", async () => {
    const azurite = await startAzurite();
    try {
      const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
      const container = service.getContainerClient("smoke");
      await container.create();
      const body = Buffer.from(`lifeboat ${Date.now()} `.repeat(1000));
      await container.getBlockBlobClient("dir/blob.bin").uploadData(body);
      const got = await container.getBlockBlobClient("dir/blob.bin").downloadToBuffer();
      expect(got.equals(body)).toBe(true);
    } finally {
      await azurite.destroy();
    }
  });
});
