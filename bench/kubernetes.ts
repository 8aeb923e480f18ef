// The Kubernetes part of the benchmark: backup and restore of a namespace holding 5,000 objects on
// a real API server (the test environment's control plane), into a folder repository.
// Targets (issue 4): backup under 5 s, restore under 15 s. Timed in the benchmark's own process.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runBackup } from "../main/backup/job";
import { readResources } from "../main/backup/resources";
import { openLocation } from "../main/locations";
import { Repository } from "../main/repo/repository";
import { restoreObjects, type RestoreResult } from "../main/restore/restore";
import { startCluster } from "../test/support/cluster";

export interface KubernetesBenchResult {
  objects: number;
  backupSeconds: number;
  restoreSeconds: number;
  restored: RestoreResult["counts"];
  targets: { backupSeconds: number; restoreSeconds: number };
}

export async function benchKubernetes(dir: string, count = 5000): Promise<KubernetesBenchResult> {
  const cluster = await startCluster({ name: "bench-k8s" });
  try {
    cluster.kubectl(["create", "namespace", "bench"]);
    for (let batch = 0; batch * 1000 < count; batch++) {
      const items = Array.from({ length: Math.min(1000, count - batch * 1000) }, (_, i) => ({
        apiVersion: "v1", kind: "ConfigMap",
        metadata: { namespace: "bench", name: `cm-${batch}-${i}`, labels: { app: "bench", batch: String(batch) } },
        data: { config: `setting-${i}=${"x".repeat(200 + (i % 800))}` },
      }));
      cluster.kubectl(["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
    }
    mkdirSync(join(dir, "k8s-repo"), { recursive: true });
    const repo = await Repository.init(openLocation({ kind: "folder", path: join(dir, "k8s-repo") }), "bench", { kdf: { N: 1024, r: 8, p: 1 } });

    let t = performance.now();
    const { snapshot, capture } = await runBackup(repo, cluster.kubeConfig(), { name: "bench", cluster: "bench-k8s", spec: { namespaces: ["bench"] }, volumes: false });
    const backupSeconds = (performance.now() - t) / 1000;

    t = performance.now();
    const objects = await readResources(repo, snapshot);
    const result = await restoreObjects(cluster.kubeConfig(), objects, { existing: "keep", namespaceMap: { bench: "bench-restored" } });
    const restoreSeconds = (performance.now() - t) / 1000;
    return { objects: capture.objects.length, backupSeconds, restoreSeconds, restored: result.counts, targets: { backupSeconds: 5, restoreSeconds: 15 } };
  } finally {
    await cluster.stop();
  }
}

export function formatKubernetesBench(r: KubernetesBenchResult): string {
  const verdict = (s: number, goal: number) => (s <= goal ? `≤ ${goal} s met` : `≤ ${goal} s MISSED`);
  return [
    `== kubernetes: a namespace of ${r.objects} objects (real API server, folder repository) ==`,
    `backup  ${r.backupSeconds.toFixed(2)} s   (goal ${verdict(r.backupSeconds, r.targets.backupSeconds)})`,
    `restore ${r.restoreSeconds.toFixed(2)} s   (goal ${verdict(r.restoreSeconds, r.targets.restoreSeconds)}; to a new namespace: ${r.restored.created} created, ${r.restored.kept} kept, ${r.restored.failed} failed)`,
  ].join("\n");
}
