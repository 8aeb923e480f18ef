// lifeboat clusterpair create|get|describe|delete: a source cluster, a destination cluster and the
// location the application's data travels through, as `storkctl get clusterpair` shows them: a
// scheduler status (both clusters reachable, with the access migrations need) and a storage status
// (the location works, its bucket created when missing, and its repository opens). Pairs live in
// $LIFEBOAT_HOME/cluster-pairs.json with the status of their last check.
import type { DrStore, PairStatus } from "../dr/index";
import { UsageError } from "./args";
import { command, CommandError, emit, EXIT, required, type Context, type Group } from "./command";
import type { StoredPair } from "./dr-view";
import { fields, formatAge, formatTime, table } from "./format";

const PAIR_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const view = () => import("./dr-view");

/** A ClusterPair by name; an unknown name is bad input. */
export function findPair(dr: DrStore, name: string): StoredPair {
  const all = dr.pairs();
  const found = all.find((p) => p.name === name);
  if (!found) throw new UsageError(`no ClusterPair named "${name}" (${all.length ? `known: ${all.map((p) => p.name).sort().join(", ")}` : "create one with `lifeboat clusterpair create`"})`);
  return found;
}

/** Checks a pair now (both clusters, the location, its repository), closing what the check opened. */
async function check(ctx: Context, pair: Pick<StoredPair, "source" | "destination" | "location">): Promise<PairStatus> {
  const { commandRuntime, checkPairForMigrations } = await import("./dr-runtime");
  const runtime = await commandRuntime(ctx.state);
  try {
    return await checkPairForMigrations(runtime.ctx, pair);
  } finally {
    await runtime.close();
  }
}

const statusWord = (s: { status: string } | undefined) => s?.status ?? "Unknown";

function storageText(s: PairStatus["storage"]): string {
  if (s.status === "Ready") return `Ready${s.created ? " (its bucket was created by this check)" : ""}`;
  return `Error: ${s.reason ?? "unknown"}${s.created ? " (its bucket was created by this check)" : ""}`;
}

function clusterText(name: string, summary: PairStatus["source"]): string {
  if (!summary) return name;
  return `${name} (${summary.server}, Kubernetes ${summary.version}, ${summary.fullAccess ? "all the access migrations need" : "missing access"})`;
}

const pairTable = (pairs: StoredPair[]) =>
  table(["NAME", "SOURCE", "DESTINATION", "LOCATION", "SCHEDULER-STATUS", "STORAGE-STATUS", "CREATED"], pairs.map((p) => [
    p.name, p.source, p.destination, p.location, statusWord(p.status?.scheduler), statusWord(p.status?.storage), formatTime(p.createdAt),
  ]));

const create = command({
  name: "create",
  summary: "Create a ClusterPair: a source and a destination cluster, and the location between them",
  usage: "NAME --source CLUSTER --destination CLUSTER --location LOCATION [flags]",
  description: [
    "Both clusters are checked (reachable, with the access migrations need) and so is the location: it is",
    "probed, its bucket or container is created when it does not exist (a folder never is), and its",
    "repository must open. The pair is stored with the result, as storkctl does, even when a status is",
    "Error: the command then exits 1 with the reasons; `lifeboat clusterpair get NAME --check` checks again.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: {
    source: { type: "string", value: "CLUSTER", help: "the cluster the application runs on (see `lifeboat cluster list`)" },
    destination: { type: "string", value: "CLUSTER", help: "the cluster it is migrated to and fails over to" },
    location: { type: "string", value: "LOCATION", help: "the location its data travels through (see `lifeboat location list`)" },
  },
  examples: ["lifeboat clusterpair create prod-dr --source prod --destination dr --location flashblade"],
  async run(ctx, { args, flags }) {
    const name = args[0]!;
    if (!PAIR_NAME.test(name)) throw new UsageError(`"${name}" is not a valid ClusterPair name (lowercase letters, digits and '-'; at most 63)`);
    const source = required(flags.source, "source");
    const destination = required(flags.destination, "destination");
    const location = required(flags.location, "location");
    if (source === destination) throw new UsageError(`--source and --destination are the same cluster ("${source}")`);
    await ctx.state.cluster(source);
    await ctx.state.cluster(destination);
    await ctx.state.location(location);
    const dr = await ctx.state.dr();
    if (dr.pairs().some((p) => p.name === name)) {
      throw new CommandError(`a ClusterPair named "${name}" already exists`, `choose another name, or check it again with \`lifeboat clusterpair get ${name} --check\``);
    }
    ctx.progress.step("check", `clusters ${source} and ${destination}, location ${location}`);
    const status = await check(ctx, { source, destination, location });
    const pair: StoredPair = { name, source, destination, location, createdAt: new Date().toISOString(), status };
    dr.savePair(pair);
    const v = await view();
    const ready = v.pairReady(status);
    emit(ctx, { clusterPair: pair, ready }, () => [
      `ClusterPair "${name}" created: ${source} → ${destination} through ${location}.`,
      fields([["Scheduler status", status.scheduler.status === "Ready" ? "Ready" : `Error: ${status.scheduler.reason}`], ["Storage status", storageText(status.storage)]]),
    ].join("\n"));
    if (ready) {
      if (ctx.output !== "json") ctx.err(`note: \`lifeboat migration schedule NAME --clusterpair ${name} --namespaces NS --policy POLICY\` migrates an application over it.`);
      return EXIT.ok;
    }
    ctx.err(`error: ClusterPair "${name}" is not Ready: ${v.pairProblems(status).join("; ")}`);
    ctx.err(`hint: it is stored; once the cause is fixed, \`lifeboat clusterpair get ${name} --check\` checks it again`);
    return EXIT.failed;
  },
});

const get = command({
  name: "get",
  summary: "List ClusterPairs with their scheduler and storage status",
  usage: "[NAME] [--check] [flags]",
  description: [
    "Shows the status of each pair's last check; --check checks again now (both clusters, the location and",
    "its repository), stores the result, and exits 1 if a pair is not Ready.",
  ].join("\n"),
  args: { min: 0, max: 1 },
  flags: { check: { type: "boolean", help: "check the pairs again now" } },
  async run(ctx, { args, flags }) {
    const dr = await ctx.state.dr();
    let pairs = args[0] ? [findPair(dr, args[0])] : dr.pairs().sort((a, b) => a.name.localeCompare(b.name));
    if (flags.check) {
      const checked: StoredPair[] = [];
      for (const p of pairs) {
        ctx.progress.step("check", p.name);
        const status = await check(ctx, p);
        // Saved over the pair as it is now (another shell may have changed it meanwhile).
        const current = dr.pairs().find((x) => x.name === p.name);
        if (current) dr.savePair({ ...current, status });
        checked.push({ ...(current ?? p), status });
      }
      pairs = checked;
    }
    const v = await view();
    emit(ctx, { clusterPairs: pairs.map((p) => ({ ...p, ready: v.pairReady(p.status) })) }, () =>
      pairs.length ? pairTable(pairs) : "No ClusterPairs. Create one with: lifeboat clusterpair create NAME --source C1 --destination C2 --location L");
    const notReady = pairs.filter((p) => p.status && !v.pairReady(p.status));
    if (ctx.output !== "json") for (const p of notReady) ctx.err(`warning: ${p.name}: ${v.pairProblems(p.status!).join("; ")}`);
    if (flags.check && notReady.length) {
      ctx.err(`error: ${notReady.length === 1 ? `ClusterPair "${notReady[0]!.name}" is` : `ClusterPairs ${notReady.map((p) => p.name).join(", ")} are`} not Ready`);
      return EXIT.failed;
    }
    return EXIT.ok;
  },
});

const describe = command({
  name: "describe",
  summary: "Show a ClusterPair: its clusters, location, statuses with their reasons, and its migrations",
  usage: "NAME [flags]",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const dr = await ctx.state.dr();
    const pair = findPair(dr, args[0]!);
    const migrations = dr.migrations().filter((m) => m.pair === pair.name).map((m) => m.name);
    const address = (await ctx.state.locations()).find(pair.location)?.address;
    const s = pair.status;
    emit(ctx, { clusterPair: pair, migrations }, () => fields([
      ["Name", pair.name],
      ["Source", clusterText(pair.source, s?.source)],
      ["Destination", clusterText(pair.destination, s?.destination)],
      ["Location", address ? `${pair.location} (${address})` : `${pair.location} (no longer known: add it again)`],
      ["Scheduler status", !s ? "Unknown" : s.scheduler.status === "Ready" ? "Ready" : `Error: ${s.scheduler.reason}`],
      ["Storage status", s ? storageText(s.storage) : "Unknown"],
      ["Checked", s && `${formatTime(s.checkedAt)} (${formatAge(s.checkedAt)} ago)`],
      ["Created", `${formatTime(pair.createdAt)} (${formatAge(pair.createdAt)} ago)`],
      ["Migrations", migrations.length ? migrations.join(", ") : "(none)"],
    ]));
    return EXIT.ok;
  },
});

const del = command({
  name: "delete",
  summary: "Delete a ClusterPair (refused while a migration uses it)",
  usage: "NAME [flags]",
  description: "Nothing on the clusters or in the location is touched.",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const dr = await ctx.state.dr();
    const pair = findPair(dr, args[0]!);
    const users = dr.migrations().filter((m) => m.pair === pair.name).map((m) => m.name);
    if (users.length) throw new CommandError(`ClusterPair "${pair.name}" is used by the migration(s) ${users.join(", ")}`, `delete those first: ${users.map((u) => `\`lifeboat migration delete ${u}\``).join(", ")}`);
    dr.removePair(pair.name);
    emit(ctx, { deleted: pair.name }, () => `ClusterPair "${pair.name}" deleted; nothing on ${pair.source}, ${pair.destination} or in ${pair.location} was touched.`);
    return EXIT.ok;
  },
});

export const clusterPairGroup: Group = {
  name: "clusterpair",
  summary: "Create, get, describe and delete ClusterPairs (source, destination, location) for DR",
  commands: [create, get, describe, del],
};
