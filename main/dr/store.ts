// Where ClusterPairs, migration schedules and their state are kept, next to the schedule store in
// the engine's state directory. A migration's state says where the application is active: while it
// runs on the destination (after a failover) no migration may run, or it would switch it off again.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterPair, PairStatus } from "./cluster-pair";
import type { MigrationRun, MigrationSpec } from "./migration";

export class DrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DrError";
  }
}

export interface MigrationState {
  /** Where the application runs: migrations only run while it runs on the source. */
  active: "source" | "destination";
  lastRun?: MigrationRun;
  /** The last successful run (its capture time is the recovery point the destination holds). */
  lastSuccess?: MigrationRun;
  lastError?: string;
  failover?: string;
  /** The latest runs, oldest first (the console's RPO timeline). */
  history?: MigrationRun[];
}

/** How many runs a migration's state keeps for its RPO timeline. */
export const HISTORY_RUNS = 60;

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function readJson<T>(file: string, fallback: T): T {
  if (!existsSync(file)) return fallback;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (err) {
    throw new DrError(`${file} is not valid JSON (${(err as Error).message}); fix or remove it`);
  }
}

function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, file);
}

export class DrStore {
  private readonly pairsFile: string;
  private readonly migrationsFile: string;
  private readonly stateDir: string;
  readonly switchoverDir: string;

  constructor(dir: string) {
    this.pairsFile = join(dir, "cluster-pairs.json");
    this.migrationsFile = join(dir, "migrations.json");
    this.stateDir = join(dir, "migration-state");
    this.switchoverDir = join(dir, "switchovers");
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
  }

  pairs(): Array<ClusterPair & { status?: PairStatus }> {
    return readJson(this.pairsFile, []);
  }

  pair(name: string): ClusterPair & { status?: PairStatus } {
    const pair = this.pairs().find((p) => p.name === name);
    if (!pair) throw new DrError(`no ClusterPair "${name}" (there are: ${this.pairs().map((p) => p.name).join(", ") || "none"})`);
    return pair;
  }

  savePair(pair: ClusterPair & { status?: PairStatus }): void {
    if (!NAME.test(pair.name)) throw new DrError(`"${pair.name}" is not a valid name (lowercase letters, digits and dashes)`);
    writeJson(this.pairsFile, [...this.pairs().filter((p) => p.name !== pair.name), pair]);
  }

  removePair(name: string): void {
    const users = this.migrations().filter((m) => m.pair === name).map((m) => m.name);
    if (users.length) throw new DrError(`ClusterPair "${name}" is used by the migration(s) ${users.join(", ")}; delete those first`);
    this.pair(name);
    writeJson(this.pairsFile, this.pairs().filter((p) => p.name !== name));
  }

  migrations(): MigrationSpec[] {
    return readJson(this.migrationsFile, []);
  }

  migration(name: string): MigrationSpec {
    const m = this.migrations().find((x) => x.name === name);
    if (!m) throw new DrError(`no migration "${name}" (there are: ${this.migrations().map((x) => x.name).join(", ") || "none"})`);
    return m;
  }

  addMigration(spec: MigrationSpec): MigrationSpec {
    if (!NAME.test(spec.name)) throw new DrError(`"${spec.name}" is not a valid name (lowercase letters, digits and dashes)`);
    this.pair(spec.pair);
    if (this.migrations().some((m) => m.name === spec.name)) throw new DrError(`a migration named "${spec.name}" exists; choose another name`);
    if (!spec.namespaces.length) throw new DrError("a migration needs at least one namespace");
    writeJson(this.migrationsFile, [...this.migrations(), spec]);
    this.setState(spec.name, { active: "source" });
    return spec;
  }

  updateMigration(name: string, change: Partial<Pick<MigrationSpec, "paused" | "policy" | "purge">>): MigrationSpec {
    const all = this.migrations();
    const at = all.findIndex((m) => m.name === name);
    if (at < 0) throw new DrError(`no migration "${name}"`);
    all[at] = { ...all[at]!, ...change };
    writeJson(this.migrationsFile, all);
    return all[at]!;
  }

  removeMigration(name: string): void {
    this.migration(name);
    writeJson(this.migrationsFile, this.migrations().filter((m) => m.name !== name));
  }

  state(name: string): MigrationState {
    return readJson<MigrationState>(join(this.stateDir, `${name}.json`), { active: "source" });
  }

  setState(name: string, state: MigrationState): void {
    writeJson(join(this.stateDir, `${name}.json`), state);
  }
}
