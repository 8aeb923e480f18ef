// The engine's state directory, shared by the CLI, `lifeboat serve` and the daemon: $LIFEBOAT_HOME, else $XDG_CONFIG_HOME/lifeboat, else ~/.config/lifeboat.
// It holds clusters.json and locations.json (the engine's registries, mode 0600, sealed by the
// credential vault: vault.key, or vault.salt and vault.check with LIFEBOAT_PASSPHRASE), restores/, one
// record per restore so `restore describe` can show a restore after the command that ran it ended,
// the schedule store's files (schedule-policies.json, schedules.json, schedule-state/), the DR
// store's (cluster-pairs.json, migrations.json, migration-state/, switchovers/) and daemon.pid while
// `lifeboat daemon` runs.
import { homedir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ClusterRegistry, ClusterSummary } from "../clusters/registry";
import type { DrStore } from "../dr/store";
import type { LocationRegistry } from "../locations/registry";
import type { ScheduleStore } from "../schedule/store";
import { RestoreRecords } from "../restore/records";
import { defaultVault, type Vault } from "../vault/index";

/** A cluster or location name that is not known: the admin's input to fix. */
export class NotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotFoundError";
  }
}

export function lifeboatHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIFEBOAT_HOME) return env.LIFEBOAT_HOME;
  return join(env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config"), "lifeboat");
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
    if (!found) throw new NotFoundError(`no cluster named "${name}" (${all.length ? `known: ${all.map((c) => c.name).join(", ")}` : "add one with `lifeboat cluster add`"})`);
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
    throw new NotFoundError(`no location named "${name}" (${known.length ? `known: ${known.join(", ")}` : "add one with `lifeboat location add`"})`);
  }
}
