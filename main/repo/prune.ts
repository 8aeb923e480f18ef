// Prune and retention (FORMAT.md, "Prune, and its safety margin"). Only packs that no snapshot
// needs and that are older than the margin are deleted, under an exclusive lock; the index is
// rewritten (new segment first, old ones after), so a crash mid-prune leaves a valid repository.
import { LocationError } from "../locations/types";
import type { TransferPool } from "../transfer/pool";
import { transferPool } from "../transfer/pool";
import { readChunkList } from "../transfer/restore";
import { sealObject } from "./crypto";
import { encodeIndexSegment, idOfKey, keyOf, PREFIX, randomId } from "./format";
import { acquireLock } from "./locks";
import { loadIndex } from "./repo-index";
import { snapshotsBeyondKeepLast, type Repository } from "./repository";

export const DEFAULT_SAFETY_MARGIN_MS = 60 * 60_000;

export interface PruneReport {
  packsDeleted: number;
  bytesFreed: number;
  packsKept: number;
  /** Unreferenced packs kept because they are younger than the margin (a backup may be writing them). */
  packsTooYoung: number;
  /** Unreferenced packs kept because object lock still protects them. */
  packsLocked: number;
  segmentsReplaced: number;
}

export interface PruneOptions {
  safetyMarginMs?: number;
  pool?: TransferPool;
  now?: () => number;
}

export async function pruneRepository(repo: Repository, opts: PruneOptions = {}): Promise<PruneReport> {
  const margin = opts.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS;
  const now = (opts.now ?? Date.now)();
  const pool = opts.pool ?? transferPool();
  const lock = await acquireLock(repo.location, "exclusive", "prune");
  try {
    const { index, segments } = await loadIndex(repo.location, repo.keys);

    // Everything any snapshot needs: its list blobs and the chunks they name.
    const reachable = new Set<string>();
    for (const snap of await repo.listSnapshots()) {
      for (const stream of snap.streams) {
        for (const list of stream.lists) reachable.add(list);
        for (const ref of await readChunkList(repo, index, stream, pool)) reachable.add(ref.id.toString("hex"));
      }
    }

    const report: PruneReport = { packsDeleted: 0, bytesFreed: 0, packsKept: 0, packsTooYoung: 0, packsLocked: 0, segmentsReplaced: 0 };
    const keep = new Set<string>();
    for await (const obj of repo.location.list(PREFIX.packs)) {
      const id = idOfKey(obj.key);
      const blobs = index.pack(id)?.blobs ?? []; // unindexed: left by an interrupted upload
      if (blobs.some((b) => reachable.has(b.id.toString("hex")))) {
        keep.add(id);
        report.packsKept++;
      } else if (now - obj.lastModified.getTime() < margin) {
        keep.add(id);
        report.packsTooYoung++;
      } else {
        try {
          await repo.location.delete(obj.key);
          report.packsDeleted++;
          report.bytesFreed += obj.size;
        } catch (err) {
          if (!(err instanceof LocationError && err.code === "locked")) throw err;
          keep.add(id);
          report.packsLocked++;
        }
      }
    }

    // One segment for what remains, superseding all others; written before they are deleted.
    const packs = index.allPacks().filter((p) => keep.has(p.id));
    if (segments.length > 1 || report.packsDeleted > 0) {
      const id = randomId();
      await repo.location.put(keyOf.index(id), sealObject(repo.keys, keyOf.index(id), encodeIndexSegment({ supersedes: segments, packs })), {
        retainUntil: repo.retainUntil(),
      });
      for (const old of segments) {
        await repo.location.delete(keyOf.index(old)).catch((err: unknown) => {
          if (!(err instanceof LocationError && err.code === "locked")) throw err;
        });
      }
      report.segmentsReplaced = segments.length;
    }
    return report;
  } finally {
    await lock.release();
  }
}

/** Keep-last-N retention: forgets older snapshots of each backup, then prunes. */
export async function applyRetention(repo: Repository, keepLast: number, opts: PruneOptions & { groupTag?: string; group?: string } = {}): Promise<{ forgotten: string[]; prune: PruneReport }> {
  // `group` limits retention to one history (one schedule's backups); the others are not touched.
  const snapshots = (await repo.listSnapshots()).filter((s) => opts.group === undefined || s.tags[opts.groupTag ?? "backup"] === opts.group);
  const forgotten = snapshotsBeyondKeepLast(snapshots, keepLast, opts.groupTag);
  await repo.forget(forgotten);
  return { forgotten, prune: await pruneRepository(repo, opts) };
}
