// lifeboat backup create|list|describe|delete. The backup engine is loaded only by the commands that
// run it, so listing clusters stays quick.
import { readFileSync } from "node:fs";
import type { BackupOutcome, BackupRequest, BackupStep } from "../backup/job";
import type { KubernetesBackupMeta } from "../backup/resources";
import { parseSelector, SelectorError } from "../clusters/label-selector";
import type { SnapshotManifest } from "../repo/format";
import type { Repository } from "../repo/repository";
import type { ActionResult, BackupRules, TemplateName } from "../rules";
import { parseKinds, parseList, UsageError, type FlagValues } from "./args";
import { command, emit, required, type Context, type Group } from "./command";
import { countBy, fields, formatAge, formatBytes, formatDuration, formatTime, shortId, table } from "./format";

type Backup = SnapshotManifest & { meta: KubernetesBackupMeta };

const LOCATION_FLAG = { location: { type: "string", value: "LOCATION", help: "the backup location (see `lifeboat location list`)" } } as const;
// Listed here rather than read from main/rules so that --help does not load the rules engine.
const RULE_TEMPLATES: TemplateName[] = ["postgresql", "mongodb", "mysql", "redis", "cassandra"];

/** Opens a location's repository for the length of `use`. */
async function withRepository<T>(ctx: Context, location: string, use: (repo: Repository) => Promise<T>): Promise<T> {
  const repo = await (await ctx.state.location(location)).openRepository(location);
  try {
    return await use(repo);
  } finally {
    await repo.location.close();
  }
}

function checkSelector(flag: string, selector: string | undefined): void {
  if (selector === undefined) return;
  try {
    parseSelector(selector);
  } catch (err) {
    if (err instanceof SelectorError) throw new UsageError(`--${flag}: ${err.message}`);
    throw err;
  }
}

/** A rules file, JSON or YAML (JSON is YAML), checked before anything runs. */
async function readRulesFile(file: string): Promise<BackupRules> {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new UsageError(`--rules-file: cannot read ${file}: ${(err as Error).message}`);
  }
  const { loadYaml } = await import("@kubernetes/client-node");
  let input: unknown;
  try {
    input = loadYaml(text);
  } catch (err) {
    throw new UsageError(`--rules-file: ${file} is neither JSON nor YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  const { validateRules, RuleValidationError } = await import("../rules");
  try {
    validateRules(input);
  } catch (err) {
    if (err instanceof RuleValidationError || err instanceof SelectorError) throw new UsageError(`--rules-file ${file}: ${err.message}`);
    throw err;
  }
  return input as BackupRules;
}

async function rulesFrom(flags: { "rules-template"?: string; "rules-selector"?: string; "rules-namespace"?: string; "rules-container"?: string; "rules-file"?: string }): Promise<BackupRules | undefined> {
  const template = flags["rules-template"];
  const templateOnly = (["rules-selector", "rules-namespace", "rules-container"] as const).find((f) => flags[f] !== undefined);
  if (template === undefined && templateOnly) throw new UsageError(`--${templateOnly} goes with --rules-template`);
  if (template !== undefined && flags["rules-file"] !== undefined) throw new UsageError("give only one of --rules-template or --rules-file");
  if (flags["rules-file"] !== undefined) return readRulesFile(flags["rules-file"]);
  if (template === undefined) return undefined;
  if (!RULE_TEMPLATES.includes(template as TemplateName)) throw new UsageError(`--rules-template must be one of ${RULE_TEMPLATES.join(", ")}, not "${template}"`);
  checkSelector("rules-selector", flags["rules-selector"]);
  const { ruleTemplate } = await import("../rules");
  return ruleTemplate(template as TemplateName, { podSelector: flags["rules-selector"], namespace: flags["rules-namespace"], container: flags["rules-container"] });
}

export const BACKUP_NAME = /^[a-z0-9]([-a-z0-9._]{0,61}[a-z0-9])?$/;

/** What to back up, as `backup create` and `schedule create` take it. */
export const SCOPE_FLAGS = {
  "include-namespaces": { type: "string", value: "NS,…", multiple: true, help: "namespaces to back up (default: all, also written *)" },
  "all-namespaces": { type: "boolean", help: "back up every namespace (the default; says so explicitly)" },
  selector: { type: "string", short: "l", value: "SELECTOR", help: "only objects with these labels (kubectl syntax: app=shop,tier!=cache)" },
  "include-resources": { type: "string", value: "KIND,…", multiple: true, help: "only these kinds" },
  "exclude-resources": { type: "string", value: "KIND,…", multiple: true, help: "leave these kinds out" },
  "snapshot-volumes": { type: "boolean", help: "back up the data of the claims in scope (default true; --snapshot-volumes=false is --no-volumes)" },
  "no-volumes": { type: "boolean", help: "resources only, no volume data" },
  "rules-template": { type: "string", value: "APP", help: `pre/post rules for a database: ${RULE_TEMPLATES.join(", ")}` },
  "rules-selector": { type: "string", value: "SELECTOR", help: "the database's pods for --rules-template (e.g. app=db)" },
  "rules-namespace": { type: "string", value: "NS", help: "the database's namespace for --rules-template (default: each backed-up namespace)" },
  "rules-container": { type: "string", value: "NAME", help: "the database's container for --rules-template (default: the pod's first)" },
  "rules-file": { type: "string", value: "FILE", help: "pre/post rules from a JSON or YAML file ({ pre: [...], post: [...] })" },
  "mover-image": { type: "string", value: "IMAGE", help: "image of the pods that read volume data (needs sh and tar; default busybox)" },
} as const;

export type BackupScope = Omit<BackupRequest, "name" | "cluster">;

/** The scope flags as a backup request, every value checked (nothing is asked of the cluster). */
export async function scopeFromFlags(flags: FlagValues<typeof SCOPE_FLAGS>): Promise<BackupScope> {
  // velero spells "every namespace" as *.
  const listed = parseList("include-namespaces", flags["include-namespaces"]);
  if (listed.includes("*") && listed.length > 1) throw new UsageError("--include-namespaces: * (every namespace) cannot be combined with names");
  const namespaces = listed.filter((n) => n !== "*");
  if (namespaces.length && flags["all-namespaces"]) throw new UsageError("give only one of --include-namespaces or --all-namespaces");
  if (flags["snapshot-volumes"] === true && flags["no-volumes"]) throw new UsageError("--snapshot-volumes and --no-volumes contradict each other");
  checkSelector("selector", flags.selector);
  const includeKinds = parseKinds("include-resources", flags["include-resources"]);
  const excludeKinds = parseKinds("exclude-resources", flags["exclude-resources"]);
  const rules = await rulesFrom(flags);
  return {
    spec: { namespaces, labelSelector: flags.selector, includeKinds, excludeKinds },
    volumes: !(flags["no-volumes"] || flags["snapshot-volumes"] === false),
    rules,
    moverImage: flags["mover-image"],
  };
}

const ruleLine = (r: ActionResult) => `${r.phase} rule "${r.action}" in ${r.namespace}/${r.pod}: ${r.ok ? "ok" : `FAILED (${r.message ?? `exit ${r.exitCode}`})`}`;

function backupJson(b: Backup, location: string) {
  return { id: b.id, name: b.meta.name, time: b.time, hostname: b.hostname, location, cluster: b.meta.cluster, spec: b.meta.spec, volumes: b.meta.volumes, counts: b.meta.counts, summary: b.summary };
}

function outcomeJson(o: BackupOutcome, location: string) {
  const meta = o.snapshot.meta as KubernetesBackupMeta;
  return {
    backup: backupJson(o.snapshot as Backup, location),
    excluded: meta.excluded, skippedKinds: meta.skippedKinds, volumes: o.volumes, rules: o.rules, warnings: o.warnings,
  };
}

const create = command({
  name: "create",
  summary: "Back up an application: its resources, its volume data, with pre/post rules",
  usage: "NAME --cluster CLUSTER --location LOCATION [flags]",
  description: [
    "Backs up every namespace unless --include-namespaces narrows it (as velero does). Backups of one NAME",
    "form its history; `backup describe NAME` shows the newest. Ctrl-C stops the backup: nothing is",
    "committed, and the data already uploaded is reused by the next backup.",
    "Kinds are kind names (ConfigMap or configmap; Widget.example.com for a custom resource).",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: {
    cluster: { type: "string", value: "CLUSTER", help: "the cluster to back up (see `lifeboat cluster list`)" },
    ...LOCATION_FLAG,
    ...SCOPE_FLAGS,
  },
  examples: [
    "lifeboat backup create shop --cluster prod --location minio --include-namespaces shop",
    "lifeboat backup create db --cluster prod --location nas --include-namespaces shop -l app=db --rules-template postgresql --rules-selector app=db",
    "lifeboat backup create config --cluster prod --location nas --include-resources ConfigMap,Secret --no-volumes -o json",
  ],
  async run(ctx, { args, flags }) {
    const name = args[0]!;
    if (!BACKUP_NAME.test(name)) throw new UsageError(`"${name}" is not a valid backup name (lowercase letters, digits, '-', '.', '_'; at most 63)`);
    const location = required(flags.location, "location");
    const cluster = required(flags.cluster, "cluster");
    const scope = await scopeFromFlags(flags);
    const kc = await ctx.state.kubeConfig(cluster);
    await ctx.state.location(location);
    const req: BackupRequest = { name, cluster, ...scope };
    const { runBackup } = await import("../backup/job");
    const outcome = await withRepository(ctx, location, (repo) => {
      // Bytes flow in the resources and volumes steps; the last report comes as the commit starts.
      let dataStep: BackupStep = "resources";
      return runBackup(repo, kc, req, {
        signal: ctx.signal,
        onStep: (s, detail) => {
          if (s === "resources" || s === "volumes") dataStep = s;
          ctx.progress.step(s, detail);
        },
        onProgress: (p) => ctx.progress.transfer(dataStep, p),
        onRule: (r) => ctx.progress.note(ruleLine(r)),
        onVolume: (v) => ctx.progress.note(`volume ${v.namespace}/${v.claim}: ${formatBytes(v.bytes)} in ${formatDuration(v.seconds)} (${v.method})`),
      });
    }).finally(() => ctx.progress.end());
    const meta = outcome.snapshot.meta as KubernetesBackupMeta;
    const s = outcome.snapshot.summary;
    emit(ctx, outcomeJson(outcome, location), () =>
      `Backup "${name}" completed: snapshot ${outcome.snapshot.id}\n` +
      `  ${meta.counts.objects} objects (${meta.counts.excluded} excluded), ${outcome.volumes.length} volume(s); ` +
      `read ${formatBytes(s.bytes)}, ${formatBytes(s.newBytes)} new, ${formatBytes(s.storedBytes)} stored, in ${formatDuration(s.seconds)}`);
    if (ctx.output !== "json") for (const w of outcome.warnings) ctx.err(`warning: ${w}`);
    return 0;
  },
});

const list = command({
  name: "list",
  summary: "List the backups in a location, newest first",
  usage: "[NAME] --location LOCATION [flags]",
  description: "With NAME, only the history of that backup.",
  args: { min: 0, max: 1 },
  flags: { ...LOCATION_FLAG, cluster: { type: "string", value: "CLUSTER", help: "only backups of this cluster" } },
  async run(ctx, { args, flags }) {
    const location = required(flags.location, "location");
    const { listKubernetesBackups } = await import("../backup/resources");
    const all = await withRepository(ctx, location, listKubernetesBackups);
    const backups = all.filter((b) => (!args[0] || b.meta.name === args[0]) && (!flags.cluster || b.meta.cluster.name === flags.cluster));
    emit(ctx, { backups: backups.map((b) => backupJson(b, location)) }, () =>
      backups.length
        ? table(["NAME", "ID", "CREATED", "AGE", "CLUSTER", "NAMESPACES", "OBJECTS", "VOLUMES", "SIZE", "STORED"], backups.map((b) => [
          b.meta.name, shortId(b.id), formatTime(b.time), formatAge(b.time), b.meta.cluster.name, (b.meta.namespaces ?? b.meta.spec.namespaces).join(","),
          b.meta.counts.objects, b.meta.volumes ? b.meta.counts.volumes : "no", formatBytes(b.summary.bytes), formatBytes(b.summary.storedBytes),
        ]))
        : `No backups in location "${location}"${all.length ? " match" : ""}.`);
    return 0;
  },
});

function describeText(b: Backup, location: string, byKind: Array<[string, number]>): string {
  const m = b.meta;
  const sections = [fields([
    ["Name", m.name], ["Snapshot", b.id], ["Created", `${formatTime(b.time)} (${formatAge(b.time)} ago) on ${b.hostname}`],
    ["Location", location], ["Cluster", `${m.cluster.name} (${m.cluster.server})`],
    ["Namespaces", `${(m.namespaces ?? m.spec.namespaces).join(", ")}${m.spec.namespaces.length ? "" : " (all, as asked)"}`], ["Selector", m.spec.labelSelector],
    ["Kinds", [m.spec.includeKinds?.length ? `only ${m.spec.includeKinds.join(", ")}` : "", m.spec.excludeKinds?.length ? `not ${m.spec.excludeKinds.join(", ")}` : ""].filter(Boolean).join("; ") || "(all)"],
    ["Volumes", m.volumes ? `${m.counts.volumes} backed up` : "not backed up (--no-volumes)"],
    ["Size", `${formatBytes(b.summary.bytes)} read, ${formatBytes(b.summary.newBytes)} new, ${formatBytes(b.summary.storedBytes)} stored, in ${formatDuration(b.summary.seconds)}`],
  ])];
  sections.push(`Objects (${m.counts.objects}):\n${indent(table(["KIND", "COUNT"], byKind))}`);
  if (m.excluded.length) sections.push(`Left out (${m.excluded.length}):\n${indent(table(["OBJECT", "REASON"], m.excluded.map((e) => [`${e.kind}/${e.namespace ? `${e.namespace}/` : ""}${e.name}`, e.reason])))}`);
  if (m.skippedKinds.length) sections.push(`Kinds that could not be listed (${m.skippedKinds.length}):\n${indent(table(["KIND", "REASON"], m.skippedKinds.map((k) => [`${k.kind} (${k.apiVersion})`, k.reason])))}`);
  if (m.volumeData.length) sections.push(`Volume data:\n${indent(table(["CLAIM", "METHOD", "BYTES", "TIME", "NODE"], m.volumeData.map((v) => [`${v.namespace}/${v.claim}`, v.method, formatBytes(v.bytes), formatDuration(v.seconds), v.node])))}`);
  if (m.rules.length) sections.push(`Rules:\n${indent(table(["PHASE", "ACTION", "POD", "RESULT"], m.rules.map((r) => [r.phase, r.action, `${r.namespace}/${r.pod}`, r.ok ? "ok" : `FAILED: ${r.message ?? `exit ${r.exitCode}`}`])))}`);
  if (m.warnings.length) sections.push(`Warnings:\n${m.warnings.map((w) => `  - ${w}`).join("\n")}`);
  return sections.join("\n\n");
}

const indent = (text: string) => text.split("\n").map((l) => `  ${l}`).join("\n");

const describe = command({
  name: "describe",
  summary: "Show a backup: what is in it, what was left out and why, volumes, rules, warnings",
  usage: "REF --location LOCATION [--details] [flags]",
  description: "REF is a snapshot id (or a unique prefix of one) or a backup name (its newest backup).",
  args: { min: 1, max: 1 },
  flags: { ...LOCATION_FLAG, details: { type: "boolean", help: "also list every object in the backup" } },
  async run(ctx, { args, flags }) {
    const location = required(flags.location, "location");
    const { findKubernetesBackup, readCatalog } = await import("../backup/resources");
    const { backup, catalog } = await withRepository(ctx, location, async (repo) => {
      const backup = await findKubernetesBackup(repo, args[0]!);
      return { backup, catalog: await readCatalog(repo, backup) };
    });
    const byKind = countBy(catalog, (e) => e.kind);
    const m = backup.meta;
    emit(ctx, {
      backup: backupJson(backup, location), objectsByKind: Object.fromEntries(byKind), excluded: m.excluded, skippedKinds: m.skippedKinds,
      volumes: m.volumeData, rules: m.rules, warnings: m.warnings, ...(flags.details ? { objects: catalog } : {}),
    }, () => {
      const text = describeText(backup, location, byKind);
      if (!flags.details) return text;
      const rows = catalog.map((e) => [e.kind, e.namespace, e.name, formatBytes(e.size)]);
      return `${text}\n\nEvery object:\n${indent(table(["KIND", "NAMESPACE", "NAME", "SIZE"], rows))}`;
    });
    return 0;
  },
});

const del = command({
  name: "delete",
  summary: "Delete a backup and free the space no other backup uses",
  usage: "REF --location LOCATION [--confirm] [flags]",
  description: [
    "REF is a snapshot id (or a unique prefix) or a backup name, which deletes that name's newest backup only.",
    "Asks for confirmation at a terminal; elsewhere (scripts, -o json) --confirm is required.",
    "Data written in the last hour is kept even when unused: a backup running now may need it; a later",
    "delete frees it.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: { ...LOCATION_FLAG, confirm: { type: "boolean", short: "y", help: "delete without asking" } },
  async run(ctx, { args, flags }) {
    const location = required(flags.location, "location");
    const canAsk = ctx.interactive && ctx.output !== "json";
    if (!flags.confirm && !canAsk) throw new UsageError("deleting a backup needs --confirm (or -y) when no one can be asked");
    const { findKubernetesBackup } = await import("../backup/resources");
    const { pruneRepository } = await import("../repo/prune");
    return withRepository(ctx, location, async (repo) => {
      const backup = await findKubernetesBackup(repo, args[0]!);
      if (!flags.confirm) {
        const answer = await ctx.ask(`Delete backup "${backup.meta.name}" (${backup.id}, ${formatTime(backup.time)}) from ${location}? [y/N] `);
        if (!/^y(es)?$/i.test(answer.trim())) {
          ctx.err("Nothing deleted.");
          return 1;
        }
      }
      await repo.forget([backup.id]);
      ctx.progress.step("prune", "freeing data no other backup uses");
      const prune = await pruneRepository(repo).catch((err: unknown) => err as Error);
      const freed = prune instanceof Error ? undefined : prune;
      emit(ctx, { deleted: { id: backup.id, name: backup.meta.name, time: backup.time }, prune: freed ?? null, pruneError: prune instanceof Error ? prune.message : null }, () =>
        `Backup "${backup.meta.name}" (${backup.id}) deleted. ` + (freed
          ? `Freed ${formatBytes(freed.bytesFreed)} (${freed.packsDeleted} pack(s))${freed.packsTooYoung ? `; ${freed.packsTooYoung} unused pack(s) younger than an hour kept until a later delete` : ""}${freed.packsLocked ? `; ${freed.packsLocked} pack(s) still under object lock` : ""}.`
          : "Its data is freed by a later delete."));
      if (prune instanceof Error && ctx.output !== "json") ctx.err(`warning: freeing space failed: ${prune.message}`);
      return 0;
    });
  },
});

export const backupGroup: Group = { name: "backup", summary: "Create, list, describe and delete backups", commands: [create, list, describe, del] };
