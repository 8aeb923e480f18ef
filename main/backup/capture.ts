// Capturing an application's resources: every listable kind in its namespaces (custom resources
// included, at the preferred version), narrowed by a label selector and kind filters, minus what
// must not be restored (capture-rules.ts), plus the cluster-scoped objects it depends on. The
// catalog (kind, namespace, name, labels, size) is what a partial restore picks from.
import { KubernetesObjectApi, type KubeConfig } from "@kubernetes/client-node";
import { classifyClusterError } from "../clusters/connection";
import { ClusterError, reuseConnections } from "../clusters/kubeconfig";
import { discoverKinds, listKind, resolveNamespaces, type ResourceKind } from "../clusters/inventory";
import { formatSelector, parseSelector } from "../clusters/label-selector";
import { mapLimit } from "../repo/concurrency";
import { dependenciesOf, exclusionReason, kindSelected, type Dependency, type Obj } from "./capture-rules";

export interface CaptureSpec {
  /** Namespaces to back up; empty means every namespace. */
  namespaces: string[];
  labelSelector?: string;
  /** Only these kinds ("PersistentVolumeClaim", "Widget.example.com"); empty means all. */
  includeKinds?: string[];
  excludeKinds?: string[];
  /** Pull in cluster-scoped dependencies (default true). */
  clusterDependencies?: boolean;
}

export interface CatalogEntry {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  labels: Record<string, string>;
  size: number;
}

export interface Capture {
  objects: Obj[];
  catalog: CatalogEntry[];
  /** Objects listed but left out, each with the reason. */
  excluded: Array<{ apiVersion: string; kind: string; namespace?: string; name: string; reason: string }>;
  dependencies: Dependency[];
  /** Kinds that could not be listed, with why (the backup reports them, it does not hide them). */
  skippedKinds: Array<{ apiVersion: string; kind: string; reason: string }>;
}

const entry = (o: Obj): CatalogEntry => ({
  apiVersion: o.apiVersion ?? "", kind: o.kind ?? "", namespace: o.metadata?.namespace, name: o.metadata?.name ?? "",
  labels: o.metadata?.labels ?? {}, size: Buffer.byteLength(JSON.stringify(o)),
});

/**
 * Kind names as admins type them (ConfigMap, configmaps, deployments.apps, Widget.example.com) as
 * canonical "Kind.group" names; an unknown one is an error, not a filter that silently matches nothing.
 */
export function resolveKindNames(names: string[] | undefined, kinds: ResourceKind[]): string[] | undefined {
  if (!names?.length) return names;
  return names.map((name) => {
    const wanted = name.trim().toLowerCase();
    const match = kinds.find((k) => [k.kind, k.plural, `${k.kind}.${k.group}`, `${k.plural}.${k.group}`].some((n) => n.toLowerCase().replace(/\.$/, "") === wanted));
    if (!match) throw new ClusterError("unknown-kind", `unknown kind "${name}": the cluster serves no such resource (use a kind such as ConfigMap, a resource such as configmaps, or Kind.group for custom resources)`);
    return `${match.kind}.${match.group}`.replace(/\.$/, "");
  });
}

export async function captureResources(kc: KubeConfig, spec: CaptureSpec): Promise<Capture> {
  reuseConnections(kc);
  const server = kc.getCurrentCluster()?.server ?? "";
  const selector = formatSelector(parseSelector(spec.labelSelector ?? ""));
  const namespaces = await resolveNamespaces(kc, spec.namespaces);

  const kinds = await discoverKinds(kc);
  spec = { ...spec, includeKinds: resolveKindNames(spec.includeKinds, kinds), excludeKinds: resolveKindNames(spec.excludeKinds, kinds) };
  const chosen = kinds.filter((k) => k.namespaced && kindSelected(k, spec.includeKinds, spec.excludeKinds));
  const objectsApi = KubernetesObjectApi.makeApiClient(kc);
  const skippedKinds: Capture["skippedKinds"] = [];
  const listed: Obj[] = [];
  await mapLimit(chosen, 6, async (kind: ResourceKind) => {
    try {
      for (const ns of namespaces) {
        // Lists return items without apiVersion/kind; restore needs them on every object.
        for (const o of await listKind(objectsApi, kind, ns, selector)) listed.push({ ...o, apiVersion: kind.apiVersion, kind: kind.kind } as Obj);
      }
    } catch (err) {
      skippedKinds.push({ apiVersion: kind.apiVersion, kind: kind.kind, reason: classifyClusterError(err, server).message });
    }
  });

  const uids = new Set(listed.map((o) => o.metadata?.uid).filter(Boolean));
  const objects: Obj[] = [];
  const excluded: Capture["excluded"] = [];
  for (const o of listed) {
    const reason = exclusionReason(o, (owner) => uids.has(owner.uid));
    if (reason) excluded.push({ apiVersion: o.apiVersion ?? "", kind: o.kind ?? "", namespace: o.metadata?.namespace, name: o.metadata?.name ?? "", reason });
    else objects.push(o);
  }

  let dependencies: Dependency[] = [];
  if (spec.clusterDependencies !== false) {
    const crdByKind = new Map<string, string>();
    const crds = await listKind(objectsApi, { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition" } as ResourceKind, undefined, "").catch(() => []);
    for (const crd of crds as Array<Obj & { spec: { group: string; names: { kind: string } } }>) crdByKind.set(`${crd.spec.group}/${crd.spec.names.kind}`, crd.metadata!.name!);
    const bindings = (await listKind(objectsApi, { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding" } as ResourceKind, undefined, "").catch(() => [])) as Obj[];
    const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");
    dependencies = dependenciesOf(objects, (ref) => crdByKind.get(`${groupOf(ref.apiVersion)}/${ref.kind}`), bindings, new Set(namespaces))
      .filter((d) => kindSelected(d, spec.includeKinds, spec.excludeKinds));
    const fetched = await mapLimit(dependencies, 8, async (d) => {
      try {
        const obj = (await objectsApi.read({ apiVersion: d.apiVersion, kind: d.kind, metadata: { name: d.name } })) as Obj;
        return { ...obj, apiVersion: d.apiVersion, kind: d.kind } as Obj;
      } catch (err) {
        skippedKinds.push({ apiVersion: d.apiVersion, kind: d.kind, reason: `${d.kind} ${d.name} (needed by ${d.neededBy}): ${classifyClusterError(err, server).message}` });
        return undefined;
      }
    });
    objects.push(...fetched.filter((o): o is Obj => o !== undefined));
  }

  return { objects, catalog: objects.map(entry), excluded, dependencies, skippedKinds };
}
