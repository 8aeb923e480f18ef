// Repository locks (FORMAT.md, "Prune"): backups hold shared locks, prune an exclusive one. A lock
// is an object under locks/, refreshed while held; one not refreshed for STALE_MS is ignored.
import { hostname } from "node:os";
import type { Location } from "../locations/types";
import { idOfKey, keyOf, PREFIX, randomId } from "./format";

export const REFRESH_MS = 5 * 60_000;
export const STALE_MS = 30 * 60_000;

export interface LockInfo {
  kind: "shared" | "exclusive";
  hostname: string;
  pid: number;
  created: string;
  refreshed: string;
  purpose: string;
}

export class RepositoryLockedError extends Error {
  constructor(readonly holder: LockInfo) {
    super(`the repository is in use: ${holder.purpose} (${holder.kind} lock) by ${holder.hostname} pid ${holder.pid} since ${holder.created}`);
    this.name = "RepositoryLockedError";
  }
}

export interface Lock {
  id: string;
  release(): Promise<void>;
}

async function liveLocks(location: Location, now = Date.now()): Promise<Array<{ id: string; info: LockInfo }>> {
  const out: Array<{ id: string; info: LockInfo }> = [];
  for await (const obj of location.list(PREFIX.locks)) {
    try {
      const info = JSON.parse((await location.get(obj.key)).toString("utf8")) as LockInfo;
      const refreshed = Math.max(Date.parse(info.refreshed) || 0, obj.lastModified.getTime());
      if (now - refreshed < STALE_MS) out.push({ id: idOfKey(obj.key), info });
    } catch {
      // A lock deleted while we listed, or unreadable: not a live lock.
    }
  }
  return out;
}

/** Takes a lock, or fails with RepositoryLockedError naming who holds a conflicting one. */
export async function acquireLock(location: Location, kind: LockInfo["kind"], purpose: string): Promise<Lock> {
  const conflicts = (locks: Array<{ id: string; info: LockInfo }>, self?: string) =>
    locks.filter((l) => l.id !== self && (kind === "exclusive" || l.info.kind === "exclusive"));
  const before = conflicts(await liveLocks(location));
  if (before[0]) throw new RepositoryLockedError(before[0].info);

  const id = randomId();
  const created = new Date().toISOString();
  const write = () => {
    const info: LockInfo = { kind, hostname: hostname(), pid: process.pid, created, refreshed: new Date().toISOString(), purpose };
    return location.put(keyOf.lock(id), Buffer.from(JSON.stringify(info)));
  };
  await write();
  // Two processes may have checked at the same moment: look again now that ours is visible.
  const after = conflicts(await liveLocks(location), id);
  if (after[0]) {
    await location.delete(keyOf.lock(id));
    throw new RepositoryLockedError(after[0].info);
  }
  const timer = setInterval(() => void write().catch(() => undefined), REFRESH_MS);
  timer.unref();
  return {
    id,
    async release() {
      clearInterval(timer);
      await location.delete(keyOf.lock(id));
    },
  };
}
