// After a restore: are the workloads it created actually running? Each one is watched until its
// pods are Ready or the timeout passes, and the answer says which and why not, so "restored" means
// the application is back, not merely that objects were accepted.
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import type { Obj } from "../backup/capture-rules";

export interface WorkloadReadiness {
  kind: string;
  namespace: string;
  name: string;
  ready: boolean;
  /** "2/2 ready", or why not. */
  detail: string;
}

const WATCHED = new Set(["Deployment", "StatefulSet", "DaemonSet", "Pod"]);

/** The claims a workload's pods mount (a StatefulSet's templates name them <template>-<set>-<ordinal>). Pure. */
export function claimsOfWorkload(o: Obj): { names: string[]; prefixes: string[] } {
  const spec = (o.spec ?? {}) as { template?: { spec?: { volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }> } }; volumes?: Array<{ persistentVolumeClaim?: { claimName?: string } }>; volumeClaimTemplates?: Array<{ metadata?: { name?: string } }> };
  const volumes = o.kind === "Pod" ? spec.volumes : spec.template?.spec?.volumes;
  const names = (volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((n): n is string => Boolean(n));
  const prefixes = o.kind === "StatefulSet" ? (spec.volumeClaimTemplates ?? []).map((t) => `${t.metadata?.name}-${o.metadata?.name}-`) : [];
  return { names, prefixes };
}

function podProblem(pods: V1Pod[]): string | undefined {
  for (const pod of pods) {
    for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const waiting = cs.state?.waiting;
      if (waiting?.reason && waiting.reason !== "ContainerCreating" && waiting.reason !== "PodInitializing") return `pod ${pod.metadata?.name}: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}`;
      if (cs.lastState?.terminated && cs.restartCount > 0) return `pod ${pod.metadata?.name}: restarted ${cs.restartCount}× (last exit ${cs.lastState.terminated.exitCode}${cs.lastState.terminated.reason ? `, ${cs.lastState.terminated.reason}` : ""})`;
    }
    const unscheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
    if (unscheduled) return `pod ${pod.metadata?.name} not scheduled: ${unscheduled.message ?? unscheduled.reason}`;
  }
  return undefined;
}

async function checkOne(kc: KubeConfig, w: { kind: string; namespace: string; name: string }): Promise<{ ready: boolean; detail: string; selector?: string }> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const labels = (m?: Record<string, string>) => (m ? Object.entries(m).map(([k, v]) => `${k}=${v}`).join(",") : undefined);
  switch (w.kind) {
    case "Deployment": {
      const d = await apps.readNamespacedDeployment(w);
      const want = d.spec?.replicas ?? 1;
      const ready = d.status?.readyReplicas ?? 0;
      return { ready: ready >= want && (d.status?.updatedReplicas ?? 0) >= want, detail: `${ready}/${want} ready`, selector: labels(d.spec?.selector.matchLabels) };
    }
    case "StatefulSet": {
      const s = await apps.readNamespacedStatefulSet(w);
      const want = s.spec?.replicas ?? 1;
      const ready = s.status?.readyReplicas ?? 0;
      return { ready: ready >= want, detail: `${ready}/${want} ready`, selector: labels(s.spec?.selector.matchLabels) };
    }
    case "DaemonSet": {
      const s = await apps.readNamespacedDaemonSet(w);
      const want = s.status?.desiredNumberScheduled ?? 0;
      const ready = s.status?.numberReady ?? 0;
      return { ready: ready >= want, detail: `${ready}/${want} ready`, selector: labels(s.spec?.selector.matchLabels) };
    }
    default: {
      const p = await core.readNamespacedPod(w);
      const ready = (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      return { ready, detail: ready ? "ready" : (podProblem([p]) ?? `phase ${p.status?.phase}`) };
    }
  }
}

/** Waits until every workload is Ready or the timeout passes; reports each. */
export async function waitForWorkloads(kc: KubeConfig, workloads: Array<{ kind: string; namespace: string; name: string }>, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<WorkloadReadiness[]> {
  const watched = workloads.filter((w) => WATCHED.has(w.kind));
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  const results = new Map<string, WorkloadReadiness>();
  const key = (w: { kind: string; namespace: string; name: string }) => `${w.kind}/${w.namespace}/${w.name}`;
  for (;;) {
    for (const w of watched.filter((w) => !results.get(key(w))?.ready)) {
      let state: { ready: boolean; detail: string; selector?: string };
      try {
        state = await checkOne(kc, w);
      } catch (err) {
        state = { ready: false, detail: `cannot read it: ${(err as Error).message}` };
      }
      let detail = state.detail;
      if (!state.ready && state.selector) {
        const pods = (await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: w.namespace, labelSelector: state.selector }).catch(() => ({ items: [] }))).items;
        const problem = podProblem(pods);
        if (problem) detail += `; ${problem}`;
      }
      results.set(key(w), { ...w, ready: state.ready, detail });
    }
    const all = watched.map((w) => results.get(key(w))!);
    if (all.every((r) => r.ready) || Date.now() > deadline || opts.signal?.aborted) return all;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
