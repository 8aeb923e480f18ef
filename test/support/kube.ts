// Small helpers over @kubernetes/client-node for tests: exec in a pod and wait for pods.
import { Writable } from "node:stream";
import { CoreV1Api, Exec, type KubeConfig, type V1Pod, type V1Status } from "@kubernetes/client-node";
import { waitFor } from "./proc";

export interface ExecResult {
  stdout: string;
  stderr: string;
  status: V1Status;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString("utf8") };
}

/** Runs `command` in a pod's container through the API server's exec endpoint (WebSocket). */
export async function execInPod(kc: KubeConfig, namespace: string, pod: string, container: string, command: string[]): Promise<ExecResult> {
  const out = collector();
  const err = collector();
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(kc)
      .exec(namespace, pod, container, command, out.stream, err.stream, null, false, resolve)
      .then((ws) => {
        ws.on("error", reject);
        // The status arrives before the socket closes; a close without one is a broken stream.
        ws.on("close", () => setTimeout(() => reject(new Error(`exec in ${namespace}/${pod} ended without a status`)), 100));
      })
      .catch(reject);
  });
  return { stdout: out.text(), stderr: err.text(), status };
}

/** Like execInPod, but fails with the command's stderr unless it succeeded. */
export async function execOk(kc: KubeConfig, namespace: string, pod: string, container: string, command: string[]): Promise<string> {
  const res = await execInPod(kc, namespace, pod, container, command);
  if (res.status.status !== "Success") {
    throw new Error(`exec ${command.join(" ")} in ${namespace}/${pod}: ${res.status.message ?? res.status.status}\n${res.stderr}`);
  }
  return res.stdout;
}

const isReady = (pod: V1Pod) =>
  pod.status?.phase === "Running" && (pod.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** Waits until `count` pods matching `labelSelector` are Running and Ready; returns them. */
export async function waitForReadyPods(kc: KubeConfig, namespace: string, labelSelector: string, count = 1, timeoutMs = 120_000): Promise<V1Pod[]> {
  const core = kc.makeApiClient(CoreV1Api);
  return waitFor(`${count} ready pod(s) matching ${labelSelector} in ${namespace}`, async () => {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector })).items;
    const ready = pods.filter(isReady);
    if (ready.length >= count) return ready;
    // Surface a container that can never start (bad image, crash) instead of waiting it out.
    for (const pod of pods) {
      for (const cs of pod.status?.containerStatuses ?? []) {
        const reason = cs.state?.waiting?.reason;
        if (reason && ["ErrImageNeverPull", "InvalidImageName", "CreateContainerConfigError"].includes(reason)) {
          throw new Error(`pod ${pod.metadata?.name}: ${reason}: ${cs.state?.waiting?.message ?? ""}`);
        }
      }
    }
    return undefined;
  }, { timeoutMs, intervalMs: 500 });
}
