// Data mover pods: short-lived pods that mount one PersistentVolumeClaim so its files can be
// streamed as a tar through the API server's exec endpoint. They carry Lifeboat's labels and a
// deadline, so one left behind by a killed process stops by itself and is removed by the next job
// in its namespace.
import { randomBytes } from "node:crypto";
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from "@kubernetes/client-node";

export const MOVER_LABELS = { "app.kubernetes.io/managed-by": "lifeboat", "lifeboat.io/role": "volume-mover" } as const;
export const MOVER_SELECTOR = Object.entries(MOVER_LABELS).map(([k, v]) => `${k}=${v}`).join(",");
export const MOVER_JOB_LABEL = "lifeboat.io/job";
/** Where the claim is mounted in the mover. */
export const MOUNT_PATH = "/data";
export const DEFAULT_MOVER_IMAGE = "busybox:1.36";
/** A mover never outlives this, even when nobody is left to delete it. */
const MOVER_DEADLINE_SECONDS = 6 * 3600;

export interface MoverSpec {
  namespace: string;
  claim: string;
  image: string;
  readOnly: boolean;
  /** Pin to the node already using a ReadWriteOnce volume; otherwise the scheduler places it. */
  nodeName?: string;
  jobId: string;
}

export const newJobId = () => randomBytes(5).toString("hex");

/** The mover pod for one claim. Pure. */
export function moverPod(spec: MoverSpec): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      generateName: `lifeboat-mover-${spec.claim.slice(0, 30)}-`.replace(/--+/g, "-"),
      namespace: spec.namespace,
      labels: { ...MOVER_LABELS, [MOVER_JOB_LABEL]: spec.jobId },
      annotations: { "lifeboat.io/claim": spec.claim },
    },
    spec: {
      restartPolicy: "Never",
      nodeName: spec.nodeName,
      activeDeadlineSeconds: MOVER_DEADLINE_SECONDS,
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      // It must run where the application's volume is, whatever taints that node has.
      tolerations: [{ operator: "Exists" }],
      containers: [{
        name: "mover",
        image: spec.image,
        imagePullPolicy: "IfNotPresent",
        // Idles until the tar sessions are done; the deadline above bounds it.
        command: ["sh", "-c", `sleep ${MOVER_DEADLINE_SECONDS}`],
        // Root, to read and restore every file with its owner and mode as the application wrote it.
        securityContext: { runAsUser: 0, runAsGroup: 0 },
        volumeMounts: [{ name: "data", mountPath: MOUNT_PATH, readOnly: spec.readOnly }],
        resources: { requests: { cpu: "50m", memory: "32Mi" } },
      }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: spec.claim, readOnly: spec.readOnly } }],
    },
  };
}

/** Waiting reasons that will not resolve by waiting longer. */
const HOPELESS = new Set(["ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError"]);

export class MoverError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MoverError";
  }
}

export interface Mover {
  namespace: string;
  name: string;
  node?: string;
  remove(): Promise<void>;
}

/** Starts a mover and waits until it runs; fails with the pod's own reason (bad image, unschedulable). */
export async function startMover(kc: KubeConfig, spec: MoverSpec, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Mover> {
  const core = kc.makeApiClient(CoreV1Api);
  const created = await core.createNamespacedPod({ namespace: spec.namespace, body: moverPod(spec) });
  const name = created.metadata!.name!;
  const remove = async () => {
    await core.deleteNamespacedPod({ namespace: spec.namespace, name, gracePeriodSeconds: 0 }).catch(() => undefined);
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  try {
    for (;;) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      const pod = await core.readNamespacedPod({ namespace: spec.namespace, name });
      if (pod.status?.phase === "Running") return { namespace: spec.namespace, name, node: pod.spec?.nodeName, remove };
      if (pod.status?.phase === "Failed" || pod.status?.phase === "Succeeded") throw new MoverError(`mover pod ${spec.namespace}/${name} for claim ${spec.claim} ended (${pod.status.reason ?? pod.status.phase}): ${pod.status.message ?? ""}`);
      const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
      if (waiting?.reason && HOPELESS.has(waiting.reason)) throw new MoverError(`mover pod for claim ${spec.namespace}/${spec.claim} cannot start: ${waiting.reason}: ${waiting.message ?? ""} (image ${spec.image})`);
      if (Date.now() > deadline) {
        const unscheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
        const why = unscheduled ? `not scheduled: ${unscheduled.message ?? unscheduled.reason}` : (waiting?.reason ? `${waiting.reason}: ${waiting.message ?? ""}` : `phase ${pod.status?.phase ?? "unknown"}`);
        throw new MoverError(`mover pod for claim ${spec.namespace}/${spec.claim} did not start within ${Math.round((opts.timeoutMs ?? 180_000) / 1000)} s (${why})`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  } catch (err) {
    await remove();
    throw err;
  }
}

/** Removes VolumeSnapshots and clone claims that other (killed) jobs left in these namespaces. */
export async function removeStaleSnapshots(kc: KubeConfig, namespaces: string[], jobId: string): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const objects = kc.makeApiClient(CustomObjectsApi);
  const labelSelector = `app.kubernetes.io/managed-by=lifeboat,${MOVER_JOB_LABEL},${MOVER_JOB_LABEL}!=${jobId}`;
  const removed: string[] = [];
  for (const namespace of namespaces) {
    for (const pvc of (await core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector }).catch(() => ({ items: [] }))).items) {
      await core.deleteNamespacedPersistentVolumeClaim({ namespace, name: pvc.metadata!.name! }).catch(() => undefined);
      removed.push(`PersistentVolumeClaim/${namespace}/${pvc.metadata!.name}`);
    }
    const ref = { group: "snapshot.storage.k8s.io", version: "v1", namespace, plural: "volumesnapshots" };
    const snaps = (await objects.listNamespacedCustomObject({ ...ref, labelSelector }).catch(() => ({ items: [] }))) as { items: Array<{ metadata: { name: string } }> };
    for (const snap of snaps.items) {
      await objects.deleteNamespacedCustomObject({ ...ref, name: snap.metadata.name }).catch(() => undefined);
      removed.push(`VolumeSnapshot/${namespace}/${snap.metadata.name}`);
    }
  }
  return removed;
}

/** Removes movers that other (ended or killed) jobs left in these namespaces; returns their names. */
export async function removeStaleMovers(kc: KubeConfig, namespaces: string[], jobId: string): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const removed: string[] = [];
  for (const namespace of namespaces) {
    const pods = await core.listNamespacedPod({ namespace, labelSelector: `${MOVER_SELECTOR},${MOVER_JOB_LABEL}!=${jobId}` }).catch(() => ({ items: [] as V1Pod[] }));
    for (const pod of pods.items) {
      await core.deleteNamespacedPod({ namespace, name: pod.metadata!.name!, gracePeriodSeconds: 0 }).catch(() => undefined);
      removed.push(`${namespace}/${pod.metadata!.name}`);
    }
  }
  // A claim is only free again once its stale movers are gone.
  for (const ref of removed) {
    const [namespace, name] = ref.split("/") as [string, string];
    for (let i = 0; i < 120; i++) {
      const gone = await core.readNamespacedPod({ namespace, name }).then(() => false, () => true);
      if (gone) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return removed;
}
