// The one API contract between the UI and the engine. Each call maps a name to its request schema
// (zod: the engine host validates every request with it before the engine sees it) and its response
// type; each event to its payload. The Electron preload, the served-mode host and the CLI are thin
// adapters over this contract, so a call behaves the same whichever host runs it.
// Secrets travel one way only: into the engine (a location's keys, a pasted kubeconfig). Responses
// carry names, fingerprints and "set / not set", never a key, token or kubeconfig credential.
import { z } from "zod";

export type HostKind = "electron" | "served" | "cli";

// ---------- shared shapes ----------

const name = z.string().trim().min(1, "a name is required").max(63, "at most 63 characters");
/** Kubernetes-style names for what Lifeboat keeps (backups, schedules, pairs, migrations, rules). */
const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, "lowercase letters, digits, '-' and '.'; at most 63 characters");
const list = z.array(z.string().min(1)).default([]);

export interface AppInfo {
  name: string;
  version: string;
  host: HostKind;
  /** Node.js version the engine runs on (Electron's or the system's). */
  engineNode: string;
  platform: string;
  /** Where the engine keeps its state (clusters, locations, schedules). */
  dataDir: string;
  /** How secrets are kept at rest: the OS keychain (Electron), a key file or a passphrase. */
  vault: "safe-storage" | "key-file" | "passphrase";
  /** Who runs the backup schedules and migrations: this app while open, a `lifeboat daemon`, or nobody. */
  scheduler: { by: "app" | "daemon" | "off"; message: string };
}

export interface KubeContextView {
  name: string;
  cluster: string;
  user: string;
  server: string;
  namespace?: string;
  auth: string;
  execCommand?: string;
  /** Already added to Lifeboat under this name. */
  addedAs?: string;
}

export interface ClusterView {
  id: string;
  name: string;
  server: string;
  context: string;
  auth: string;
  execCommand?: string;
  addedAt: string;
  credentialFingerprint: string;
}

export interface PermissionCheckView {
  purpose: string;
  verb: string;
  resource: string;
  group: string;
  namespace: string;
  allowed: boolean;
  reason?: string;
}

export interface ConnectionReportView {
  server: string;
  version: string;
  platform: string;
  checks: PermissionCheckView[];
  fullAccess: boolean;
}

export interface InventoryItemView {
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  labels: Record<string, string>;
}

export interface InventoryView {
  namespaces: string[];
  kinds: Array<{ kind: string; apiVersion: string; namespaced: boolean; count: number; items: InventoryItemView[] }>;
  total: number;
  skipped: Array<{ apiVersion: string; kind: string; reason: string }>;
}

export type LocationKindName = "s3" | "azure" | "gcs" | "folder";

export interface LocationView {
  id: string;
  name: string;
  kind: LocationKindName;
  address: string;
  repositoryId: string;
  addedAt: string;
  /** The embedded default location made on first run. */
  embedded?: boolean;
  /** The last verification in this session, if any. */
  health?: { ok: boolean; checkedAt: string; message?: string };
}

export interface ValidationView {
  ok: boolean;
  steps: Array<{ step: string; ok: boolean; ms: number }>;
  error?: { code: string; message: string; hint?: string };
}

export interface BackupView {
  id: string;
  name: string;
  location: string;
  time: string;
  cluster: string;
  namespaces: string[];
  labelSelector?: string;
  objects: number;
  volumes: number;
  volumeData: boolean;
  bytes: number;
  newBytes: number;
  storedBytes: number;
  seconds: number;
  warnings: number;
}

export interface CatalogEntryView {
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  size: number;
}

export interface BackupDetails extends BackupView {
  catalog: CatalogEntryView[];
  excluded: Array<{ kind: string; namespace?: string; name: string; reason: string }>;
  skippedKinds: Array<{ kind: string; apiVersion: string; reason: string }>;
  volumeData: boolean;
  volumeDetails: Array<{ namespace: string; claim: string; method: string; bytes: number; seconds: number; node?: string }>;
  rules: Array<{ phase: string; action: string; namespace: string; pod: string; ok: boolean; message?: string }>;
  warningList: string[];
  storageClasses: string[];
}

export type RestoreActionName = "created" | "replaced" | "updated" | "unchanged" | "kept" | "failed";

export interface RestoreItemView {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  action: RestoreActionName;
  reason?: string;
  transforms: string[];
}

export interface RestoreView {
  id: string;
  name: string;
  status: "InProgress" | "Completed" | "PartiallyFailed" | "Failed";
  startedAt: string;
  finishedAt?: string;
  backup: { id: string; name: string; location: string; time: string };
  cluster: string;
  namespaceMap: Record<string, string>;
  counts?: Record<RestoreActionName, number>;
  items?: RestoreItemView[];
  volumes?: Array<{ namespace: string; claim: string; ok: boolean; bytes?: number; seconds?: number; error?: string }>;
  workloads?: Array<{ kind: string; namespace: string; name: string; ready: boolean; reason?: string }>;
  error?: string;
  jobId?: string;
}

export type JobKind = "backup" | "restore" | "migration" | "failover" | "failback" | "prune";
export type JobState = "running" | "succeeded" | "failed" | "cancelled";

export interface JobProgress {
  step: string;
  detail?: string;
  /** 0–100; known exactly when the job ends, estimated from steps and bytes while it runs. */
  percent: number;
  bytesRead: number;
  bytesNew: number;
  bytesUploaded: number;
  bytesTotal?: number;
  bytesPerSecond: number;
  etaSeconds?: number;
}

export interface JobView {
  id: string;
  kind: JobKind;
  title: string;
  /** What the job acts on, for matching (a migration's name for migrations, failovers and failbacks). */
  subject?: string;
  state: JobState;
  startedAt: string;
  finishedAt?: string;
  progress: JobProgress;
  /** What the job produced: a backup id, a restore id, a switchover id. */
  resultRef?: string;
  error?: string;
  warnings: string[];
}

export interface JobLogLine {
  jobId: string;
  at: string;
  level: "info" | "warn" | "error";
  message: string;
}

export interface RuleSetView {
  name: string;
  /** The rule set as the engine validated it (pre / post actions). */
  rules: RuleSet;
  template?: string;
  usedBy: string[];
}

export interface PolicyView {
  policy: SchedulePolicyInput;
  description: string;
  usedBy: string[];
}

export interface ScheduleView {
  name: string;
  kind: "backup";
  policy: string;
  cluster: string;
  locations: string[];
  namespaces: string[];
  labelSelector?: string;
  rules?: string;
  paused: boolean;
  createdAt: string;
  nextRunAt?: string;
  last?: { result?: string; message?: string; startedAt?: string; endedAt?: string };
}

export interface PairView {
  name: string;
  source: string;
  destination: string;
  location: string;
  createdAt: string;
  status?: {
    scheduler: { status: "Ready" | "Error"; reason?: string };
    storage: { status: "Ready" | "Error"; reason?: string; created?: boolean };
    checkedAt: string;
  };
}

export interface MigrationRunView {
  startedAt: string;
  endedAt: string;
  capturedAt: string;
  snapshot: string;
  bytesRead: number;
  bytesNew: number;
  objects: Record<string, number>;
  failed: Array<{ kind: string; namespace?: string; name: string; reason?: string }>;
  volumes: Array<{ namespace: string; claim: string; bytesWritten?: number; error?: string }>;
  purged: string[];
  ok: boolean;
}

export interface MigrationView {
  name: string;
  pair: string;
  namespaces: string[];
  labelSelector?: string;
  policy: string;
  /** The RPO the policy asks for, in seconds (its period). */
  rpoTargetSeconds?: number;
  purge: boolean;
  paused: boolean;
  createdAt: string;
  active: "source" | "destination";
  lastRun?: MigrationRunView;
  lastSuccess?: MigrationRunView;
  lastError?: string;
  /** Seconds since the destination's recovery point (now − lastSuccess.capturedAt). */
  lagSeconds?: number;
  nextRunAt?: string;
  history: MigrationRunView[];
}

export interface SwitchoverView {
  id: string;
  kind: "failover" | "failback";
  pair: string;
  migration: string;
  startedAt: string;
  endedAt?: string;
  status: "running" | "done" | "failed";
  rtoSeconds?: number;
  steps: Array<{ name: string; status: string; message?: string; startedAt?: string; endedAt?: string }>;
}

// ---------- request schemas ----------

export const ClusterSourceSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("file"), path: z.string().min(1, "choose a kubeconfig file") }),
  z.strictObject({ kind: z.literal("text"), text: z.string().min(1, "paste a kubeconfig") }),
  z.strictObject({ kind: z.literal("default-kubeconfig") }),
]);

/** One pre or post action (see main/rules/schema.ts for what each field means). */
export interface RuleActionView {
  name?: string;
  namespace?: string;
  podSelector: string;
  container?: string;
  command: string | string[];
  runIn?: "all" | "one";
  background?: boolean;
  timeoutSeconds?: number;
  onFailure?: "fail" | "continue";
}

export interface RuleSet {
  pre: RuleActionView[];
  post: RuleActionView[];
}

// Only the shape here: the engine checks every action (main/rules/schema.ts) and names each wrong field.
export const RuleSetSchema = z.custom<RuleSet>((v) => typeof v === "object" && v !== null && !Array.isArray(v), "rules must be an object with pre and post lists");

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time is HH:MM");
const keep = z.number().int().min(1, "keep at least 1 copy").max(1000);
const weekday = z.enum(["sun", "mon", "tue", "wed", "thu", "fri", "sat"]);
export const SchedulePolicyInputSchema = z.discriminatedUnion("kind", [
  z.strictObject({ name: dnsName, kind: z.literal("interval"), minutes: z.number().int().min(1).max(10080), keep, timeZone: z.string().optional() }),
  z.strictObject({ name: dnsName, kind: z.literal("daily"), times: z.array(time).min(1), keep, timeZone: z.string().optional() }),
  z.strictObject({ name: dnsName, kind: z.literal("weekly"), days: z.array(weekday).min(1), time, keep, timeZone: z.string().optional() }),
  z.strictObject({ name: dnsName, kind: z.literal("monthly"), dates: z.array(z.number().int().min(1).max(31)).min(1), time, keep, timeZone: z.string().optional() }),
]);
export type SchedulePolicyInput = z.infer<typeof SchedulePolicyInputSchema>;

/** What a backup (or a backup schedule) protects. */
export const BackupScopeSchema = z.strictObject({
  cluster: name,
  namespaces: list,
  labelSelector: z.string().optional(),
  includeKinds: list,
  excludeKinds: list,
  volumes: z.boolean().default(true),
  /** A saved rule set by name. */
  rules: z.string().optional(),
});

const empty = z.strictObject({});

export const requests = {
  "app.info": empty,
  "app.firstRun": empty,
  "app.completeFirstRun": z.strictObject({ importContexts: list }),

  "clusters.list": empty,
  "clusters.contexts": z.strictObject({ source: ClusterSourceSchema }),
  "clusters.add": z.strictObject({ source: ClusterSourceSchema, context: z.string().optional(), name: name.optional() }),
  "clusters.test": z.strictObject({ name }),
  "clusters.remove": z.strictObject({ name }),

  "inventory.namespaces": z.strictObject({ cluster: name }),
  "inventory.resources": z.strictObject({ cluster: name, namespaces: list, labelSelector: z.string().optional() }),

  "locations.list": empty,
  /** `config` is checked by the engine per kind (s3, azure, gcs, folder): see main/locations/config.ts. */
  "locations.add": z.strictObject({ name, config: z.looseObject({ kind: z.enum(["s3", "azure", "gcs", "folder"]) }), password: z.string().min(1, "an encryption password is required"), createContainer: z.boolean().default(false) }),
  "locations.verify": z.strictObject({ name }),
  "locations.remove": z.strictObject({ name }),

  "backups.list": z.strictObject({ location: z.string().optional() }),
  "backups.describe": z.strictObject({ location: name, id: z.string().min(1) }),
  "backups.start": BackupScopeSchema.extend({ name: dnsName, locations: z.array(name).min(1, "choose at least one location") }),
  "backups.delete": z.strictObject({ location: name, id: z.string().min(1) }),

  "restores.start": z.strictObject({
    location: name,
    backupId: z.string().min(1),
    cluster: name,
    namespaceMap: z.record(z.string(), z.string()).default({}),
    storageClassMap: z.record(z.string(), z.string()).default({}),
    existing: z.enum(["keep", "replace", "update", "fail"]).default("keep"),
    namespaces: z.array(z.string()).optional(),
    kinds: z.array(z.string()).optional(),
    objects: z.array(z.string()).optional(),
    volumes: z.boolean().default(true),
    name: dnsName.optional(),
  }),
  "restores.list": empty,
  "restores.describe": z.strictObject({ id: z.string().min(1) }),

  "jobs.list": empty,
  "jobs.log": z.strictObject({ id: z.string().min(1) }),
  "jobs.cancel": z.strictObject({ id: z.string().min(1) }),

  "rules.list": empty,
  "rules.template": z.strictObject({ template: z.enum(["postgresql", "mongodb", "mysql", "redis", "cassandra"]), podSelector: z.string().optional(), namespace: z.string().optional(), container: z.string().optional() }),
  "rules.save": z.strictObject({ name: dnsName, rules: RuleSetSchema, template: z.string().optional() }),
  "rules.remove": z.strictObject({ name }),

  "policies.list": empty,
  "policies.save": z.strictObject({ policy: SchedulePolicyInputSchema }),
  "policies.remove": z.strictObject({ name }),

  "schedules.list": empty,
  "schedules.create": BackupScopeSchema.extend({ name: dnsName, policy: name, locations: z.array(name).min(1, "choose at least one location") }),
  "schedules.pause": z.strictObject({ name, paused: z.boolean() }),
  "schedules.remove": z.strictObject({ name }),

  "dr.pairs.list": empty,
  "dr.pairs.create": z.strictObject({ name: dnsName, source: name, destination: name, location: name }),
  "dr.pairs.check": z.strictObject({ name }),
  "dr.pairs.remove": z.strictObject({ name }),
  "dr.migrations.list": empty,
  "dr.migrations.create": z.strictObject({ name: dnsName, pair: name, namespaces: z.array(z.string().min(1)).min(1, "choose at least one namespace"), labelSelector: z.string().optional(), policy: name, volumes: z.boolean().default(true), purge: z.boolean().default(false) }),
  "dr.migrations.run": z.strictObject({ name }),
  "dr.migrations.pause": z.strictObject({ name, paused: z.boolean() }),
  "dr.migrations.remove": z.strictObject({ name }),
  "dr.switchovers.list": empty,
  /** Whether the source can be reached is found out by the engine (an unreachable source is skipped, with the reason). */
  "dr.failover": z.strictObject({ migration: name, confirm: z.literal(true, "a failover must be confirmed"), unplanned: z.boolean().default(false), resume: z.string().optional() }),
  /** `resume`: the id of a failover or failback that was interrupted (the engine or app stopped): it goes on from its last step. */
  "dr.failback": z.strictObject({ migration: name, confirm: z.literal(true, "a failback must be confirmed"), resume: z.string().optional() }),
} as const;

type Req<C extends keyof typeof requests> = z.input<(typeof requests)[C]>;
type Ok = { ok: true };

interface Responses {
  "app.info": AppInfo;
  "app.firstRun": { needed: boolean; kubeconfigPath: string; contexts: KubeContextView[]; kubeconfigError?: string; defaultLocation?: string };
  "app.completeFirstRun": { added: ClusterView[]; failed: Array<{ context: string; error: string }>; defaultLocation: string };
  "clusters.list": ClusterView[];
  "clusters.contexts": { contexts: KubeContextView[]; current?: string };
  "clusters.add": { cluster: ClusterView; report: ConnectionReportView };
  "clusters.test": ConnectionReportView;
  "clusters.remove": Ok;
  "inventory.namespaces": Array<{ name: string; labels: Record<string, string> }>;
  "inventory.resources": InventoryView;
  "locations.list": LocationView[];
  "locations.add": { location: LocationView; validation: ValidationView; created: boolean };
  "locations.verify": { location: LocationView; validation: ValidationView; repository?: { id: string; snapshots: number } };
  "locations.remove": Ok;
  "backups.list": { backups: BackupView[]; errors: Array<{ location: string; error: string }> };
  "backups.describe": BackupDetails;
  "backups.start": { jobs: Array<{ location: string; jobId: string }> };
  "backups.delete": { bytesFreed?: number; pruneError?: string };
  "restores.start": { jobId: string; restoreId: string };
  "restores.list": RestoreView[];
  "restores.describe": RestoreView;
  "jobs.list": JobView[];
  "jobs.log": { job: JobView; log: JobLogLine[] };
  "jobs.cancel": Ok;
  "rules.list": { rules: RuleSetView[]; templates: string[] };
  "rules.template": RuleSet;
  "rules.save": RuleSetView;
  "rules.remove": Ok;
  "policies.list": PolicyView[];
  "policies.save": PolicyView;
  "policies.remove": Ok;
  "schedules.list": ScheduleView[];
  "schedules.create": ScheduleView;
  "schedules.pause": ScheduleView;
  "schedules.remove": Ok;
  "dr.pairs.list": PairView[];
  "dr.pairs.create": PairView;
  "dr.pairs.check": PairView;
  "dr.pairs.remove": Ok;
  "dr.migrations.list": MigrationView[];
  "dr.migrations.create": MigrationView;
  "dr.migrations.run": { jobId: string };
  "dr.migrations.pause": MigrationView;
  "dr.migrations.remove": Ok;
  "dr.switchovers.list": SwitchoverView[];
  "dr.failover": { jobId: string };
  "dr.failback": { jobId: string };
}

export type CallName = keyof typeof requests & keyof Responses;
export type ApiCalls = { [C in CallName]: { request: Req<C>; response: Responses[C] } };
export type CallRequest<C extends CallName> = ApiCalls[C]["request"];
export type CallResponse<C extends CallName> = ApiCalls[C]["response"];
/** A request as the engine sees it after validation (defaults filled in). */
export type ValidRequest<C extends CallName> = z.output<(typeof requests)[C]>;

export type StateTopic = "clusters" | "locations" | "backups" | "restores" | "rules" | "policies" | "schedules" | "dr";

export interface ApiEvents {
  /** Sent when the engine host shuts down, so a UI can say so instead of failing silently. */
  "app.closing": { reason: string };
  /** A job started, progressed or ended. */
  "job.updated": JobView;
  "job.log": JobLogLine;
  /** Something a list shows changed: the UI reloads that list. */
  "state.changed": { topic: StateTopic };
}

export type EventName = keyof ApiEvents;

/** What every host exposes to the renderer. */
export interface LifeboatApi {
  call<C extends CallName>(name: C, request: CallRequest<C>): Promise<CallResponse<C>>;
  on<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/** An error as it crosses the contract: a stable code the UI can branch on and a message for people. */
export interface ApiError {
  code: "invalid-request" | "unknown-call" | "not-found" | "conflict" | "auth" | "unreachable" | "tls" | "permission" | "failed" | "internal";
  message: string;
  hint?: string;
  /** For invalid requests: which field, as a path ("config.bucket"). */
  field?: string;
}

export const CALL_NAMES = Object.keys(requests) as CallName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === "string" && Object.prototype.hasOwnProperty.call(requests, name);
}

export { EVENT_NAMES, IPC } from "./ipc";
