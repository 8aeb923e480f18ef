// Where schedule policies, backup schedules and their run state are kept: small JSON files in the
// engine's state directory (run state one file per schedule), each written whole to a temporary file and renamed, so a crash leaves
// the old or the new file, never half of one.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parsePolicy, PolicyError, type SchedulePolicy } from "./policy";
import type { BackupSchedule } from "./protect";
import type { ScheduleState, StateStore } from "./scheduler";

function readJson<T>(file: string, fallback: T): T {
  if (!existsSync(file)) return fallback;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); fix or remove it`, { cause: err });
  }
}

function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, file);
}

export class ScheduleStore implements StateStore {
  private readonly policiesFile: string;
  private readonly schedulesFile: string;
  /** One file per schedule: the daemon and a `schedule run` in another shell never overwrite each other's state. */
  private readonly stateDir: string;

  /**
   * `otherUsers` names what else runs on a policy (DR migrations keep theirs in the DR store), so a
   * policy still in use is never deleted from under it.
   */
  constructor(dir: string, private readonly otherUsers: () => Array<{ name: string; policy: string }> = () => []) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.policiesFile = join(dir, "schedule-policies.json");
    this.schedulesFile = join(dir, "schedules.json");
    this.stateDir = join(dir, "schedule-state");
    mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
  }

  policies(): SchedulePolicy[] {
    return readJson<unknown[]>(this.policiesFile, []).map(parsePolicy);
  }

  policy(name: string): SchedulePolicy {
    const found = this.policies().find((p) => p.name === name);
    if (!found) throw new PolicyError(`no schedule policy "${name}" (there are: ${this.policies().map((p) => p.name).join(", ") || "none"})`);
    return found;
  }

  /** Adds or replaces a policy by name; schedules using it follow the new times. */
  savePolicy(input: unknown): SchedulePolicy {
    const policy = parsePolicy(input);
    writeJson(this.policiesFile, [...this.policies().filter((p) => p.name !== policy.name), policy]);
    return policy;
  }

  removePolicy(name: string): void {
    const users = this.usage()[name] ?? [];
    if (users.length) throw new PolicyError(`schedule policy "${name}" is used by ${users.join(", ")}; remove or change those first`);
    this.policy(name);
    writeJson(this.policiesFile, this.policies().filter((p) => p.name !== name));
  }

  /** Where each policy is used. */
  usage(): Record<string, string[]> {
    const usage: Record<string, string[]> = Object.fromEntries(this.policies().map((p) => [p.name, []]));
    for (const s of [...this.schedules(), ...this.otherUsers()]) (usage[s.policy] ??= []).push(s.name);
    return usage;
  }

  schedules(): BackupSchedule[] {
    return readJson<BackupSchedule[]>(this.schedulesFile, []);
  }

  addSchedule(input: Omit<BackupSchedule, "id" | "createdAt"> & { createdAt?: string }): BackupSchedule {
    this.policy(input.policy);
    if (!input.locations.length) throw new PolicyError("a schedule needs at least one location");
    if (this.schedules().some((s) => s.name === input.name)) throw new PolicyError(`a schedule named "${input.name}" exists; choose another name`);
    const schedule: BackupSchedule = { ...input, id: randomUUID(), createdAt: input.createdAt ?? new Date().toISOString() };
    writeJson(this.schedulesFile, [...this.schedules(), schedule]);
    return schedule;
  }

  updateSchedule(name: string, change: Partial<Pick<BackupSchedule, "paused" | "policy" | "locations">>): BackupSchedule {
    const all = this.schedules();
    const at = all.findIndex((s) => s.name === name);
    if (at < 0) throw new PolicyError(`no schedule "${name}"`);
    if (change.policy) this.policy(change.policy);
    const updated = { ...all[at]!, ...change };
    all[at] = updated;
    writeJson(this.schedulesFile, all);
    return updated;
  }

  removeSchedule(name: string): void {
    const schedule = this.schedules().find((s) => s.name === name);
    if (!schedule) throw new PolicyError(`no schedule "${name}"`);
    writeJson(this.schedulesFile, this.schedules().filter((s) => s.name !== name));
    rmSync(this.stateFile(schedule.id), { force: true });
  }

  get(id: string): ScheduleState {
    return readJson<ScheduleState>(this.stateFile(id), {});
  }

  set(id: string, state: ScheduleState): void {
    writeJson(this.stateFile(id), state);
  }

  private stateFile(id: string): string {
    if (!/^[\w-]+$/.test(id)) throw new PolicyError(`invalid schedule id "${id}"`);
    return join(this.stateDir, `${id}.json`);
  }
}
