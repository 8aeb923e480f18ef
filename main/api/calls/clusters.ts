// clusters.* and inventory.*: clusters added from kubeconfigs (tested before they are kept), and the
// application view of a cluster's namespaces and resources.
import { readFileSync } from "node:fs";
import type { ClusterView, KubeContextView } from "../../../shared/api";
import { inventory, listNamespaces } from "../../clusters/inventory";
import { testConnection } from "../../clusters/connection";
import { ClusterError, contextsOf, loadKubeconfig, type KubeContext } from "../../clusters/kubeconfig";
import { parseSelector } from "../../clusters/label-selector";
import { defaultKubeconfigPath, type ClusterSummary } from "../../clusters/registry";
import type { EngineContext } from "../context";
import { conflict, notFound } from "../errors";
import type { Handlers } from "./types";

type Source = { kind: "file"; path: string } | { kind: "text"; text: string } | { kind: "default-kubeconfig" };

export function contextViews(contexts: KubeContext[], clusters: ClusterSummary[]): KubeContextView[] {
  return contexts.map((c) => ({ ...c, addedAs: clusters.find((k) => k.server === c.server && k.context === c.name)?.name }));
}

function kubeconfigText(source: Source): { text: string; label: string } {
  if (source.kind === "text") return { text: source.text, label: "the pasted kubeconfig" };
  const path = source.kind === "file" ? source.path : defaultKubeconfigPath();
  try {
    return { text: readFileSync(path, "utf8"), label: path };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new ClusterError("malformed-kubeconfig", `cannot read ${path}: ${why}`);
  }
}

export async function clusterByName(ctx: EngineContext, name: string): Promise<ClusterView> {
  const found = (await ctx.state.clusters()).list().find((c) => c.name === name);
  if (!found) throw notFound(`no cluster named "${name}"`);
  return found;
}

export function clusterCalls(ctx: EngineContext): Handlers<"clusters.list" | "clusters.contexts" | "clusters.add" | "clusters.test" | "clusters.remove" | "inventory.namespaces" | "inventory.resources"> {
  const kubeConfig = async (name: string) => (await ctx.state.clusters()).kubeConfig((await clusterByName(ctx, name)).id);
  return {
    "clusters.list": async () => (await ctx.state.clusters()).list(),
    "clusters.contexts": async ({ source }) => {
      const { text, label } = kubeconfigText(source);
      const kc = loadKubeconfig(text, label);
      return { contexts: contextViews(contextsOf(kc, label), (await ctx.state.clusters()).list()), current: kc.getCurrentContext() || undefined };
    },
    "clusters.add": async ({ source, context, name }) => {
      const result = await (await ctx.state.clusters()).add({ ...source, context }, { name });
      ctx.changed("clusters");
      return result;
    },
    "clusters.test": async ({ name }) => testConnection(await kubeConfig(name)),
    "clusters.remove": async ({ name }) => {
      const schedules = (await ctx.state.schedules()).schedules().filter((s) => s.cluster === name).map((s) => `schedule ${s.name}`);
      const pairs = (await ctx.state.dr()).pairs().filter((p) => p.source === name || p.destination === name).map((p) => `ClusterPair ${p.name}`);
      if (schedules.length + pairs.length) throw conflict(`cluster "${name}" is used by ${[...schedules, ...pairs].join(", ")}; remove those first`);
      (await ctx.state.clusters()).remove((await clusterByName(ctx, name)).id);
      ctx.changed("clusters");
      return { ok: true };
    },
    "inventory.namespaces": async ({ cluster }) => listNamespaces(await kubeConfig(cluster)),
    "inventory.resources": async ({ cluster, namespaces, labelSelector }) => {
      parseSelector(labelSelector ?? ""); // a bad selector is the admin's to fix, before the cluster is asked
      const inv = await inventory(await kubeConfig(cluster), { namespaces: namespaces.length ? namespaces : undefined, labelSelector });
      return {
        namespaces: inv.namespaces, total: inv.total, skipped: inv.skipped,
        kinds: inv.kinds.map((k) => ({ kind: k.kind, apiVersion: k.apiVersion, namespaced: k.namespaced, count: k.count, items: k.items })),
      };
    },
  };
}
