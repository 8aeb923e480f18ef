// lifeboat restore create|describe|list. Each restore leaves a record in $LIFEBOAT_HOME/restores, so
// its outcome can be read again after the command ended (as `velero restore describe` does).
import type { KubernetesBackupMeta } from "../backup/resources";
import type { SnapshotManifest } from "../repo/format";
import type { Repository } from "../repo/repository";
import type { RestoreRequest } from "../restore/job";
import type { ExistingPolicy, RestoreAction, RestoreItemResult } from "../restore/restore";
import { NAME_RULES, parseDuration, parseKinds, parseList, parseMappings, parseObjectRefs, UsageError } from "./args";
import { command, emit, EXIT, required, type Context, type Group } from "./command";
import { fields, formatAge, formatBytes, formatDuration, formatTime, shortId, table } from "./format";
import { defaultRestoreName, restoreStatus, type RestoreRecord } from "../restore/records";

type Backup = SnapshotManifest & { meta: KubernetesBackupMeta };

const POLICIES: ExistingPolicy[] = ["keep", "replace", "fail"];
const RESTORE_NAME = /^[a-z0-9]([-a-z0-9._]{0,61}[a-z0-9])?$/;

const objectRef = (i: { kind: string; namespace?: string; name: string }) => `${i.kind}/${i.namespace ? `${i.namespace}/` : ""}${i.name}`;
const indent = (text: string) => text.split("\n").map((l) => `  ${l}`).join("\n");

function requestFrom(flags: {
  "existing-resource-policy"?: string; "namespace-mappings": string[]; "storage-class-mappings": string[]; "include-namespaces": string[];
  "include-resources": string[]; objects: string[]; "no-volumes"?: boolean; "no-wait"?: boolean; "ready-timeout"?: string; "mover-image"?: string;
}): RestoreRequest {
  const policy = (flags["existing-resource-policy"] ?? "keep") as ExistingPolicy;
  if (!POLICIES.includes(policy)) throw new UsageError(`--existing-resource-policy must be ${POLICIES.join(", ")}, not "${policy}"`);
  if (flags["no-wait"] && flags["ready-timeout"] !== undefined) throw new UsageError("--ready-timeout has no effect with --no-wait");
  return {
    existing: policy,
    namespaceMap: parseMappings("namespace-mappings", flags["namespace-mappings"], NAME_RULES.namespace),
    storageClassMap: parseMappings("storage-class-mappings", flags["storage-class-mappings"], NAME_RULES.storageClass),
    namespaces: parseList("include-namespaces", flags["include-namespaces"]),
    kinds: parseKinds("include-resources", flags["include-resources"]),
    objects: parseObjectRefs("objects", flags.objects),
    volumes: flags["no-volumes"] ? false : undefined,
    waitReady: !flags["no-wait"],
    readyTimeoutMs: flags["ready-timeout"] !== undefined ? parseDuration("ready-timeout", flags["ready-timeout"]) : undefined,
    moverImage: flags["mover-image"],
  };
}

async function findBackup(ctx: Context, location: string, ref: string, use: (repo: Repository, backup: Backup) => Promise<RestoreRecord>): Promise<RestoreRecord> {
  const repo = await (await ctx.state.location(location)).openRepository(location);
  try {
    const { findKubernetesBackup } = await import("../backup/resources");
    return await use(repo, await findKubernetesBackup(repo, ref));
  } finally {
    await repo.location.close();
  }
}

function summaryLine(r: RestoreRecord): string {
  const c = r.counts;
  const counts = c ? `${c.created} created, ${c.replaced} replaced, ${c.kept} kept, ${c.failed} failed` : "no objects restored";
  const volumes = r.volumes?.length ? `; ${r.volumes.filter((v) => v.ok).length}/${r.volumes.length} volume(s) filled` : "";
  const workloads = r.workloads?.length ? `; ${r.workloads.filter((w) => w.ready).length}/${r.workloads.length} workload(s) ready` : "";
  return `Restore "${r.name}" (${r.id}) ${r.status}: ${counts}${volumes}${workloads}.`;
}

/** What needs attention: failures, kept objects, unfilled volumes, workloads not ready. */
function problemSections(r: RestoreRecord, all: boolean): string[] {
  const sections: string[] = [];
  const items = r.items ?? [];
  const itemTable = (list: RestoreItemResult[]) => indent(table(["OBJECT", "ACTION", "REASON"], list.map((i) => [objectRef(i), i.action, i.reason])));
  const failed = items.filter((i) => i.action === "failed");
  const kept = items.filter((i) => i.action === "kept");
  if (failed.length) sections.push(`Failed (${failed.length}):\n${itemTable(failed)}`);
  if (kept.length) sections.push(`Kept as they were (${kept.length}):\n${itemTable(kept)}`);
  const volumes = r.volumes ?? [];
  if (volumes.length) sections.push(`Volumes:\n${indent(table(["CLAIM", "FROM", "RESULT", "BYTES", "TIME"], volumes.map((v) => [`${v.namespace}/${v.claim}`, `${v.sourceNamespace}/${v.claim}`, v.ok ? "filled" : `FAILED: ${v.reason}`, formatBytes(v.bytes), formatDuration(v.seconds)])))}`);
  const workloads = (r.workloads ?? []).filter((w) => all || !w.ready);
  if (workloads.length) sections.push(`${all ? "Workloads" : "Not ready"}:\n${indent(table(["WORKLOAD", "READY", "DETAIL"], workloads.map((w) => [objectRef(w), w.ready ? "yes" : "no", w.detail])))}`);
  if (r.error) sections.push(`Error: ${r.error}`);
  return sections;
}

const create = command({
  name: "create",
  summary: "Restore a backup to a cluster: the same namespaces, others, or another cluster",
  usage: "[NAME] --from-backup REF --location LOCATION --cluster CLUSTER [flags]",
  description: [
    "REF is a snapshot id (or a unique prefix) or a backup name (its newest backup). NAME defaults to",
    "the backup's name and the time. Objects that already exist are kept as they are by default, as velero",
    "does (its \"none\" policy); --existing-resource-policy replace deletes and recreates them (never",
    "namespaces, volumes or CRDs), fail reports them as failures.",
    "Exits 1 unless every object was restored, every volume filled and every workload became Ready; the",
    "summary says what did not. Ctrl-C stops waiting (objects already sent stay) and records the restore.",
  ].join("\n"),
  args: { min: 0, max: 1 },
  flags: {
    "from-backup": { type: "string", value: "REF", help: "the backup to restore: snapshot id or backup name" },
    location: { type: "string", value: "LOCATION", help: "the location holding the backup" },
    cluster: { type: "string", value: "CLUSTER", help: "the cluster to restore to" },
    "namespace-mappings": { type: "string", value: "FROM:TO,…", multiple: true, help: "restore namespace FROM into TO (e.g. shop:shop-copy)" },
    "storage-class-mappings": { type: "string", value: "FROM:TO,…", multiple: true, help: "give restored claims storage class TO instead of FROM" },
    "existing-resource-policy": { type: "string", value: "POLICY", help: "what to do with objects that exist: keep (default), replace or fail" },
    "include-namespaces": { type: "string", value: "NS,…", multiple: true, help: "only objects of these namespaces of the backup" },
    "include-resources": { type: "string", value: "KIND,…", multiple: true, help: "only these kinds (ConfigMap, Widget.example.com)" },
    objects: { type: "string", value: "KIND/NS/NAME,…", multiple: true, help: "only these objects (Kind/name for cluster-scoped ones)" },
    "no-volumes": { type: "boolean", help: "objects only: claims are created empty" },
    "no-wait": { type: "boolean", help: "do not wait for restored workloads to become Ready" },
    "ready-timeout": { type: "string", value: "DURATION", help: "how long to wait for workloads to be Ready (default 5m)" },
    "mover-image": { type: "string", value: "IMAGE", help: "image of the pods that write volume data (needs sh and tar; default busybox)" },
  },
  examples: [
    "lifeboat restore create --from-backup shop --location minio --cluster dr",
    "lifeboat restore create shop-test --from-backup shop --location minio --cluster prod --namespace-mappings shop:shop-test",
    "lifeboat restore create --from-backup 3f2a9c1e --location nas --cluster prod --objects ConfigMap/shop/settings --existing-resource-policy replace",
  ],
  async run(ctx, { args, flags }) {
    const ref = required(flags["from-backup"], "from-backup");
    const location = required(flags.location, "location");
    const clusterName = required(flags.cluster, "cluster");
    if (args[0] !== undefined && !RESTORE_NAME.test(args[0])) throw new UsageError(`"${args[0]}" is not a valid restore name (lowercase letters, digits, '-', '.', '_'; at most 63)`);
    const request = requestFrom(flags);
    const kc = await ctx.state.kubeConfig(clusterName);
    if (args[0] !== undefined && ctx.state.restores.list().some((r) => r.name === args[0])) throw new UsageError(`a restore named "${args[0]}" already exists; choose another name`);
    const { runRestore } = await import("../restore/job");

    const record = await findBackup(ctx, location, ref, async (repo, backup) => {
      const record: RestoreRecord = {
        id: ctx.state.restores.newId(), name: args[0] ?? defaultRestoreName(backup.meta.name), status: "InProgress", startedAt: new Date().toISOString(),
        backup: { id: backup.id, name: backup.meta.name, location, time: backup.time }, cluster: clusterName, request,
      };
      ctx.state.restores.save(record);
      const done: Record<RestoreAction, number> = { created: 0, replaced: 0, updated: 0, unchanged: 0, kept: 0, failed: 0 };
      try {
        const outcome = await runRestore(repo, backup, kc, request, {
          signal: ctx.signal,
          onStep: (step, detail) => ctx.progress.step(step, detail),
          onItem: (i) => {
            done[i.action]++;
            ctx.progress.count("objects", Object.values(done).reduce((a, b) => a + b, 0), `(${done.failed} failed)`);
          },
          onVolumeProgress: (claim, p) => ctx.progress.transfer(`volume ${claim}`, p),
          onVolume: (v) => ctx.progress.note(`volume ${v.namespace}/${v.claim}: ${v.ok ? `${formatBytes(v.bytes)} in ${formatDuration(v.seconds)}` : `FAILED: ${v.reason}`}`),
        });
        Object.assign(record, {
          status: restoreStatus(outcome), counts: outcome.counts, items: outcome.items, volumes: outcome.volumes, workloads: outcome.workloads,
          ...(ctx.signal.aborted ? { error: "interrupted (Ctrl-C) before every workload was seen Ready" } : {}),
        });
      } catch (err) {
        Object.assign(record, { status: "Failed", error: (err as Error).message });
        throw err;
      } finally {
        ctx.progress.end();
        record.finishedAt = new Date().toISOString();
        ctx.state.restores.save(record);
      }
      return record;
    });
    emit(ctx, { restore: record }, () => [summaryLine(record), ...problemSections(record, false), `Run 'lifeboat restore describe ${record.name}' for every object.`].join("\n\n"));
    if (ctx.signal.aborted) return EXIT.interrupted;
    return record.status === "Completed" ? EXIT.ok : EXIT.failed;
  },
});

const describe = command({
  name: "describe",
  summary: "Show a restore's outcome: every object's result, volumes, workloads",
  usage: "NAME|ID [--details] [flags]",
  args: { min: 1, max: 1 },
  flags: { details: { type: "boolean", help: "list every object's result and the changes made to it" } },
  async run(ctx, { args, flags }) {
    const r = ctx.state.restores.find(args[0]!);
    emit(ctx, { restore: r }, () => {
      const head = fields([
        ["Name", r.name], ["ID", r.id], ["Status", r.status], ["Started", `${formatTime(r.startedAt)} (${formatAge(r.startedAt)} ago)`],
        ["Duration", r.finishedAt ? formatDuration((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000) : "(running or interrupted)"],
        ["Backup", `${r.backup.name} (${r.backup.id}, ${formatTime(r.backup.time)}) in ${r.backup.location}`], ["Cluster", r.cluster],
        ["Policy", `existing objects: ${r.request.existing}`],
        ["Mappings", Object.entries({ ...r.request.namespaceMap }).map(([a, b]) => `namespace ${a} → ${b}`).concat(Object.entries({ ...r.request.storageClassMap }).map(([a, b]) => `storage class ${a} → ${b}`)).join(", ") || "(none)"],
        ["Objects", r.counts ? `${r.counts.created} created, ${r.counts.replaced} replaced, ${r.counts.kept} kept, ${r.counts.failed} failed` : "(none)"],
      ]);
      const sections = [head, ...problemSections(r, Boolean(flags.details))];
      if (flags.details && r.items?.length) {
        sections.push(`Every object:\n${indent(table(["OBJECT", "ACTION", "REASON", "CHANGES"], r.items.map((i) => [objectRef(i), i.action, i.reason, i.transforms.join("; ")])))}`);
      }
      return sections.join("\n\n");
    });
    return 0;
  },
});

const list = command({
  name: "list",
  summary: "List the restores run from this machine, newest first",
  usage: "[flags]",
  args: { min: 0, max: 0 },
  flags: {},
  async run(ctx) {
    const restores = ctx.state.restores.list();
    emit(ctx, { restores: restores.map(({ items: _items, ...r }) => r) }, () =>
      restores.length
        ? table(["NAME", "ID", "STATUS", "BACKUP", "CLUSTER", "AGE", "CREATED", "KEPT", "FAILED"], restores.map((r) => [
          r.name, r.id, r.status, `${r.backup.name} (${shortId(r.backup.id)})`, r.cluster, formatAge(r.startedAt), r.counts?.created, r.counts?.kept, r.counts?.failed,
        ]))
        : "No restores recorded.");
    return 0;
  },
});

export const restoreGroup: Group = { name: "restore", summary: "Create, describe and list restores", commands: [create, describe, list] };
