// A Kubernetes backup's resources in the repository: the captured objects as one stream (JSON
// lines), the catalog as another, and what was asked for and what was left out (with reasons) in
// the snapshot's metadata. Because all of it lives in the location, a fresh install that adds the
// same location sees the backup and can restore it.
import type { SnapshotManifest } from "../repo/format";
import { RepositoryError, type Repository } from "../repo/repository";
import type { ActionResult } from "../rules";
import { restoreChunks } from "../transfer/restore";
import type { VolumeBackupResult } from "../volumes/backup";
import type { Capture, CaptureSpec, CatalogEntry } from "./capture";
import type { Obj } from "./capture-rules";

export const RESOURCES_STREAM = "kubernetes/resources.jsonl";
export const CATALOG_STREAM = "kubernetes/catalog.json";

export interface KubernetesBackupMeta {
  type: "kubernetes";
  name: string;
  cluster: { name: string; server: string };
  /** As asked (no namespaces = all of them). */
  spec: CaptureSpec;
  /** The namespaces actually captured. */
  namespaces: string[];
  volumes: boolean;
  counts: { objects: number; excluded: number; skippedKinds: number; volumes: number };
  excluded: Capture["excluded"];
  skippedKinds: Capture["skippedKinds"];
  volumeData: VolumeBackupResult[];
  rules: ActionResult[];
  warnings: string[];
}

export async function* jsonLines(objects: Obj[]): AsyncGenerator<Buffer> {
  let batch: string[] = [];
  for (const o of objects) {
    batch.push(JSON.stringify(o));
    if (batch.length === 256) {
      yield Buffer.from(batch.join("\n") + "\n");
      batch = [];
    }
  }
  if (batch.length) yield Buffer.from(batch.join("\n") + "\n");
}

async function readStream(repo: Repository, snapshot: SnapshotManifest, name: string): Promise<Buffer> {
  const stream = snapshot.streams.find((s) => s.name === name);
  if (!stream) throw new Error(`snapshot ${snapshot.id} is not a Kubernetes backup (it has no ${name})`);
  const parts: Buffer[] = [];
  for await (const part of restoreChunks(repo, stream)) parts.push(part);
  return Buffer.concat(parts);
}

export async function readCatalog(repo: Repository, snapshot: SnapshotManifest): Promise<CatalogEntry[]> {
  return JSON.parse((await readStream(repo, snapshot, CATALOG_STREAM)).toString("utf8")) as CatalogEntry[];
}

export async function readResources(repo: Repository, snapshot: SnapshotManifest): Promise<Obj[]> {
  const text = (await readStream(repo, snapshot, RESOURCES_STREAM)).toString("utf8");
  return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Obj);
}

/** The Kubernetes backups in a repository, newest first, with their metadata. */
export async function listKubernetesBackups(repo: Repository): Promise<Array<SnapshotManifest & { meta: KubernetesBackupMeta }>> {
  return (await repo.listSnapshots())
    .filter((s): s is SnapshotManifest & { meta: KubernetesBackupMeta } => (s.meta as { type?: string } | null)?.type === "kubernetes")
    .reverse();
}

/** A backup by snapshot id (or a unique prefix of one), or the newest backup of that name. */
export async function findKubernetesBackup(repo: Repository, ref: string): Promise<SnapshotManifest & { meta: KubernetesBackupMeta }> {
  const backups = await listKubernetesBackups(repo);
  const byId = backups.filter((b) => b.id.startsWith(ref));
  if (byId.length === 1) return byId[0]!;
  if (byId.length > 1 && ref.length >= 4) throw new RepositoryError("no-such-backup", `"${ref}" matches ${byId.length} backups; give more of the id`);
  const byName = backups.find((b) => b.meta.name === ref);
  if (byName) return byName;
  throw new RepositoryError("no-such-backup", `no backup "${ref}" in this location (it has ${backups.length} backup(s)${backups.length ? `: ${[...new Set(backups.map((b) => b.meta.name))].slice(0, 5).join(", ")}` : ""})`);
}
