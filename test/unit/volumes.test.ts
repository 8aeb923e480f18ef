// Pure parts of the volume data path and of restoring claims: which claims are backed up and where
// they are read, the mover pod, which PVs a restore leaves to be provisioned afresh, which claims
// may be replaced, and which claims a workload mounts.
import { describe, expect, test } from "vitest";
import type { V1Pod } from "@kubernetes/client-node";
import type { Obj } from "../../main/backup/capture-rules";
import { claimsOfWorkload } from "../../main/restore/readiness";
import { replaceRefusal, volumesReprovisioned } from "../../main/restore/restore";
import { planVolumes, volumeStreamName } from "../../main/volumes/backup";
import { MOUNT_PATH, moverPod } from "../../main/volumes/mover";
import { volumesInSnapshot } from "../../main/volumes/restore";
import type { SnapshotManifest } from "../../main/repo/format";

const pvc = (namespace: string, name: string, phase: string, volumeName?: string): Obj =>
  ({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { namespace, name }, spec: { volumeName, storageClassName: "fast", resources: { requests: { storage: "5Gi" } } }, status: { phase } }) as Obj;
const pv = (name: string, claim: { namespace: string; name: string }, csi?: string): Obj =>
  ({ apiVersion: "v1", kind: "PersistentVolume", metadata: { name }, spec: { claimRef: claim, ...(csi ? { csi: { driver: csi } } : {}) } }) as Obj;
const pod = (namespace: string, name: string, claim: string, nodeName: string, phase = "Running"): V1Pod =>
  ({ metadata: { namespace, name }, spec: { nodeName, containers: [], volumes: [{ name: "d", persistentVolumeClaim: { claimName: claim } }] }, status: { phase } });

describe("planVolumes", () => {
  test("bound claims are planned on the node of the running pod that mounts them, with their CSI driver", () => {
    const objects = [pvc("db", "data", "Bound", "pv-1"), pv("pv-1", { namespace: "db", name: "data" }, "hostpath.csi.k8s.io"), pvc("db", "logs", "Bound", "pv-2")];
    const { plans, skipped } = planVolumes(objects, [pod("db", "old", "data", "node-x", "Succeeded"), pod("db", "db-0", "data", "node-a"), pod("other", "p", "logs", "node-b")]);
    expect(plans).toEqual([
      { namespace: "db", claim: "data", node: "node-a", csiDriver: "hostpath.csi.k8s.io", storageClass: "fast", capacity: "5Gi" },
      { namespace: "db", claim: "logs", node: undefined, csiDriver: undefined, storageClass: "fast", capacity: "5Gi" },
    ]);
    expect(skipped).toEqual([]);
  });

  test("a claim that is not bound has no data and is reported, not planned", () => {
    const { plans, skipped } = planVolumes([pvc("db", "new", "Pending")], []);
    expect(plans).toEqual([]);
    expect(skipped).toEqual([{ namespace: "db", claim: "new", reason: expect.stringMatching(/Pending/) }]);
  });
});

test("the mover pod: labelled, bounded, tolerating, root, the claim mounted read-only when reading", () => {
  const p = moverPod({ namespace: "db", claim: "data-db-0", image: "busybox:1.36", readOnly: true, nodeName: "node-a", jobId: "j1" });
  expect(p.metadata?.labels).toMatchObject({ "app.kubernetes.io/managed-by": "lifeboat", "lifeboat.io/role": "volume-mover", "lifeboat.io/job": "j1" });
  expect(p.spec).toMatchObject({ nodeName: "node-a", restartPolicy: "Never", tolerations: [{ operator: "Exists" }] });
  expect(p.spec!.activeDeadlineSeconds).toBeGreaterThan(0);
  expect(p.spec!.containers[0]!.volumeMounts).toEqual([{ name: "data", mountPath: MOUNT_PATH, readOnly: true }]);
  expect(p.spec!.volumes![0]!.persistentVolumeClaim).toEqual({ claimName: "data-db-0", readOnly: true });
});

test("volumesInSnapshot finds the claims whose data a snapshot holds", () => {
  const snap = { streams: [{ name: "kubernetes/resources.jsonl" }, { name: volumeStreamName("db", "data-db-0") }, { name: volumeStreamName("web", "uploads") }] } as unknown as SnapshotManifest;
  expect([...volumesInSnapshot(snap)]).toEqual(["db/data-db-0", "web/uploads"]);
});

describe("restoring claims", () => {
  const objects = [pv("pv-1", { namespace: "db", name: "data" }), pv("pv-2", { namespace: "db", name: "other" }), pvc("db", "data", "Bound", "pv-1")];

  test("the PV of a claim whose data is restored is left out: the claim is provisioned afresh", () => {
    expect([...volumesReprovisioned(objects, new Set(["db/data"]))]).toEqual(["pv-1"]);
    expect([...volumesReprovisioned(objects, new Set())]).toEqual([]);
  });

  test("a claim may be replaced only when its data comes with the restore; volumes, namespaces and CRDs never", () => {
    expect(replaceRefusal(pvc("db", "data", "Bound"), new Set(["db/data"]))).toBeUndefined();
    expect(replaceRefusal(pvc("db", "data", "Bound"), new Set())).toMatch(/could delete its volume/);
    expect(replaceRefusal(pv("pv-1", { namespace: "db", name: "data" }), new Set(["db/data"]))).toMatch(/data would be lost/);
    expect(replaceRefusal({ apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "db", name: "c" } }, new Set())).toBeUndefined();
    expect(replaceRefusal({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "fast" } }, new Set())).toMatch(/other applications may depend on them/);
  });

  test("claimsOfWorkload: pod template volumes, a pod's own volumes, a StatefulSet's claim templates", () => {
    const deploy = { kind: "Deployment", metadata: { name: "web" }, spec: { template: { spec: { volumes: [{ persistentVolumeClaim: { claimName: "uploads" } }, { emptyDir: {} }] } } } } as Obj;
    const sts = { kind: "StatefulSet", metadata: { name: "db" }, spec: { template: { spec: {} }, volumeClaimTemplates: [{ metadata: { name: "data" } }] } } as Obj;
    const standalone = { kind: "Pod", metadata: { name: "p" }, spec: { volumes: [{ persistentVolumeClaim: { claimName: "scratch" } }] } } as Obj;
    expect(claimsOfWorkload(deploy)).toEqual({ names: ["uploads"], prefixes: [] });
    expect(claimsOfWorkload(sts)).toEqual({ names: [], prefixes: ["data-db-"] });
    expect(claimsOfWorkload(standalone)).toEqual({ names: ["scratch"], prefixes: [] });
  });
});
