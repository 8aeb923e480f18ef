// Disaster recovery building blocks on real API servers and MinIO: a ClusterPair's scheduler and
// storage status (its bucket created when missing; each failure with its reason), switching an
// application off and on (the failover's deactivate and activate steps), and restoring it staged:
// every workload kind comes back exactly as it ran, an admin's own choices (a CronJob they
// suspended, a Deployment they scaled to 0) survive, repeats change nothing.
import { afterAll, beforeAll, expect, test } from "vitest";
import { captureResources } from "../../main/backup/capture";
import { activate, deactivate } from "../../main/dr/activation";
import { checkPair } from "../../main/dr/cluster-pair";
import { runMigration } from "../../main/dr/migration";
import { Repository } from "../../main/repo/repository";
import { loadKubeconfig } from "../../main/clusters/kubeconfig";
import { openLocation, type LocationConfig } from "../../main/locations";
import { startMinio, type MinioServer } from "../support/objectstores";
import { restoreObjects } from "../../main/restore/restore";
import { IMAGE_NAMES } from "../../scripts/testenv/pins";
import { startCluster, type TestCluster } from "../support/cluster";

let cluster: TestCluster;
let other: TestCluster;
let minio: MinioServer;
const pod = { metadata: { labels: { app: "x" } }, spec: { containers: [{ name: "c", image: IMAGE_NAMES.busybox }] } };
const podOf = (app: string) => ({ metadata: { labels: { app } }, spec: pod.spec });

beforeAll(async () => {
  [cluster, other, minio] = await Promise.all([startCluster({ name: "dr-switch" }), startCluster({ name: "dr-other" }), startMinio()]);
  cluster.kubectl(["create", "namespace", "shop"]);
  cluster.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: [
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { namespace: "shop", name: "web" }, spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: podOf("web") } },
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { namespace: "shop", name: "spare" }, spec: { replicas: 0, selector: { matchLabels: { app: "spare" } }, template: podOf("spare") } },
    { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { namespace: "shop", name: "db" }, spec: { replicas: 2, serviceName: "db", selector: { matchLabels: { app: "db" } }, template: podOf("db") } },
    { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { namespace: "shop", name: "agent" }, spec: { selector: { matchLabels: { app: "agent" } }, template: { ...podOf("agent"), spec: { ...pod.spec, nodeSelector: { disk: "ssd" } } } } },
    { apiVersion: "batch/v1", kind: "CronJob", metadata: { namespace: "shop", name: "report" }, spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec: { ...pod.spec, restartPolicy: "Never" } } } } } },
    { apiVersion: "batch/v1", kind: "CronJob", metadata: { namespace: "shop", name: "paused-by-admin" }, spec: { suspend: true, schedule: "0 * * * *", jobTemplate: { spec: { template: { spec: { ...pod.spec, restartPolicy: "Never" } } } } } },
  ] }));
});

afterAll(async () => {
  await Promise.all([cluster?.stop(), other?.stop(), minio?.destroy()]);
});

test("a ClusterPair: Ready with its bucket created; an unreachable destination and wrong keys each an Error with the reason", async () => {
  const bucket = (name: string, secret = minio.secretKey) =>
    ({ kind: "s3", endpoint: minio.endpoint, region: minio.region, bucket: name, accessKeyId: minio.accessKey, secretAccessKey: secret } as LocationConfig);
  const clusters: Record<string, () => ReturnType<TestCluster["kubeConfig"]>> = {
    src: () => cluster.kubeConfig(),
    dst: () => other.kubeConfig(),
    gone: () => loadKubeconfig(other.kubeconfig.replace(other.server, "https://127.0.0.1:1"), "test"),
  };
  const locations: Record<string, LocationConfig> = { fb: bucket("dr-pair"), wrong: bucket("dr-pair", "not-the-key") };
  const ctx = { kubeConfig: (n: string) => clusters[n]!(), location: (n: string) => openLocation(locations[n]!) };

  const ready = await checkPair(ctx, { source: "src", destination: "dst", location: "fb" });
  expect(ready).toMatchObject({ scheduler: { status: "Ready" }, storage: { status: "Ready", created: true } });
  expect(ready.destination?.server).toBe(other.server);
  expect((await checkPair(ctx, { source: "src", destination: "dst", location: "fb" })).storage).toEqual({ status: "Ready", created: false });

  const down = await checkPair(ctx, { source: "src", destination: "gone", location: "fb" });
  expect(down.scheduler).toEqual({ status: "Error", reason: expect.stringMatching(/^destination cluster gone: .*127\.0\.0\.1:1/) });
  const badKeys = await checkPair(ctx, { source: "src", destination: "dst", location: "wrong" });
  expect(badKeys.scheduler.status).toBe("Ready");
  expect(badKeys.storage).toMatchObject({ status: "Error", reason: expect.stringMatching(/key|signature|credentials/i) });
  expect((await checkPair(ctx, { source: "src", destination: "src", location: "fb" })).scheduler.reason).toMatch(/same cluster/);
});

const state = (ns: string) => ({
  web: cluster.kubectl(["get", "deploy", "web", "-n", ns, "-o", "jsonpath={.spec.replicas}"]),
  spare: cluster.kubectl(["get", "deploy", "spare", "-n", ns, "-o", "jsonpath={.spec.replicas}"]),
  db: cluster.kubectl(["get", "sts", "db", "-n", ns, "-o", "jsonpath={.spec.replicas}"]),
  agent: cluster.kubectl(["get", "ds", "agent", "-n", ns, "-o", "jsonpath={.spec.template.spec.nodeSelector}"]),
  report: cluster.kubectl(["get", "cronjob", "report", "-n", ns, "-o", "jsonpath={.spec.suspend}"]),
  paused: cluster.kubectl(["get", "cronjob", "paused-by-admin", "-n", ns, "-o", "jsonpath={.spec.suspend}"]),
});
const RUNNING = { web: "3", spare: "0", db: "2", agent: '{"disk":"ssd"}', report: "false", paused: "true" };
const OFF = { web: "0", spare: "0", db: "0", agent: '{"lifeboat.io/parked":"true"}', report: "true", paused: "true" };

test("deactivate then activate: off with how it ran remembered, then back exactly; repeats change nothing", async () => {
  const kc = cluster.kubeConfig();
  expect(state("shop")).toEqual(RUNNING);
  const off = await deactivate(kc, ["shop"]);
  expect(off.filter((r) => r.changed).map((r) => `${r.kind}/${r.name}`).sort()).toEqual(["CronJob/paused-by-admin", "CronJob/report", "DaemonSet/agent", "Deployment/spare", "Deployment/web", "StatefulSet/db"]);
  expect(state("shop")).toEqual(OFF);
  expect((await deactivate(kc, ["shop"])).filter((r) => r.changed)).toEqual([]);
  const on = await activate(kc, ["shop"]);
  expect(on.find((r) => r.name === "web")).toMatchObject({ changed: true, detail: "replicas → 3" });
  expect(state("shop")).toEqual(RUNNING);
  expect((await activate(kc, ["shop"])).filter((r) => r.changed)).toEqual([]);
});

test("a staged restore arrives switched off and activates to how the source ran", async () => {
  const kc = cluster.kubeConfig();
  const { objects } = await captureResources(kc, { namespaces: ["shop"] });
  const result = await restoreObjects(kc, objects, { existing: "fail", namespaceMap: { shop: "shop-dr" }, stage: true });
  expect(result.counts.failed, JSON.stringify(result.items.filter((i) => i.action === "failed"))).toBe(0);
  expect(result.items.find((i) => i.name === "web")!.transforms).toContain("stage workloads switched off");
  expect(state("shop-dr")).toEqual(OFF);
  await activate(kc, ["shop-dr"]);
  expect(state("shop-dr")).toEqual(RUNNING);
});

test("a migration with purge: staged on the other cluster, unchanged objects skipped next time, objects deleted at the source removed", async () => {
  const location = { kind: "s3", endpoint: minio.endpoint, region: minio.region, bucket: "dr-migrate", accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } as LocationConfig;
  await openLocation(location).createContainer();
  const clusters: Record<string, TestCluster> = { src: cluster, dst: other };
  const ctx = {
    kubeConfig: (n: string) => clusters[n]!.kubeConfig(),
    openRepository: async () => Repository.open(openLocation(location), "pw").catch(() => Repository.init(openLocation(location), "pw", { kdf: { N: 1024, r: 8, p: 1 } })),
  };
  const pair = { name: "p", source: "src", destination: "dst", location: "l", createdAt: "" };
  cluster.kubectl(["create", "configmap", "doomed", "-n", "shop", "--from-literal=a=b"]);
  const spec = { name: "shop", pair: "p", namespaces: ["shop"], policy: "x", volumes: false, purge: true, createdAt: "" };
  const first = await runMigration(ctx, pair, spec);
  expect(first.ok, JSON.stringify(first.failed)).toBe(true);
  expect(other.kubectl(["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}/{.metadata.labels.lifeboat\\.io/migration}"])).toBe("0/shop");
  expect(other.kubectl(["get", "configmap", "doomed", "-n", "shop", "-o", "name"]).trim()).toBe("configmap/doomed");

  cluster.kubectl(["delete", "configmap", "doomed", "-n", "shop"]);
  cluster.kubectl(["scale", "deploy", "web", "-n", "shop", "--replicas=5"]);
  const second = await runMigration(ctx, pair, spec);
  expect(second.ok, JSON.stringify(second.failed)).toBe(true);
  expect(second.purged).toEqual(["ConfigMap/shop/doomed"]);
  expect(second.objects.created).toBe(0);
  expect(second.objects.updated).toBe(1); // the Deployment's remembered replica count
  expect(second.objects.unchanged).toBeGreaterThan(3);
  expect(other.kubectl(["get", "configmap", "-n", "shop", "-o", "name"])).not.toContain("doomed");
  expect(other.kubectl(["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}/{.metadata.annotations.lifeboat\\.io/replicas}"])).toBe("0/5");
});
