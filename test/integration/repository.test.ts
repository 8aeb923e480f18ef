// The data path against real locations: a folder, MinIO (S3) and Azurite (Azure Blob). Round trips
// are bit-identical; shifted data deduplicates; an incremental backup uploads only new chunks; a
// wrong password, a corrupted pack and a truncated pack are reported; a backup killed with SIGKILL
// leaves no snapshot and its uploaded packs are reused; a MinIO restart mid-upload is ridden out.
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { crc32 } from "node:zlib";
import { closeSync, constants, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateBucketCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Blake3Hasher } from "@napi-rs/blake-hash";
import { BlobServiceClient } from "@azure/storage-blob";
import { openLocation, type LocationConfig } from "../../main/locations";
import { IntegrityError, sealObject } from "../../main/repo/crypto";
import { loadIndex } from "../../main/repo/repo-index";
import { applyRetention, pruneRepository } from "../../main/repo/prune";
import { Repository, RepositoryError } from "../../main/repo/repository";
import { verifyRepository } from "../../main/repo/verify";
import { backupStream, BackupSession, BackupCancelledError } from "../../main/transfer/backup";
import { closeTransferPool } from "../../main/transfer/pool";
import { enlargePipe, PIPE_BYTES, pipeSize } from "../../main/transfer/pipe-size";
import { restoreChunks } from "../../main/transfer/restore";
import { keyOf, type SnapshotStream } from "../../main/repo/format";
import { collect, fromBuffer, pseudoRandom, pseudoText, sha256Of } from "../support/data";
import { startAzurite, startMinio, type AzuriteServer, type MinioServer } from "../support/objectstores";
import { waitFor } from "../support/proc";

const FAST_KDF = { N: 1024, r: 8, p: 1 };
const blake3Hex = (b: Buffer) => new Blake3Hasher().update(b).digestBuffer().toString("hex");
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

  test("random and text data round-trip bit-identically, text compressed, under one index segment", async () => {
    const snap = await backupStream(repo, "mixed.tar", mixed(48 * MiB, "rt"), { tags: { backup: "rt" } });
    expect(snap.streams[0]!.size).toBe(48 * MiB);
    expect(snap.summary.storedBytes).toBeLessThan(0.75 * 48 * MiB); // the text half compresses
    // The commit replaced the backup's index segment per pack by one that lists every pack.
    const listed = async (prefix: string) => {
      const keys: string[] = [];
      for await (const o of repo.location.list(prefix)) keys.push(o.key);
      return keys;
    };
    expect(await listed("index/")).toHaveLength(1);
    const packs = (await listed("data/")).map((key) => key.split("/").pop()!);
    expect(packs.length).toBeGreaterThan(5);
    expect((await loadIndex(repo.location, repo.keys)).index.packIds().sort()).toEqual(packs.sort());
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

describe("failures", () => {
  test("a corrupted pack and a truncated pack are reported by verify and by restore", async () => {
    const config = await locationConfig("folder");
    const repo = await Repository.init(openLocation(config), "pw", { kdf: FAST_KDF, packSize: 4 * MiB });
    const snap = await backupStream(repo, "data", pseudoRandom(16 * MiB, "corrupt"));
    const packsDir = join((config as { path: string }).path, "data");
    const packs = readdirSync(packsDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
    const [flipped, cut] = packs.sort((a, b) => statSync(b).size - statSync(a).size);
    const bytes = readFileSync(flipped!);
    bytes[1000]! ^= 0xff; // one bit-flipped byte inside a blob
    writeFileSync(flipped!, bytes);
    truncateSync(cut!, statSync(cut!).size - 100);

    const report = await verifyRepository(repo);
    expect(report.ok).toBe(false);
    const named = report.problems.map((p) => p.pack);
    expect(named).toContain(flipped!.split("/").pop());
    expect(named).toContain(cut!.split("/").pop());
    await expect(collect(restoreChunks(repo, snap.streams[0]!))).rejects.toBeInstanceOf(IntegrityError);
  });

  test("a backup killed with SIGKILL mid-upload leaves no snapshot, and the next run reuses its packs", async () => {
    const config = await locationConfig("minio");
    const repo = await Repository.init(openLocation(config), "pw", { kdf: FAST_KDF, packSize: 2 * MiB });
    const total = 160 * MiB;
    const child = spawn(process.execPath, ["--import", "tsx", "test/support/backup-child.ts"], {
      env: { ...process.env, LB_LOCATION: JSON.stringify(config), LB_PASSWORD: "pw", LB_BYTES: String(total), LB_SEED: "killed" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((r) => child.on("exit", r));
    // Kill it once several packs are durable (indexed), well before it can finish.
    await waitFor("the child to upload some packs", async () => {
      if (child.exitCode !== null) throw new Error(`child exited early: ${stderr}`);
      return (await loadIndex(repo.location, repo.keys)).index.packIds().length >= 8;
    }, { timeoutMs: 60_000, intervalMs: 100 });
    child.kill("SIGKILL");
    await exited;

    expect(await repo.listSnapshots()).toEqual([]);
    const before = (await loadIndex(repo.location, repo.keys)).index;
    const reusable = before.allPacks().flatMap((p) => p.blobs).filter((b) => b.type === 0).reduce((n, b) => n + b.rawLength, 0);
    expect(reusable).toBeGreaterThan(0);
    expect(reusable).toBeLessThan(total);

    const snap = await backupStream(repo, "data", pseudoRandom(total, "killed"));
    // Exactly the chunks the killed run made durable were not uploaded again.
    expect(snap.summary.newBytes).toBe(total - reusable);
    expect(await sha256Of(restoreChunks(repo, snap.streams[0]!))).toBe(await sha256Of(pseudoRandom(total, "killed")));
    expect((await verifyRepository(repo)).problems).toEqual([]);
  });

  test("MinIO stopped and restarted during an upload: the backup waits it out and completes", async () => {
    const config = await locationConfig("minio");
    const repo = await Repository.init(openLocation(config), "pw", { kdf: FAST_KDF, packSize: 2 * MiB });
    let packsSeen = 0;
    let restarted: Promise<void> | undefined;
    const backup = backupStream(repo, "data", pseudoRandom(64 * MiB, "outage"), {
      onProgress: (p) => {
        packsSeen = p.packs;
        if (packsSeen >= 3 && !restarted) {
          restarted = (async () => {
            await minio.stop();
            await new Promise((r) => setTimeout(r, 3000));
            await minio.start();
          })();
        }
      },
    });
    const snap = await backup;
    await restarted;
    expect(restarted).toBeDefined();
    expect(await sha256Of(restoreChunks(repo, snap.streams[0]!))).toBe(await sha256Of(pseudoRandom(64 * MiB, "outage")));
  });

  test("a cancelled backup commits nothing and says so", async () => {
    const repo = await Repository.init(openLocation(await locationConfig("folder")), "pw", { kdf: FAST_KDF });
    const controller = new AbortController();
    const session = await BackupSession.start(repo, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    await expect(session.addStream("data", pseudoRandom(2048 * MiB, "cancel"))).rejects.toBeInstanceOf(BackupCancelledError);
    expect(await repo.listSnapshots()).toEqual([]);
    // The lock is released: another backup can start at once.
    await (await BackupSession.start(repo)).abort();
  });
});

describe("file-descriptor sources, read and cut by a thread of their own", () => {
  let repo: Repository;
  let config: LocationConfig;
  let dir: string;
  let file: string;
  let data: Buffer;
  let viaStream: SnapshotStream;

  beforeAll(async () => {
    config = await locationConfig("folder");
    repo = await Repository.init(openLocation(config), "pw", { kdf: FAST_KDF, packSize: 4 * MiB });
    dir = mkdtempSync(join(tmpdir(), "lifeboat-fd-"));
    folders.push(dir);
    file = join(dir, "data.bin");
    data = await collect(mixed(40 * MiB, "fd"));
    writeFileSync(file, data);
    viaStream = (await backupStream(repo, "data", fromBuffer(data))).streams[0]!;
  });

  /** A FIFO opened non-blocking (as Node leaves stdin), with `writer` (a shell command) writing into it. */
  async function fifoWith(writer: string) {
    const path = join(dir, `fifo-${bucketSeq++}`);
    execFileSync("mkfifo", [path]);
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    // The writer says when its end is open: a FIFO without a writer reads as ended.
    const child = spawn("bash", ["-c", `exec 3>"$0"; echo open; ${writer} >&3`, path], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise((resolve) => child.stdout.once("data", resolve));
    return { fd, child, close: () => closeSync(fd) };
  }

  test("a pipe on stdin, a file and a non-blocking FIFO give exactly the chunks a stream gives", async () => {
    // stdin of another process: Node makes it non-blocking; the reader opens the pipe again, blocking.
    const child = spawn("bash", ["-c", `cat "$0" | "$1" --import tsx test/support/backup-child.ts`, file, process.execPath], {
      env: { ...process.env, LB_LOCATION: JSON.stringify(config), LB_PASSWORD: "pw", LB_SOURCE: "stdin" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    expect(await new Promise((r) => child.on("exit", r)), out).toBe(0);
    const piped = await repo.readSnapshot(/committed (\w+)/.exec(out)![1]!);

    const fd = openSync(file, "r");
    const fromFile = await backupStream(repo, "data", { fd }).finally(() => closeSync(fd));

    const fifo = await fifoWith(`cat "${file}"`);
    const fromFifo = await backupStream(repo, "data", { fd: fifo.fd }).finally(fifo.close);

    for (const snap of [piped, fromFile, fromFifo]) {
      expect(snap.summary.newBytes).toBe(0);
      // The same chunk list, so the same list blobs.
      expect(snap.streams[0]).toEqual(viaStream);
    }
    expect((await collect(restoreChunks(repo, fromFifo.streams[0]!))).equals(data)).toBe(true);
  });

  test.runIf(process.platform === "linux")("the reader grows a pipe to 1 MiB, so the writer runs ahead instead of waiting every 64 KiB", async () => {
    const fifo = await fifoWith(`cat "${file}"`);
    try {
      expect(pipeSize(fifo.fd)).toBe(64 * 1024); // the kernel's default
      const snap = await backupStream(repo, "data", { fd: fifo.fd });
      expect(snap.streams[0]).toEqual(viaStream);
      expect(pipeSize(fifo.fd)).toBe(PIPE_BYTES);
    } finally {
      fifo.close();
    }
    // Not a pipe: nothing to grow, and nothing fails.
    const fd = openSync(file, "r");
    try {
      expect(enlargePipe(fd)).toBeUndefined();
      expect(pipeSize(fd)).toBeUndefined();
    } finally {
      closeSync(fd);
    }
  });

  test("a descriptor that cannot be read fails with the reason and commits nothing", async () => {
    const before = (await repo.listSnapshots()).length;
    const fd = openSync(dir, "r");
    await expect(backupStream(repo, "data", { fd }).finally(() => closeSync(fd))).rejects.toThrow(/reading the stream failed: EISDIR/);
    expect((await repo.listSnapshots()).length).toBe(before);
  });

  test("cancelling a backup of a descriptor stops its reader and commits nothing", async () => {
    const before = (await repo.listSnapshots()).length;
    const fifo = await fifoWith("cat /dev/urandom");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await expect(backupStream(repo, "endless", { fd: fifo.fd }, { signal: controller.signal })).rejects.toBeInstanceOf(BackupCancelledError);
    fifo.child.kill();
    fifo.close();
    expect((await repo.listSnapshots()).length).toBe(before);
    await (await BackupSession.start(repo)).abort(); // the lock was released
  });
});

test("RepositoryError names a location without a repository", async () => {
  await expect(Repository.open(openLocation(await locationConfig("folder")), "pw")).rejects.toBeInstanceOf(RepositoryError);
});

describe("writers, keys and immutability", () => {
  test("several streams at once in one backup, and two writers at once on one repository", async () => {
    const repo = await Repository.init(openLocation(await locationConfig("minio")), "pw", { kdf: FAST_KDF, packSize: 2 * MiB });
    const session = await BackupSession.start(repo, { tags: { backup: "multi" } });
    await Promise.all([
      session.addStream("volumes/a.tar", pseudoRandom(12 * MiB, "a")),
      session.addStream("volumes/b.tar", pseudoText(12 * MiB, "b")),
      session.addStream("resources.json", fromBuffer(Buffer.from(JSON.stringify({ kind: "List", items: [] })))),
    ]);
    const multi = await session.commit();
    // A second process-like writer running concurrently with a third backup.
    const other = await Repository.open(repo.location, "pw");
    const [s1, s2] = await Promise.all([
      backupStream(repo, "x", pseudoRandom(10 * MiB, "x"), { tags: { backup: "x" } }),
      backupStream(other, "y", pseudoRandom(10 * MiB, "y"), { tags: { backup: "y" } }),
    ]);
    expect((await repo.listSnapshots()).map((s) => s.id).sort()).toEqual([multi.id, s1.id, s2.id].sort());
    for (const [name, source] of [["volumes/a.tar", pseudoRandom(12 * MiB, "a")], ["volumes/b.tar", pseudoText(12 * MiB, "b")]] as const) {
      expect(await sha256Of(restoreChunks(repo, multi.streams.find((s) => s.name === name)!))).toBe(await sha256Of(source));
    }
    expect((await verifyRepository(repo)).problems).toEqual([]);
  });

  test("the password can be changed without touching the data", async () => {
    const repo = await Repository.init(openLocation(await locationConfig("folder")), "old password", { kdf: FAST_KDF });
    const snap = await backupStream(repo, "d", pseudoRandom(3 * MiB, "pw"));
    await repo.changePassword("new password", FAST_KDF);
    await expect(Repository.open(repo.location, "old password")).rejects.toMatchObject({ code: "wrong-password" });
    const reopened = await Repository.open(repo.location, "new password");
    expect(await sha256Of(restoreChunks(reopened, snap.streams[0]!))).toBe(await sha256Of(pseudoRandom(3 * MiB, "pw")));
  });

  test("a repository with HMAC-SHA256 chunk ids (made before BLAKE3 ids) still backs up, deduplicates, restores and verifies", async () => {
    const repo = await Repository.init(openLocation(await locationConfig("folder")), "pw", { kdf: FAST_KDF, contentId: "hmac-sha256" });
    const first = await backupStream(repo, "d", mixed(8 * MiB, "hmac"));
    const reopened = await Repository.open(repo.location, "pw");
    expect(reopened.config.contentId).toBe("hmac-sha256");
    expect(reopened.info.version).toBe(1); // what a Lifeboat from before BLAKE3 ids wrote and reads
    const again = await backupStream(reopened, "d", mixed(8 * MiB, "hmac"));
    expect(again.summary.newBytes).toBe(0);
    expect(again.streams[0]!.lists).toEqual(first.streams[0]!.lists); // the same chunk list, so the same ids
    expect(await sha256Of(restoreChunks(reopened, again.streams[0]!))).toBe(await sha256Of(mixed(8 * MiB, "hmac")));
    expect((await verifyRepository(reopened)).problems).toEqual([]);
    // A new repository derives other ids for the same data: BLAKE3 by default.
    const blake = await Repository.init(openLocation(await locationConfig("folder")), "pw", { kdf: FAST_KDF });
    expect(blake.config.contentId).toBe("blake3-keyed");
    expect(blake.info.version).toBe(3); // a Lifeboat that reads only version 1 or 2 refuses it
  });

  test("a new repository names packs by BLAKE3 and, on S3, uploads each with its CRC-32; a version 2 one keeps SHA-256 names, signed", async () => {
    const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
    const config = async () => (await locationConfig("minio")) as LocationConfig & { kind: "s3" };
    /** Each pack's bytes, name, and the CRC-32 MinIO stored with it (undefined: none was sent). */
    const packsOf = async (repo: Repository, bucket: string) => {
      const packs = [];
      for await (const obj of repo.location.list("data/")) {
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `lifeboat/${obj.key}`, ChecksumMode: "ENABLED" }));
        packs.push({ name: obj.key.slice(obj.key.lastIndexOf("/") + 1), bytes: await repo.location.get(obj.key), crc32: head.ChecksumCRC32 });
      }
      return packs;
    };
    const crc32Base64 = (b: Buffer) => { const out = Buffer.alloc(4); out.writeUInt32BE(crc32(b)); return out.toString("base64"); };

    const v3Config = await config();
    const v3 = await Repository.init(openLocation(v3Config), "pw", { kdf: FAST_KDF, packSize: 4 * MiB });
    const snap3 = await backupStream(v3, "d", mixed(12 * MiB, "v3"));
    const packs3 = await packsOf(v3, v3Config.bucket);
    expect(packs3.length).toBeGreaterThan(1);
    for (const p of packs3) {
      expect(p.name).toBe(blake3Hex(p.bytes));
      expect(p.crc32).toBe(crc32Base64(p.bytes));
    }
    expect((await verifyRepository(v3)).problems).toEqual([]);
    expect(await sha256Of(restoreChunks(v3, snap3.streams[0]!))).toBe(await sha256Of(mixed(12 * MiB, "v3")));

    // A repository written by a Lifeboat before version 3 (BLAKE3 chunk ids, SHA-256 pack names).
    const v2Config = await config();
    const created = await Repository.init(openLocation(v2Config), "pw", { kdf: FAST_KDF, packSize: 4 * MiB });
    await created.location.put(keyOf.version(), Buffer.from(JSON.stringify({ ...created.info, version: 2 })));
    const v2 = await Repository.open(openLocation(v2Config), "pw");
    expect(v2.packHash).toBe("sha256");
    const snap2 = await backupStream(v2, "d", mixed(12 * MiB, "v2"));
    const packs2 = await packsOf(v2, v2Config.bucket);
    expect(packs2.length).toBeGreaterThan(1);
    for (const p of packs2) {
      expect(p.name).toBe(createHash("sha256").update(p.bytes).digest("hex"));
      expect(p.crc32).toBeUndefined(); // signed with the SHA-256 instead
    }
    expect((await verifyRepository(v2)).problems).toEqual([]);
    expect(await sha256Of(restoreChunks(v2, snap2.streams[0]!))).toBe(await sha256Of(mixed(12 * MiB, "v2")));
    s3.destroy();
  });

  test("a repository whose chunk ids this Lifeboat cannot derive is refused by name", async () => {
    const repo = await Repository.init(openLocation(await locationConfig("folder")), "pw", { kdf: FAST_KDF });
    const config = { ...repo.config, contentId: "sha3-keyed" };
    await repo.location.put(keyOf.config(), sealObject(repo.keys, keyOf.config(), Buffer.from(JSON.stringify(config))));
    await expect(Repository.open(repo.location, "pw")).rejects.toThrow(/derives chunk ids with sha3-keyed, which this Lifeboat cannot read/);
    // A version-1 repository whose config claims BLAKE3 ids is refused too: version 1 means HMAC-SHA256.
    await repo.location.put(keyOf.config(), sealObject(repo.keys, keyOf.config(), Buffer.from(JSON.stringify(repo.config))));
    await repo.location.put(keyOf.version(), Buffer.from(JSON.stringify({ ...repo.info, version: 1 })));
    await expect(Repository.open(repo.location, "pw")).rejects.toMatchObject({ code: "unsupported" });
  });

  test("prune keeps unreferenced packs younger than its safety margin, deletes them after", async () => {
    const repo = await Repository.init(openLocation(await locationConfig("folder")), "pw", { kdf: FAST_KDF, packSize: 2 * MiB });
    const snap = await backupStream(repo, "d", pseudoRandom(6 * MiB, "margin"));
    await repo.forget([snap.id]);
    const young = await pruneRepository(repo); // default margin: one hour
    expect(young.packsDeleted).toBe(0);
    expect(young.packsTooYoung).toBeGreaterThan(0);
    const later = await pruneRepository(repo, { now: () => Date.now() + 2 * 3600_000 });
    expect(later.packsDeleted).toBe(young.packsTooYoung);
    expect((await loadIndex(repo.location, repo.keys)).index.packIds()).toEqual([]);
  });

  test("on an object-lock bucket, backups are written immutable: packs cannot be deleted, prune skips them", async () => {
    const bucket = `locked-${Date.now()}`;
    const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    s3.destroy();
    const location = openLocation({ kind: "s3", endpoint: minio.endpoint, region: minio.region, bucket, accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey });
    const repo = await Repository.init(location, "pw", { kdf: FAST_KDF, packSize: 2 * MiB, retentionDays: 1 });
    const snap = await backupStream(repo, "d", pseudoRandom(5 * MiB, "locked"));
    const pack = (await loadIndex(repo.location, repo.keys)).index.packIds()[0]!;
    await expect(location.delete(`data/${pack.slice(0, 2)}/${pack}`)).rejects.toMatchObject({ code: "locked" });
    await repo.forget([snap.id]).catch(() => undefined); // the manifest is locked too
    const report = await pruneRepository(repo, { now: () => Date.now() + 2 * 3600_000 });
    expect(report.packsDeleted).toBe(0);
    expect(await sha256Of(restoreChunks(repo, snap.streams[0]!))).toBe(await sha256Of(pseudoRandom(5 * MiB, "locked")));
    // A repository cannot promise immutability where the bucket has no object lock.
    await expect(Repository.init(openLocation(await locationConfig("minio")), "pw", { kdf: FAST_KDF, retentionDays: 1 })).rejects.toMatchObject({ code: "no-object-lock" });
  });
});
