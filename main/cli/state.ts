// The CLI's state directory: $LIFEBOAT_HOME, else $XDG_CONFIG_HOME/lifeboat, else ~/.config/lifeboat.
// It holds clusters.json and locations.json (the engine's registries, mode 0600, sealed by the
// credential vault: vault.key, or vault.salt and vault.check with LIFEBOAT_PASSPHRASE), restores/, one
// record per restore so `restore describe` can show a restore after the command that ran it ended,
// the schedule store's files (schedule-policies.json, schedules.json, schedule-state/), the DR
// store's (cluster-pairs.json, migrations.json, migration-state/, switchovers/) and daemon.pid while
// `lifeboat daemon` runs.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ClusterRegistry, ClusterSummary } from "../clusters/registry";
import type { DrStore } from "../dr/store";
import type { LocationRegistry } from "../locations/registry";
import type { ScheduleStore } from "../schedule/store";
import type { RestoreItemResult, RestoreAction } from "../restore/restore";
import type { RestoreRequest } from "../restore/job";
import type { VolumeRestoreResult } from "../volumes/restore";
import type { WorkloadReadiness } from "../restore/readiness";
import { defaultVault, type Vault } from "../vault/index";
import { UsageError } from "./args";

export function lifeboatHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIFEBOAT_HOME) return env.LIFEBOAT_HOME;
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "lifeboat");
}

export type RestoreStatus = "InProgress" | "Completed" | "PartiallyFailed" | "Failed";

/** One restore as `restore describe` shows it, written when it starts and again when it ends. */
export interface RestoreRecord {
  id: string;
  name: string;
  status: RestoreStatus;
  startedAt: string;
  finishedAt?: string;
  backup: { id: string; name: string; location: string; time: string };
  cluster: string;
  request: RestoreRequest;
  counts?: Record<RestoreAction, number>;
  items?: RestoreItemResult[];
  volumes?: VolumeRestoreResult[];
  workloads?: WorkloadReadiness[];
  /** Why the restore failed as a whole (unreachable cluster, aborted). */
  error?: string;
}

const writeJson = (file: string, value: unknown) => {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
};

export class RestoreRecords {
  constructor(private readonly dir: string) {}

  newId(): string {
    return randomBytes(6).toString("hex");
  }

  save(record: RestoreRecord): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeJson(join(this.dir, `${record.id}.json`), record);
  }

  /** Newest first. */
  list(): RestoreRecord[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => /^[0-9a-f]+\.json$/.test(f))
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), "utf8")) as RestoreRecord)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** By name, or by id or a unique prefix of one. */
  find(ref: string): RestoreRecord {
    const all = this.list();
    const byName = all.find((r) => r.name === ref);
    if (byName) return byName;
    const byId = all.filter((r) => r.id.startsWith(ref));
    if (byId.length === 1) return byId[0]!;
    if (byId.length > 1) throw new Error(`"${ref}" matches ${byId.length} restores; give more of the id`);
    throw new Error(`no restore "${ref}"${all.length ? ` (recent: ${all.slice(0, 5).map((r) => r.name).join(", ")})` : " (none recorded yet)"}`);
  }
}

/**
 * The registries, loaded on first use: the Kubernetes client alone takes a second or more to load,
 * which `location list` or `--help` should not pay.
 */
export class State {
  readonly restores: RestoreRecords;
  private clusterRegistry?: Promise<ClusterRegistry>;
  private locationRegistry?: Promise<LocationRegistry>;
  private scheduleStore?: Promise<ScheduleStore>;
  private drStore?: Promise<DrStore>;
  private sealer?: Vault;

  /** `vault` seals clusters.json and locations.json; by default the state directory's own (defaultVault). */
  constructor(readonly home: string, vault?: Vault) {
    this.restores = new RestoreRecords(join(home, "restores"));
    this.sealer = vault;
  }

  /** Opened on first use: a passphrase costs a key derivation, which `--help` should not pay. */
  get vault(): Vault {
    this.sealer ??= defaultVault(this.home);
    return this.sealer;
  }

  clusters(): Promise<ClusterRegistry> {
    this.clusterRegistry ??= import("../clusters/registry").then(({ ClusterRegistry, fileClusterStore }) => new ClusterRegistry(fileClusterStore(this.home, this.vault)));
    return this.clusterRegistry;
  }

  locations(): Promise<LocationRegistry> {
    this.locationRegistry ??= import("../locations/registry").then(({ LocationRegistry, fileLocationStore }) => new LocationRegistry(fileLocationStore(this.home, this.vault)));
    return this.locationRegistry;
  }

  /** Schedule policies, backup schedules and their run state (the files are read on every call). */
  schedules(): Promise<ScheduleStore> {
    // Migrations run on policies too: a policy one of them uses is in use.
    this.scheduleStore ??= Promise.all([import("../schedule/store"), this.dr()]).then(([{ ScheduleStore }, dr]) =>
      new ScheduleStore(this.home, () => dr.migrations().map((m) => ({ name: `migration ${m.name}`, policy: m.policy }))));
    return this.scheduleStore;
  }

  /** ClusterPairs, migrations, where each application is active, and failover records (read on every call). */
  dr(): Promise<DrStore> {
    // The store alone: the DR engine (main/dr/index) loads the backup and restore engines.
    this.drStore ??= import("../dr/store").then(({ DrStore }) => new DrStore(this.home));
    return this.drStore;
  }

  /** A cluster by name; an unknown name is bad input. */
  async cluster(name: string): Promise<ClusterSummary> {
    const all = (await this.clusters()).list();
    const found = all.find((c) => c.name === name);
    if (!found) throw new UsageError(`no cluster named "${name}" (${all.length ? `known: ${all.map((c) => c.name).join(", ")}` : "add one with `lifeboat cluster add`"})`);
    return found;
  }

  async kubeConfig(name: string): Promise<KubeConfig> {
    const { id } = await this.cluster(name);
    return (await this.clusters()).kubeConfig(id);
  }

  /** The location registry, after checking that `name` is in it (an unknown name is bad input). */
  async location(name: string): Promise<LocationRegistry> {
    const registry = await this.locations();
    if (registry.find(name)) return registry;
    const known = registry.list().map((l) => l.name);
    throw new UsageError(`no location named "${name}" (${known.length ? `known: ${known.join(", ")}` : "add one with `lifeboat location add`"})`);
  }
}

/**
 * One `lifeboat daemon` per state directory: two would run every schedule twice. daemon.pid holds
 * the running daemon's process id; a file left by a daemon that died (kill -9, a crash) names a
 * process that no longer exists and is taken over.
 */
export class DaemonLock {
  private readonly file: string;

  constructor(home: string) {
    this.file = join(home, "daemon.pid");
  }

  /** The pid of the daemon running on this state directory, if one is. */
  holder(): number | undefined {
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(this.file, "utf8"), 10);
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch (err) {
      // EPERM: it exists, as another user's process.
      return (err as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
    }
  }

  /** Takes the lock, or returns the pid of the daemon that holds it. */
  acquire(): { ok: true } | { ok: false; pid: number } {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.file, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
        return { ok: true };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const pid = this.holder();
      if (pid !== undefined && pid !== process.pid) return { ok: false, pid };
      try {
        unlinkSync(this.file); // stale
      } catch {
        // another daemon starting at the same moment removed it first; try again
      }
    }
    const pid = this.holder();
    return pid === undefined ? { ok: false, pid: -1 } : { ok: false, pid };
  }

  release(): void {
    try {
      if (Number.parseInt(readFileSync(this.file, "utf8"), 10) === process.pid) unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}
