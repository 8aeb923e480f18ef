// The DR part of the benchmark (issue 6): two real full clusters and MinIO. An application of 20
// objects with a 64 MiB volume, 1% of whose data changes every minute, replicated by a migration on
// a 1-minute policy driven by the real scheduler; reported: the RPO achieved (how old the
// destination's copy was, at worst, just before each sync completed), the bytes each sync moved,
// and the activation RTO after the source is lost (target under 10 s).
// Standalone: `npx tsx bench/dr.ts` (BENCH_DR_MINUTES, default 4).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { DrStore, failoverMigration, migrationScheduler, type MigrationContext } from "../main/dr";
import { openLocation, type LocationConfig } from "../main/locations";
import { Repository } from "../main/repo/repository";
import { ScheduleStore } from "../main/schedule";
import { closeTransferPool } from "../main/transfer/pool";
import { syncVolume } from "../main/volumes/sync";
import { IMAGE_NAMES } from "../scripts/testenv/pins";
import { startCluster } from "../test/support/cluster";
import { execOk, waitForReadyPods } from "../test/support/kube";
import { startMinio } from "../test/support/objectstores";

export interface DrBenchResult {
  minutes: number;
  runs: Array<{ capturedAt: string; endedAt: string; seconds: number; bytesNew: number; bytesIntoVolumes: number; ok: boolean }>;
  rpoWorstSeconds: number;
  rpoMeanSeconds: number;
  activationRtoSeconds: number;
  objects: number;
  targets: { rpoSeconds: number; rtoSeconds: number };
}

const VOLUME_FILES = 64; // of 1 MiB: one file rewritten per minute is 1.6% of the files, ~1% of the data with the filesystem's overhead
const busybox = { image: IMAGE_NAMES.busybox, imagePullPolicy: "Never" };

export async function benchDr(minutes = Number(process.env.BENCH_DR_MINUTES ?? 4)): Promise<DrBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "lifeboat-bench-dr-"));
  const [src, dst, minio] = await Promise.all([startCluster({ name: "bench-dr-a", node: true }), startCluster({ name: "bench-dr-b", node: true }), startMinio()]);
  try {
    const location = { kind: "s3", endpoint: minio.endpoint, region: minio.region, bucket: "dr-bench", accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } as LocationConfig;
    await openLocation(location).createContainer();
    const clusters = { a: src, b: dst } as const;
    const ctx: MigrationContext = {
      kubeConfig: (n) => clusters[n as "a" | "b"].kubeConfig(),
      openRepository: async () => {
        const loc = openLocation(location);
        return Repository.open(loc, "bench").catch(() => Repository.init(loc, "bench", { kdf: { N: 1024, r: 8, p: 1 } }));
      },
      syncVolume,
    };

    // The application: 20 objects (a StatefulSet with its volume, 4 Deployments, 5 Services, 5 ConfigMaps, 4 Secrets, the claim).
    const kc = src.kubeConfig();
    src.kubectl(["create", "namespace", "app"]);
    const items: object[] = [{
      apiVersion: "apps/v1", kind: "StatefulSet", metadata: { namespace: "app", name: "store" },
      spec: { serviceName: "store", replicas: 1, selector: { matchLabels: { app: "store" } },
        template: { metadata: { labels: { app: "store" } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", ...busybox, command: ["sh", "-c", "sleep 100000"], volumeMounts: [{ name: "data", mountPath: "/data" }] }] } },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName: src.storageClass, resources: { requests: { storage: "1Gi" } } } }] },
    }];
    for (let i = 0; i < 4; i++) items.push({ apiVersion: "apps/v1", kind: "Deployment", metadata: { namespace: "app", name: `web-${i}` }, spec: { replicas: 1, selector: { matchLabels: { app: `web-${i}` } }, template: { metadata: { labels: { app: `web-${i}` } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: "c", ...busybox, command: ["sh", "-c", "sleep 100000"] }] } } } });
    for (let i = 0; i < 5; i++) items.push({ apiVersion: "v1", kind: "Service", metadata: { namespace: "app", name: `svc-${i}` }, spec: { selector: { app: `web-${i % 4}` }, ports: [{ port: 80 }] } });
    for (let i = 0; i < 5; i++) items.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "app", name: `config-${i}` }, data: { i: String(i) } });
    for (let i = 0; i < 4; i++) items.push({ apiVersion: "v1", kind: "Secret", metadata: { namespace: "app", name: `secret-${i}` }, stringData: { i: String(i) } });
    src.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
    await waitForReadyPods(kc, "app", "app=store");
    const write = (file: number) => execOk(kc, "app", "store-0", "c", ["sh", "-c", `dd if=/dev/urandom of=/data/f${file} bs=1M count=1 2>/dev/null`]);
    for (let f = 0; f < VOLUME_FILES; f++) await write(f);

    const state = new ScheduleStore(join(dir, "state"));
    const dr = new DrStore(join(dir, "state"));
    state.savePolicy({ name: "every-minute", kind: "interval", minutes: 1, keep: 5 });
    dr.savePair({ name: "a-b", source: "a", destination: "b", location: "dr", createdAt: new Date().toISOString() });
    dr.addMigration({ name: "app", pair: "a-b", namespaces: ["app"], policy: "every-minute", moverImage: IMAGE_NAMES.busybox, createdAt: new Date(Date.now() - 60_000).toISOString() });

    // 1% of the data changes every minute while the scheduler replicates on its 1-minute policy.
    let file = 0;
    const changer = setInterval(() => void write(file++ % VOLUME_FILES).catch(() => undefined), 60_000);
    const scheduler = migrationScheduler(dr, state, ctx, { onEvent: (e) => process.stderr.write(`[dr] ${e.type} ${e.message ?? ""}\n`) });
    const runs: DrBenchResult["runs"] = [];
    const collect = setInterval(() => {
      const last = dr.state("app").lastRun;
      if (last && !runs.some((r) => r.endedAt === last.endedAt)) {
        runs.push({ capturedAt: last.capturedAt, endedAt: last.endedAt, seconds: (Date.parse(last.endedAt) - Date.parse(last.startedAt)) / 1000, bytesNew: last.bytesNew, bytesIntoVolumes: last.volumes.reduce((n, v) => n + v.bytesSent, 0), ok: last.ok });
      }
    }, 500);
    scheduler.start();
    await new Promise((r) => setTimeout(r, minutes * 60_000));
    await scheduler.idle();
    clearInterval(changer);
    clearInterval(collect);
    await scheduler.stop();

    // RPO achieved: just before sync k completed, the destination held what sync k-1 captured.
    const ok = runs.filter((r) => r.ok);
    const gaps = ok.slice(1).map((r, i) => (Date.parse(r.endedAt) - Date.parse(ok[i]!.capturedAt)) / 1000);

    // The source is lost; the application is activated on the destination.
    await src.stopComponent("kube-apiserver");
    await src.stopComponent("kubelet");
    const over = await failoverMigration(ctx, dr, "app", { readyTimeoutMs: 120_000 });
    if (over.status !== "done") throw new Error(`failover failed: ${JSON.stringify(over.steps)}`);
    const pods = (await dst.kubeConfig().makeApiClient(CoreV1Api).listNamespacedPod({ namespace: "app" })).items.length;
    const sets = (await dst.kubeConfig().makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: "app" })).items.length;
    process.stderr.write(`[dr] destination: ${sets} deployments, ${pods} pods after activation\n`);
    return {
      minutes, runs,
      rpoWorstSeconds: gaps.length ? Math.max(...gaps) : NaN,
      rpoMeanSeconds: gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : NaN,
      activationRtoSeconds: over.rtoSeconds!,
      objects: items.length + 1,
      targets: { rpoSeconds: 120, rtoSeconds: 10 },
    };
  } finally {
    await Promise.all([src.stop(), dst.stop(), minio.destroy()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatDrBench(r: DrBenchResult): string {
  const mib = (n: number) => (n / 2 ** 20).toFixed(2);
  return [
    `== DR: ${r.objects} objects, 64 MiB volume, 1% changing per minute, 1-minute policy, ${r.minutes} min (two real clusters, MinIO) ==`,
    ...r.runs.map((x, i) => `sync ${i + 1}: ${x.seconds.toFixed(1)} s, ${mib(x.bytesNew)} MiB new in the repository, ${mib(x.bytesIntoVolumes)} MiB into the destination's volume${x.ok ? "" : " (FAILED)"}`),
    `RPO achieved: worst ${r.rpoWorstSeconds.toFixed(1)} s, mean ${r.rpoMeanSeconds.toFixed(1)} s (a 1-minute policy cannot do better than 60 s + a sync)`,
    `activation RTO (source lost → application Ready on the destination): ${r.activationRtoSeconds.toFixed(1)} s (goal ≤ ${r.targets.rtoSeconds} s ${r.activationRtoSeconds <= r.targets.rtoSeconds ? "met" : "MISSED"})`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(formatDrBench(await benchDr()));
  } finally {
    await closeTransferPool();
  }
}
