// Restore records: one file per restore under restores/ in the state directory, written when it
// starts and again when it ends, so a restore's result table can be read after the command, the
// window or the engine that ran it is gone (`lifeboat restore describe`, the console's Restores).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { VolumeRestoreResult } from "../volumes/restore";
import type { RestoreOutcome, RestoreRequest } from "./job";
import type { WorkloadReadiness } from "./readiness";
import type { RestoreAction, RestoreItemResult } from "./restore";

const writeJson = (file: string, value: unknown) => {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
  renameSync(tmp, file);
};

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

/** velero's default name: the backup's name and the time, e.g. shop-20260301120005. */
export function defaultRestoreName(backupName: string, now = new Date()): string {
  return `${backupName.slice(0, 48)}-${now.toISOString().replace(/[-:T]/g, "").slice(0, 14)}`;
}

export function restoreStatus(outcome: RestoreOutcome): RestoreStatus {
  if (outcome.complete) return "Completed";
  // Kept objects (an existing namespace, say) are no sign that anything was restored.
  return outcome.counts.created + outcome.counts.replaced === 0 ? "Failed" : "PartiallyFailed";
}
