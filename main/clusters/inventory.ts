// The application view: namespaces, and the resources in them by kind, found through API
// discovery (custom resources included, each kind at its group's preferred version), filtered
// by a label selector in kubectl syntax, with counts.
import { ApisApi, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubeConfig, type KubernetesObject, type V1APIResource } from "@kubernetes/client-node";
import { mapLimit } from "../repo/concurrency";
import { classifyClusterError } from "./connection";
import { ClusterError } from "./kubeconfig";
import { formatSelector, parseSelector } from "./label-selector";

export interface ResourceKind {
  group: string;
  version: string;
  /** "v1" or "group/version", as in a manifest. */
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface InventoryItem {
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  labels: Record<string, string>;
}

export interface InventoryKind extends ResourceKind {
  count: number;
  items: InventoryItem[];
}

export interface Inventory {
  namespaces: string[];
  kinds: InventoryKind[];
  total: number;
  /** Kinds that could not be listed (no permission, an aggregated API that is down), with why. */
  skipped: Array<{ apiVersion: string; kind: string; reason: string }>;
}

const listable = (r: V1APIResource) => !r.name.includes("/") && (r.verbs ?? []).includes("list");

function kindsOf(resources: V1APIResource[], group: string, version: string): ResourceKind[] {
  return resources.filter(listable).map((r) => ({
    group, version, apiVersion: group ? `${group}/${version}` : version, kind: r.kind, plural: r.name, namespaced: r.namespaced,
  }));
}

/** Every listable kind the cluster serves, custom resources included, at the preferred version. */
export async function discoverKinds(kc: KubeConfig): Promise<ResourceKind[]> {
  const server = kc.getCurrentCluster()?.server ?? "";
  try {
    const core = await kc.makeApiClient(CoreV1Api).getAPIResources();
    const groups = (await kc.makeApiClient(ApisApi).getAPIVersions()).groups;
    const custom = kc.makeApiClient(CustomObjectsApi);
    const perGroup = await mapLimit(groups, 8, async (g) => {
      const version = g.preferredVersion?.version ?? g.versions[0]?.version;
      if (!version) return [];
      try {
        return kindsOf((await custom.getAPIResources({ group: g.name, version })).resources, g.name, version);
      } catch {
        return []; // an aggregated API that is unavailable must not hide everything else
      }
    });
    return [...kindsOf(core.resources, "", "v1"), ...perGroup.flat()];
  } catch (err) {
    throw classifyClusterError(err, server);
  }
}

export async function listNamespaces(kc: KubeConfig): Promise<Array<{ name: string; labels: Record<string, string> }>> {
  const server = kc.getCurrentCluster()?.server ?? "";
  try {
    const list = await kc.makeApiClient(CoreV1Api).listNamespace();
    return list.items.map((n) => ({ name: n.metadata!.name!, labels: n.metadata?.labels ?? {} }));
  } catch (err) {
    throw classifyClusterError(err, server);
  }
}

/** The requested namespaces (all when none are requested), failing clearly on unknown ones. */
export async function resolveNamespaces(kc: KubeConfig, requested: string[]): Promise<string[]> {
  const existing = (await listNamespaces(kc)).map((n) => n.name);
  const unknown = requested.filter((n) => !existing.includes(n));
  if (unknown.length) {
    const server = kc.getCurrentCluster()?.server ?? "";
    throw new ClusterError("unknown-namespace", `unknown namespace${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")} on ${server} (it has: ${existing.join(", ")})`);
  }
  return requested.length ? requested : existing;
}

/** Lists one kind (in one namespace, or cluster-wide), page by page. */
export async function listKind(objects: KubernetesObjectApi, kind: ResourceKind, namespace: string | undefined, selector: string): Promise<KubernetesObject[]> {
  const items: KubernetesObject[] = [];
  let continueToken: string | undefined;
  do {
    const page = await objects.list(kind.apiVersion, kind.kind, namespace, undefined, undefined, undefined, undefined, selector || undefined, 1000, continueToken);
    items.push(...page.items);
    continueToken = page.metadata?._continue || undefined;
  } while (continueToken);
  return items;
}

/**
 * The resources of `namespaces` (all when empty) matching `labelSelector`, grouped by kind. The
 * selector is checked first, so a typo is reported precisely instead of as a server error.
 */
export async function inventory(kc: KubeConfig, opts: { namespaces?: string[]; labelSelector?: string; kinds?: ResourceKind[] } = {}): Promise<Inventory> {
  const selector = formatSelector(parseSelector(opts.labelSelector ?? ""));
  const server = kc.getCurrentCluster()?.server ?? "";
  const wanted = await resolveNamespaces(kc, opts.namespaces ?? []);

  const kinds = (opts.kinds ?? (await discoverKinds(kc))).filter((k) => k.namespaced);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const skipped: Inventory["skipped"] = [];
  const all = !opts.namespaces?.length;
  const results = await mapLimit(kinds, 6, async (kind): Promise<InventoryKind> => {
    try {
      // All namespaces: one cluster-wide list per kind; otherwise one list per chosen namespace.
      const lists = all ? [await listKind(objects, kind, undefined, selector)] : await Promise.all(wanted.map((ns) => listKind(objects, kind, ns, selector)));
      const items = lists.flat().map((o) => ({ kind: kind.kind, apiVersion: kind.apiVersion, namespace: o.metadata?.namespace, name: o.metadata?.name ?? "", labels: o.metadata?.labels ?? {} }));
      return { ...kind, count: items.length, items };
    } catch (err) {
      skipped.push({ apiVersion: kind.apiVersion, kind: kind.kind, reason: classifyClusterError(err, server).message });
      return { ...kind, count: 0, items: [] };
    }
  });
  const nonEmpty = results.filter((k) => k.count > 0).sort((a, b) => a.kind.localeCompare(b.kind));
  return { namespaces: wanted, kinds: nonEmpty, total: nonEmpty.reduce((n, k) => n + k.count, 0), skipped };
}
