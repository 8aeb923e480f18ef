// Incremental volume sync on a real cluster: an application's local-path claim (a few MiB: files,
// a subdirectory, owners and modes, a symlink, a hard link, a name with a space and a newline) is
// backed up and restored into another namespace (the first, full copy); the source then changes
// (a file modified, one added, one deleted, one chmod'ed, a file turned into a directory) and is
// backed up again, and syncVolume brings the restored claim to the second backup: a small fraction
// of the volume crosses the exec stream, and both claims then list identically (names, types,
// modes, owners, sizes, mtimes, checksums, link targets). Syncing the same backup again sends
// almost nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Deployment } from "@kubernetes/client-node";
import { runBackup, type BackupOutcome } from "../../main/backup/job";
import { findKubernetesBackup } from "../../main/backup/resources";
import { openLocation } from "../../main/locations";
import { Repository } from "../../main/repo/repository";
import { runRestore } from "../../main/restore/job";
import { closeTransferPool } from "../../main/transfer/pool";
import { MOVER_SELECTOR, newJobId } from "../../main/volumes/mover";
import { syncVolume, type VolumeSyncResult } from "../../main/volumes/sync";
import { IMAGE_NAMES } from "../../scripts/testenv/pins";
import { startCluster, type TestCluster } from "../support/cluster";
import { execOk, waitForReadyPods } from "../support/kube";
import { waitFor } from "../support/proc";

const SRC = "app";
const DST = "app-dr";
const MOVER = IMAGE_NAMES.busybox;

let cluster: TestCluster;
let kc: KubeConfig;
let repo: Repository;
const scratch = mkdtempSync(join(tmpdir(), "lifeboat-volume-sync-"));

// Written once (a restored pod finds the marker and leaves the restored files alone).
const WRITE = `
set -eu
if [ ! -e /data/.written ]; then
  head -c 3145728 /dev/urandom > /data/big.bin
  mkdir -p /data/sub/deeper
  head -c 1048576 /dev/urandom > /data/sub/one.bin
  for i in $(seq 1 20); do echo "small file $i" > /data/sub/small-$i.txt; done
  head -c 65536 /dev/urandom > /data/modify.bin
  echo "delete me" > /data/delete.txt
  echo "chmod me" > /data/chmod.txt
  echo "a file, later a directory" > /data/typechange
  printf 'space and newline' > '/data/sp ace
nl'
  echo "owned" > /data/sub/deeper/owned.txt
  chown -R 1234:5678 /data/sub/deeper && chmod 750 /data/sub/deeper && chmod 640 /data/sub/deeper/owned.txt
  ln -s sub/one.bin /data/link
  ln /data/sub/small-1.txt /data/hard.txt
  touch /data/.written
fi
exec sleep 86400
`;

const CHANGE = `
set -eu
dd if=/dev/urandom of=/data/modify.bin bs=4096 count=1 seek=3 conv=notrunc 2>/dev/null
touch -d '2024-01-02 03:04:05' /data/modify.bin
head -c 20000 /dev/urandom > /data/sub/added.bin
rm /data/delete.txt
chmod 600 /data/chmod.txt
rm /data/typechange && mkdir /data/typechange && echo "inside" > /data/typechange/x
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
          containers: [{ name: "app", image: IMAGE_NAMES.busybox, imagePullPolicy: "Never", command: ["sh", "-c", WRITE], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
        },
      },
    },
  };
}

const podOf = async (namespace: string) => (await waitForReadyPods(kc, namespace, "app=app"))[0]!.metadata!.name!;
const inPod = async (namespace: string, script: string) => execOk(kc, namespace, await podOf(namespace), "app", ["sh", "-c", script]);

/** Every entry: name, type, mode, owner, size, mtime, links and checksum (files), target (symlinks). */
const inventory = (namespace: string) => inPod(namespace, `cd /data && find . -print0 | sort -z | xargs -0 sh -c '
for f; do
  printf "%s|" "$f"
  if [ -L "$f" ]; then printf "link|%s\\n" "$(readlink "$f")"
  elif [ -d "$f" ]; then stat -c "dir|%a|%u:%g|%Y" "$f"
  else printf "%s|%s\\n" "$(stat -c "file|%a|%u:%g|%s|%Y|%h" "$f")" "$(sha256sum < "$f" | cut -d" " -f1)"
  fi
done' sh`);

const moversIn = async (namespace: string) => (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace, labelSelector: MOVER_SELECTOR })).items.length;
const MiB = (n: number) => `${(n / 2 ** 20).toFixed(2)} MiB`;

beforeAll(async () => {
  cluster = await startCluster({ name: "vsync", node: true });
  kc = cluster.kubeConfig();
  repo = await Repository.init(openLocation({ kind: "folder", path: scratch }), "volume sync", { kdf: { N: 1024, r: 8, p: 1 } });
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: SRC } } });
  await waitFor("the namespace's default service account", () => cluster.kubectl(["get", "sa", "default", "-n", SRC, "-o", "name"]).includes("default"));
  await core.createNamespacedPersistentVolumeClaim({ namespace: SRC, body: {
    metadata: { name: "data" },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName: cluster.storageClass!, resources: { requests: { storage: "1Gi" } } },
  } });
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: SRC, body: app() });
  await waitFor("the app to write its files", async () => (await inventory(SRC)).includes("./.written|"), { timeoutMs: 120_000, intervalMs: 1000 });
}, 300_000);

afterAll(async () => {
  await closeTransferPool();
  await cluster?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe("incremental sync of a volume into an existing claim", () => {
  let first: BackupOutcome;
  let second: BackupOutcome;
  let synced: VolumeSyncResult;
  const fill = { sourceNamespace: SRC, claim: "data", namespace: DST };

  test("first copy: a backup restored into another namespace (a full restore)", async () => {
    first = await runBackup(repo, kc, { name: "vsync", cluster: "vsync", spec: { namespaces: [SRC] }, moverImage: MOVER });
    expect(first.volumes).toEqual([expect.objectContaining({ namespace: SRC, claim: "data", method: "live" })]);
    const outcome = await runRestore(repo, await findKubernetesBackup(repo, first.snapshot.id), kc, { existing: "fail", namespaceMap: { [SRC]: DST }, moverImage: MOVER });
    expect(outcome.complete, JSON.stringify(outcome.volumes)).toBe(true);
    expect(outcome.volumes).toEqual([expect.objectContaining({ namespace: DST, claim: "data", ok: true })]);
    console.log(`full restore: ${MiB(outcome.volumes[0]!.bytes)} through the exec stream in ${outcome.volumes[0]!.seconds.toFixed(1)} s`);
    const restored = await inventory(DST);
    expect(restored).toContain("./sp ace\nnl|file|644|0:0|17|");
    expect(restored).toContain("./sub/deeper/owned.txt|file|640|1234:5678|6|");
  });

  test("after changes at the source, a second backup synced into the restored claim: only the changes cross, and the claims are identical", async () => {
    await inPod(SRC, CHANGE);
    second = await runBackup(repo, kc, { name: "vsync", cluster: "vsync", spec: { namespaces: [SRC] }, moverImage: MOVER });
    const source = await inventory(SRC);
    expect(await inventory(DST)).not.toBe(source);

    synced = await syncVolume(kc, repo, second.snapshot, fill, { image: MOVER, jobId: newJobId() });
    console.log(`incremental sync: ${(synced.bytesSent / 1024).toFixed(1)} KiB sent of a ${MiB(synced.streamBytes)} volume stream ` +
      `(${((100 * synced.bytesSent) / synced.streamBytes).toFixed(2)} %), listing ${(synced.listingBytes / 1024).toFixed(1)} KiB, in ${synced.seconds.toFixed(1)} s`, synced);
    expect(synced.ok, synced.reason).toBe(true);
    expect(synced.streamBytes).toBeGreaterThan(4 * 2 ** 20);
    expect(synced.bytesSent).toBeLessThan(synced.streamBytes * 0.05);
    expect(synced.filesSkipped).toBeGreaterThan(20);
    // modify.bin, added.bin, chmod.txt, typechange/x, the hard-linked pair's file (always re-sent)
    expect(synced.filesSent).toBe(5);
    expect(synced.replaced).toBe(1); // typechange: a file, now a directory
    expect(synced.removed).toBe(1); // delete.txt

    const after = await inventory(DST);
    expect(after.split("\n")).toEqual(source.split("\n"));
    expect(after).toContain("./chmod.txt|file|600|");
    expect(after).toContain("./typechange/x|file|644|");
    expect(after).toContain("./modify.bin|file|644|0:0|65536|1704164645|");
    expect(after).not.toContain("./delete.txt");
    expect(await moversIn(DST)).toBe(0);
  });

  test("syncing the same backup again sends almost nothing", async () => {
    const again = await syncVolume(kc, repo, second.snapshot, fill, { image: MOVER, jobId: newJobId() });
    console.log(`repeated sync: ${again.bytesSent} bytes sent in ${again.seconds.toFixed(1)} s`, again);
    expect(again.ok, again.reason).toBe(true);
    expect(again).toMatchObject({ filesSent: 1, removed: 0, replaced: 0 }); // the hard-linked file
    expect(again.bytesSent).toBeLessThan(8 * 1024);
    expect(again.filesSkipped).toBe(synced.filesSkipped + synced.filesSent - 1);
    expect(await inventory(DST)).toBe(await inventory(SRC));
  });

  test("a claim the backup has no data for: a clear failure, no mover started", async () => {
    const r = await syncVolume(kc, repo, second.snapshot, { ...fill, claim: "other" }, { image: MOVER, jobId: newJobId() });
    expect(r).toMatchObject({ ok: false, bytesSent: 0, reason: `the backup has no data for ${SRC}/other` });
    const missing = await syncVolume(kc, repo, second.snapshot, { ...fill, namespace: "no-such-namespace" }, { image: MOVER, jobId: newJobId(), timeoutMs: 10_000 });
    expect(missing.ok).toBe(false);
    expect(missing.reason).toMatch(/not found|no-such-namespace/);
    expect(await moversIn(DST)).toBe(0);
  });
});
