// lifeboat cluster add|list|test|remove: the engine's cluster registry, from the command line.
import { readFileSync } from "node:fs";
import type { ConnectionReport } from "../clusters/connection";
import type { ClusterSource } from "../clusters/registry";
import { oneOf } from "./args";
import { command, emit, type Context, type Group } from "./command";
import { fields, formatAge, table } from "./format";

function accessWarnings(ctx: Context, report: ConnectionReport): void {
  if (ctx.output === "json") return;
  for (const c of report.checks.filter((c) => !c.allowed)) {
    ctx.err(`warning: these credentials may not ${c.verb} ${c.resource}${c.group && c.group !== "*" ? `.${c.group}` : ""}, needed to ${c.purpose}`);
  }
}

function accessLine(report: ConnectionReport): string {
  const denied = report.checks.filter((c) => !c.allowed).length;
  return denied ? `${report.checks.length - denied} of ${report.checks.length} access checks passed` : `all ${report.checks.length} access checks passed`;
}

const add = command({
  name: "add",
  summary: "Add a cluster from a kubeconfig (tested before it is kept)",
  usage: "NAME (--kubeconfig FILE | --from-default) [--context CONTEXT]",
  description: [
    "The chosen context is copied into Lifeboat as a self-contained kubeconfig (certificate files inlined;",
    "exec plugins such as aws, gke-gcloud-auth-plugin or kubelogin are kept and run when needed).",
    "The connection and the access Lifeboat needs are tested first; nothing is stored if the test fails.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: {
    kubeconfig: { type: "string", value: "FILE", help: "kubeconfig file to read (- reads it from stdin)" },
    "from-default": { type: "boolean", help: "use the default kubeconfig, as kubectl finds it ($KUBECONFIG, else ~/.kube/config)" },
    context: { type: "string", value: "CONTEXT", help: "context to use (default: the kubeconfig's current context)" },
  },
  examples: ["lifeboat cluster add prod --kubeconfig ~/prod.yaml", "lifeboat cluster add staging --from-default --context staging-admin"],
  async run(ctx, { args, flags }) {
    const which = oneOf(flags, ["kubeconfig", "from-default"]);
    const context = flags.context;
    const registry = await ctx.state.clusters();
    const { defaultKubeconfigPath } = await import("../clusters/registry");
    let source: ClusterSource;
    if (which === "from-default") source = { kind: "file", path: defaultKubeconfigPath(), context };
    else if (flags.kubeconfig === "-") source = { kind: "text", text: readFileSync(0, "utf8"), context };
    else source = { kind: "file", path: flags.kubeconfig!, context };
    const { cluster, report } = await registry.add(source, { name: args[0]! });
    emit(ctx, { cluster, connection: report }, () =>
      `Cluster "${cluster.name}" added: ${cluster.server} (Kubernetes ${report.version}, ${report.platform}), context ${cluster.context}, ${cluster.auth}; ${accessLine(report)}.`);
    accessWarnings(ctx, report);
    return 0;
  },
});

const list = command({
  name: "list",
  summary: "List the clusters Lifeboat knows",
  usage: "[flags]",
  args: { min: 0, max: 0 },
  flags: {},
  async run(ctx) {
    const clusters = (await ctx.state.clusters()).list();
    emit(ctx, { clusters }, () =>
      clusters.length
        ? table(["NAME", "SERVER", "CONTEXT", "AUTH", "AGE"], clusters.map((c) => [c.name, c.server, c.context, c.auth, formatAge(c.addedAt)]))
        : "No clusters. Add one with: lifeboat cluster add NAME --kubeconfig FILE");
    return 0;
  },
});

const test = command({
  name: "test",
  summary: "Test a cluster's connection and the access Lifeboat needs",
  usage: "NAME [flags]",
  description: "Exits 1 when the cluster cannot be reached or refuses the credentials; missing permissions are listed (and warned about) but do not fail the test, since a backup may need only some of them.",
  args: { min: 1, max: 1 },
  flags: {
    namespace: { type: "string", short: "n", value: "NAMESPACE", help: "check the access in this namespace (default: cluster-wide)" },
  },
  async run(ctx, { args, flags }) {
    const kc = await ctx.state.kubeConfig(args[0]!);
    const { testConnection } = await import("../clusters/connection");
    const report = await testConnection(kc, { namespace: flags.namespace });
    emit(ctx, { cluster: args[0], connection: report }, () => [
      fields([["Cluster", args[0]], ["Server", report.server], ["Version", `${report.version} (${report.platform})`], ["Access", accessLine(report)]]),
      "",
      table(["ALLOWED", "VERB", "RESOURCE", "NEEDED TO"], report.checks.map((c) => [c.allowed ? "yes" : "NO", c.verb, c.group && c.group !== "*" && c.group !== "" ? `${c.resource}.${c.group}` : c.resource, c.purpose])),
    ].join("\n"));
    accessWarnings(ctx, report);
    return 0;
  },
});

const remove = command({
  name: "remove",
  summary: "Forget a cluster (nothing on the cluster or in any location is touched)",
  usage: "NAME [flags]",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const cluster = await ctx.state.cluster(args[0]!);
    (await ctx.state.clusters()).remove(cluster.id);
    emit(ctx, { removed: cluster.name }, () => `Cluster "${cluster.name}" removed.`);
    return 0;
  },
});

export const clusterGroup: Group = { name: "cluster", summary: "Add, list, test and remove clusters", commands: [add, list, test, remove] };
