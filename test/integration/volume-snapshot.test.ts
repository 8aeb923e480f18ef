// The snapshot path of volume backup, end to end on a cluster with a CSI driver that takes
// snapshots (`startCluster({ csi: true })`): a Deployment writes known files into a csi-hostpath
// claim and a local-path claim; the backup takes a VolumeSnapshot of the first, reads a claim
// cloned from it and removes both afterwards, while the local-path claim (no snapshot class for its
// provisioner) is read live; a restore into a new namespace provisions fresh csi-hostpath and
// local-path claims and brings every file back with its owner, mode and checksum.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Deployment } from "@kubernetes/client-node";
import { runBackup, type BackupOutcome } from "../../main/backup/job";
import { findKubernetesBackup } from "../../main/backup/resources";
import { openLocation } from "../../main/locations";
import { Repository } from "../../main/repo/repository";
import { runRestore } from "../../main/restore/job";
import { closeTransferPool } from "../../main/transfer/pool";
import { MOVER_SELECTOR } from "../../main/volumes/mover";
import { CSI_DRIVER_NAME, IMAGE_NAMES } from "../../scripts/testenv/pins";
import { startCluster, type TestCluster } from "../support/cluster";
import { execOk, waitForReadyPods } from "../support/kube";
import { waitFor } from "../support/proc";

const NS = "snap";
const COPY = "snap-copy";
const MOVER = IMAGE_NAMES.busybox;
const SNAPSHOTS = { group: "snapshot.storage.k8s.io", version: "v1" } as const;
// Two more CSI claims named as a StatefulSet with a long name names them: they differ only after
// the first 43 characters, which is all of a claim's name that fits in "lifeboat-<job>-<claim>"
// cut to 63 characters.
const LONG = ["data-postgresql-primary-cluster-production-eu-west-0", "data-postgresql-primary-cluster-production-eu-west-1"];

let cluster: TestCluster;
let kc: KubeConfig;
let repo: Repository;
const scratch = mkdtempSync(join(tmpdir(), "lifeboat-volume-snapshot-"));

// Written once (a restored pod finds the marker and leaves the restored files alone): 6 MiB of
// random data, files and a directory with their own owners and modes, a symlink and a hard link;
// a file on the local-path claim and one on each long-named claim.
const WRITE = `
set -eu
if [ ! -e /data/.written ]; then
  head -c 4194304 /dev/urandom > /data/blob.bin
  mkdir -p /data/dir/nested
  head -c 2097152 /dev/urandom > /data/dir/nested/second.bin
  echo "owned by 1234:5678, mode 640" > /data/owned.txt
  chown 1234:5678 /data/owned.txt && chmod 640 /data/owned.txt
  chown -R 42:43 /data/dir && chmod 750 /data/dir && chmod 700 /data/dir/nested
  echo "script" > /data/run.sh && chmod 4755 /data/run.sh
  ln -s dir/nested/second.bin /data/link
  ln /data/blob.bin /data/hardlink.bin
  echo "live data on local-path" > /cache/live.txt && chown 7:7 /cache/live.txt && chmod 600 /cache/live.txt
  echo "${LONG[0]}" > /long0/id && echo "${LONG[1]}" > /long1/id
  touch /data/.written
fi
exec sleep 86400
`;

function app(): V1Deployment {
  return {
    metadata: { name: "app", labels: { app: "app" } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "app" } },
      strategy: { type: "Recreate" },
      template: {
        metadata: { labels: { app: "app" } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{
            name: "app",
            image: IMAGE_NAMES.busybox,
            imagePullPolicy: "Never",
            command: ["sh", "-c", WRITE],
            volumeMounts: [
              { name: "data", mountPath: "/data" }, { name: "cache", mountPath: "/cache" },
              { name: "long0", mountPath: "/long0" }, { name: "long1", mountPath: "/long1" },
            ],
          }],
          volumes: [
            { name: "data", persistentVolumeClaim: { claimName: "data" } },
            { name: "cache", persistentVolumeClaim: { claimName: "cache" } },
            { name: "long0", persistentVolumeClaim: { claimName: LONG[0]! } },
            { name: "long1", persistentVolumeClaim: { claimName: LONG[1]! } },
          ],
        },
      },
    },
  };
}

/** Every entry of both volumes with type, owner, mode and size, checksums of the files, the link's target. */
async function inventory(namespace: string): Promise<string> {
  const [pod] = await waitForReadyPods(kc, namespace, "app=app");
  return execOk(kc, namespace, pod!.metadata!.name!, "app", ["sh", "-c", [
    "cd /data && find . ! -name . | sort | xargs stat -c '%n %F %u:%g %a %s %h'",
    "find . -type f | sort | xargs sha256sum",
    "readlink link",
    "cd /cache && find . ! -name . | sort | xargs stat -c '%n %F %u:%g %a %s' && sha256sum live.txt",
    "cat /long0/id /long1/id",
  ].join(" && ")]);
}

const namesOf = async (plural: string, namespace?: string) => {
  const api = kc.makeApiClient(CustomObjectsApi);
  const list = (namespace
    ? await api.listNamespacedCustomObject({ ...SNAPSHOTS, namespace, plural })
    : await api.listClusterCustomObject({ ...SNAPSHOTS, plural })) as { items: Array<{ metadata: { name: string } }> };
  return list.items.map((i) => i.metadata.name);
};

let original: string;

beforeAll(async () => {
  cluster = await startCluster({ name: "snap", node: true, csi: true });
  kc = cluster.kubeConfig();
  repo = await Repository.init(openLocation({ kind: "folder", path: scratch }), "snapshots", { kdf: { N: 1024, r: 8, p: 1 } });
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } });
  await waitFor("the namespace's default service account", () => cluster.kubectl(["get", "sa", "default", "-n", NS, "-o", "name"]).includes("default"));
  const claims = [["data", cluster.csiStorageClass!], ["cache", cluster.storageClass!], ...LONG.map((c) => [c, cluster.csiStorageClass!])];
  for (const [name, storageClassName] of claims) {
    await core.createNamespacedPersistentVolumeClaim({ namespace: NS, body: {
      metadata: { name },
      spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: "1Gi" } } },
    } });
  }
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: NS, body: app() });
  original = await waitFor("the app to write its files", async () => {
    const listing = await inventory(NS);
    return listing.includes("./blob.bin") && listing.includes(LONG[1]!) ? listing : undefined;
  }, { timeoutMs: 120_000, intervalMs: 1000 });
}, 300_000);

afterAll(async () => {
  await closeTransferPool();
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe("volume backup through a CSI VolumeSnapshot", () => {
  let backup: BackupOutcome;

  test("the cluster has the CSI driver, its StorageClass and its default VolumeSnapshotClass", () => {
    expect(cluster.kubectl(["get", "pvc", "data", "-n", NS, "-o", "jsonpath={.spec.storageClassName}"])).toBe("csi-hostpath");
    const pv = cluster.kubectl(["get", "pvc", "data", "-n", NS, "-o", "jsonpath={.spec.volumeName}"]);
    expect(cluster.kubectl(["get", "pv", pv, "-o", "jsonpath={.spec.csi.driver}"])).toBe(CSI_DRIVER_NAME);
    expect(cluster.kubectl(["get", "volumesnapshotclass", cluster.csiSnapshotClass!, "-o", "jsonpath={.driver}/{.deletionPolicy}"])).toBe(`${CSI_DRIVER_NAME}/Delete`);
    // local-path is still the default StorageClass.
    expect(cluster.kubectl(["get", "storageclass", "-o", "jsonpath={.items[?(@.metadata.annotations.storageclass\\.kubernetes\\.io/is-default-class=='true')].metadata.name}"])).toBe("local-path");
    expect(original).toContain("./owned.txt regular file 1234:5678 640");
  });

  test("the CSI claim is read from a clone of a VolumeSnapshot, the local-path claim live; both are removed afterwards", async () => {
    // Watch what the backup creates while it runs.
    const seen = { snapshots: new Set<string>(), claims: new Set<string>(), moverClaims: new Set<string>() };
    const core = kc.makeApiClient(CoreV1Api);
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const n of await namesOf("volumesnapshots", NS).catch(() => [])) seen.snapshots.add(n);
        for (const c of (await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items) seen.claims.add(c.metadata!.name!);
        for (const p of (await core.listNamespacedPod({ namespace: NS, labelSelector: MOVER_SELECTOR })).items) {
          for (const v of p.spec?.volumes ?? []) if (v.persistentVolumeClaim) seen.moverClaims.add(v.persistentVolumeClaim.claimName);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      backup = await runBackup(repo, kc, { name: "snap", cluster: "csi", spec: { namespaces: [NS] }, moverImage: MOVER });
    } finally {
      watching = false;
      await watcher;
    }
    const byClaim = Object.fromEntries(backup.volumes.map((v) => [v.claim, v]));
    expect(Object.keys(byClaim).sort()).toEqual(["cache", "data", ...LONG]);
    for (const long of LONG) expect(byClaim[long]).toMatchObject({ method: "snapshot", stream: `volumes/${NS}/${long}.tar` });
    expect(byClaim.data).toMatchObject({ namespace: NS, method: "snapshot", stream: `volumes/${NS}/data.tar` });
    expect(byClaim.cache).toMatchObject({ namespace: NS, method: "live", node: cluster.nodeName, stream: `volumes/${NS}/cache.tar` });
    expect(byClaim.data!.bytes).toBeGreaterThan(6 * 1024 * 1024);
    expect(backup.warnings).toEqual([]);

    // It really went through a snapshot: a VolumeSnapshot and a claim cloned from it, named after
    // the job, and the mover mounted that clone rather than the application's claim.
    const snapshots = [...seen.snapshots].filter((n) => n.startsWith("lifeboat-") && n.endsWith("-data"));
    expect(snapshots).toHaveLength(1);
    const clone = snapshots[0]!;
    expect(seen.claims).toContain(clone);
    expect(seen.moverClaims).toContain(clone);
    expect(seen.moverClaims).not.toContain("data");

    // Afterwards: the snapshot, its content (deletionPolicy Delete), the clone and its volume are gone,
    // and so are the movers.
    await waitFor("the VolumeSnapshot, its content and the cloned claim and volume to be deleted", async () => {
      const claims = (await core.listNamespacedPersistentVolumeClaim({ namespace: NS })).items.map((c) => c.metadata!.name!);
      const volumes = (await core.listPersistentVolume()).items.map((v) => v.spec?.claimRef?.name);
      return (await namesOf("volumesnapshots", NS)).length === 0 && (await namesOf("volumesnapshotcontents")).length === 0 &&
        claims.sort().join() === ["cache", "data", ...LONG].join() && !volumes.includes(clone);
    }, { timeoutMs: 60_000, intervalMs: 500 });
    expect((await core.listNamespacedPod({ namespace: NS, labelSelector: MOVER_SELECTOR })).items).toEqual([]);
    console.log(`backup: ${backup.volumes.map((v) => `${v.claim} ${v.method} ${(v.bytes / 2 ** 20).toFixed(1)} MiB in ${v.seconds.toFixed(1)} s`).join("; ")}`);
  });

  test("restored into a new namespace: fresh csi-hostpath and local-path claims with every file, owner, mode and checksum", async () => {
    expect(backup).toBeDefined();
    const snapshot = await findKubernetesBackup(repo, "snap");
    const outcome = await runRestore(repo, snapshot, kc, { existing: "fail", namespaceMap: { [NS]: COPY }, moverImage: MOVER });
    expect(outcome.complete, JSON.stringify({ volumes: outcome.volumes, workloads: outcome.workloads, failed: outcome.items.filter((i) => i.action === "failed") })).toBe(true);
    expect(outcome.volumes.map((v) => `${v.claim}:${v.ok}`).sort()).toEqual(["cache", "data", ...LONG].map((c) => `${c}:true`).sort());
    const claim = (name: string) => cluster.kubectl(["get", "pvc", name, "-n", COPY, "-o", "jsonpath={.spec.storageClassName}/{.spec.volumeName}"]).split("/");
    const [dataClass, dataPv] = claim("data");
    expect(dataClass).toBe("csi-hostpath");
    expect(cluster.kubectl(["get", "pv", dataPv!, "-o", "jsonpath={.spec.csi.driver}"])).toBe(CSI_DRIVER_NAME);
    expect(dataPv).not.toBe(cluster.kubectl(["get", "pvc", "data", "-n", NS, "-o", "jsonpath={.spec.volumeName}"]));
    expect(claim("cache")[0]).toBe("local-path");
    expect(await inventory(COPY)).toBe(original);
    expect((await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: COPY, labelSelector: MOVER_SELECTOR })).items).toEqual([]);
  });
});
