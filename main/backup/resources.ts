// A Kubernetes backup's resources in the repository: the captured objects as one stream (JSON
// lines), the catalog as another, and what was asked for and what was left out (with reasons) in
// the snapshot's metadata. Because all of it lives in the location, a fresh install that adds the
// same location sees the backup and can restore it.
import type { KubeConfig } from "@kubernetes/client-node";
import type { SnapshotManifest } from "../repo/format";
import type { Repository } from "../repo/repository";
import { BackupSession, type BackupOptions } from "../transfer/backup";
import { restoreChunks } from "../transfer/restore";
import { captureResources, type Capture, type CaptureSpec, type CatalogEntry } from "./capture";
import type { Obj } from "./capture-rules";

export const RESOURCES_STREAM = "kubernetes/resources.jsonl";
export const CATALOG_STREAM = "kubernetes/catalog.json";

export interface KubernetesBackupMeta {
  type: "kubernetes";
  name: string;
  cluster: { name: string; server: string };
  spec: CaptureSpec;
  counts: { objects: number; excluded: number; skippedKinds: number };
  excluded: Capture["excluded"];
  skippedKinds: Capture["skippedKinds"];
}

async function* jsonLines(objects: Obj[]): AsyncGenerator<Buffer> {
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

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

export async function backupResources(
  repo: Repository,
  kc: KubeConfig,
  spec: CaptureSpec,
  opts: { name: string; cluster: string } & Pick<BackupOptions, "onProgress" | "signal">,
): Promise<{ snapshot: SnapshotManifest; capture: Capture }> {
  const capture = await captureResources(kc, spec);
  const meta: KubernetesBackupMeta = {
    type: "kubernetes",
    name: opts.name,
    cluster: { name: opts.cluster, server: kc.getCurrentCluster()?.server ?? "" },
    spec,
    counts: { objects: capture.objects.length, excluded: capture.excluded.length, skippedKinds: capture.skippedKinds.length },
    excluded: capture.excluded,
    skippedKinds: capture.skippedKinds,
  };
  const session = await BackupSession.start(repo, { tags: { backup: opts.name, cluster: opts.cluster }, meta, onProgress: opts.onProgress, signal: opts.signal });
  try {
    await session.addStream(RESOURCES_STREAM, jsonLines(capture.objects));
    await session.addStream(CATALOG_STREAM, once(Buffer.from(JSON.stringify(capture.catalog))));
  } catch (err) {
    await session.abort();
    throw err;
  }
  return { snapshot: await session.commit(), capture };
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
