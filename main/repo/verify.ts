// Verify (FORMAT.md, "Verify"): re-read packs, check each against its name (a hash of its bytes),
// decrypt every blob and recompute its id; and check that every blob a snapshot needs is indexed.
import type { Location } from "../locations/types";
import type { TransferPool } from "../transfer/pool";
import { transferPool } from "../transfer/pool";
import { readChunkList } from "../transfer/restore";
import { openObject, packName } from "./crypto";
import { decodePackHeader, idOfKey, keyOf, locatePackHeader, PACK_TRAILER_BYTES, PREFIX } from "./format";
import { loadIndex, type RepoIndex } from "./repo-index";
import type { Repository } from "./repository";

export interface VerifyProblem {
  pack?: string;
  snapshot?: string;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  mode: "full" | "sampled";
  packsTotal: number;
  packsChecked: number;
  blobsChecked: number;
  bytesChecked: number;
  snapshotsChecked: number;
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  /** Fraction of packs to re-read, 0 < sample ≤ 1 (1 = full verify). */
  sample?: number;
  pool?: TransferPool;
  /** Source of randomness for sampling (tests pass a fixed one). */
  random?: () => number;
}

async function packsInLocation(location: Location): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const obj of location.list(PREFIX.packs)) ids.add(idOfKey(obj.key));
  return ids;
}

/** Checks one pack completely; returns the number of blobs checked. */
async function checkPack(repo: Repository, index: RepoIndex, pool: TransferPool, packId: string): Promise<{ blobs: number; bytes: number }> {
  const bytes = await repo.location.get(keyOf.pack(packId));
  const digest = packName(repo.packHash, bytes);
  if (digest !== packId) throw new Error(`content does not match its name (${repo.packHash === "blake3" ? "BLAKE3" : "SHA-256"} ${digest.slice(0, 16)}…): corrupted or truncated`);
  const at = locatePackHeader(bytes.length, bytes.subarray(Math.max(0, bytes.length - PACK_TRAILER_BYTES)));
  const blobs = decodePackHeader(openObject(repo.keys, "pack-header", bytes.subarray(at.offset, at.offset + at.length)));
  const indexed = index.pack(packId)?.blobs ?? [];
  if (indexed.length !== blobs.length) throw new Error(`header lists ${blobs.length} blobs, the index ${indexed.length}`);
  await pool.open({
    keys: repo.workerKeys,
    blobs: blobs.map((b) => ({ id: b.id, rawLength: b.rawLength, sealed: bytes.subarray(b.offset, b.offset + b.length) })),
  });
  return { blobs: blobs.length, bytes: bytes.length };
}

export async function verifyRepository(repo: Repository, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const sample = opts.sample ?? 1;
  if (!(sample > 0 && sample <= 1)) throw new Error(`sample must be in (0, 1], got ${sample}`);
  const pool = opts.pool ?? transferPool();
  const random = opts.random ?? Math.random;
  const { index } = await loadIndex(repo.location, repo.keys);
  const present = await packsInLocation(repo.location);
  const problems: VerifyProblem[] = [];
  const indexedPacks = index.packIds();

  for (const pack of indexedPacks) if (!present.has(pack)) problems.push({ pack, message: "indexed but missing from the location" });

  const toCheck = indexedPacks.filter((p) => present.has(p) && (sample >= 1 || random() < sample));
  let blobsChecked = 0;
  let bytesChecked = 0;
  for (const pack of toCheck) {
    try {
      const r = await checkPack(repo, index, pool, pack);
      blobsChecked += r.blobs;
      bytesChecked += r.bytes;
    } catch (err) {
      problems.push({ pack, message: err instanceof Error ? err.message : String(err) });
    }
  }

  // Every blob a snapshot needs must be indexed (its list blobs are read, so they are also checked).
  const snapshots = await repo.listSnapshots();
  for (const snap of snapshots) {
    for (const stream of snap.streams) {
      try {
        const refs = await readChunkList(repo, index, stream, pool);
        const missing = refs.filter((r) => !index.has(r.id.toString("hex")));
        if (missing.length) problems.push({ snapshot: snap.id, message: `stream ${stream.name}: ${missing.length} chunk(s) not in the index` });
      } catch (err) {
        problems.push({ snapshot: snap.id, message: `stream ${stream.name}: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
  }

  return {
    ok: problems.length === 0,
    mode: sample >= 1 ? "full" : "sampled",
    packsTotal: indexedPacks.length,
    packsChecked: toCheck.length,
    blobsChecked,
    bytesChecked,
    snapshotsChecked: snapshots.length,
    problems,
  };
}
