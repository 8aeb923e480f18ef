// The location drivers against real object stores: MinIO (S3, also over TLS with a private CA and
// with object lock), Azurite (Azure Blob, with an account key, a connection string and SAS tokens)
// and a temporary folder. Data must come back bit-identical; every failure must arrive as a
// LocationError with the right code and a message that names the location.
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage } from "node:http";
import { connect as connectTcp, createServer } from "node:net";
import { crc32 } from "node:zlib";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { buffer as readAll } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateAccountSASQueryParameters,
  generateBlobSASQueryParameters,
} from "@azure/storage-blob";
import { openLocation, parseLocationConfig, validateLocation } from "../../main/locations";
import { allocateAligned, bufferAddress, directIoFolder } from "../../main/locations/direct-io";
import type { AzureLocationConfig, LocationConfig, S3LocationConfig } from "../../main/locations/config";
import { S3Location } from "../../main/locations/s3";
import { LocationError, type Location, type LocationErrorCode } from "../../main/locations/types";
import { startAzurite, startMinio, type AzuriteServer, type MinioServer } from "../support/objectstores";

const MiB = 1024 * 1024;
const big = randomBytes(40 * MiB); // multipart on S3 (16 MiB parts), staged blocks on Azure (4 MiB)
const small = randomBytes(3000);

let minio: MinioServer;
let minioTls: MinioServer;
let azurite: AzuriteServer;
let folderRoot: string;
const opened: Location[] = [];

function open(config: LocationConfig): Location {
  const loc = openLocation(parseLocationConfig(config));
  opened.push(loc);
  return loc;
}

/** An S3 location itself (openLocation wraps it to load the SDK lazily), for its transport figures. */
function openS3(config: S3LocationConfig): S3Location {
  const loc = new S3Location(config);
  opened.push(loc);
  return loc;
}

function s3Config(overrides: Partial<S3LocationConfig> = {}): S3LocationConfig {
  return {
    kind: "s3", endpoint: minio.endpoint, region: minio.region, bucket: "backups", prefix: "team/a",
    accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey, ...overrides,
  };
}

function rawS3(server: MinioServer): S3Client {
  return new S3Client({
    endpoint: server.endpoint, region: server.region, forcePathStyle: true,
    credentials: { accessKeyId: server.accessKey, secretAccessKey: server.secretKey },
  });
}

function azureKeyConfig(overrides: Partial<AzureLocationConfig> = {}): AzureLocationConfig {
  return {
    kind: "azure", container: "backups", prefix: "by-key",
    auth: { type: "account-key", accountName: azurite.accountName, accountKey: azurite.accountKey, endpoint: azurite.blobEndpoint },
    ...overrides,
  };
}

function accountSas(): string {
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  return generateAccountSASQueryParameters({
    expiresOn: new Date(Date.now() + 3_600_000),
    permissions: AccountSASPermissions.parse("rwdlac"),
    resourceTypes: AccountSASResourceTypes.parse("sco").toString(),
    services: AccountSASServices.parse("b").toString(),
  }, credential).toString();
}

function containerSas(permissions: string): string {
  const credential = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
  return generateBlobSASQueryParameters({
    containerName: "backups",
    expiresOn: new Date(Date.now() + 3_600_000),
    permissions: ContainerSASPermissions.parse(permissions),
  }, credential).toString();
}

/** The LocationError a promise rejects with, failing the test if it resolves or rejects otherwise. */
async function rejection(promise: Promise<unknown>): Promise<LocationError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(LocationError);
    return err as LocationError;
  }
  throw new Error("expected the operation to fail");
}

async function expectFailure(promise: Promise<unknown>, code: LocationErrorCode, ...mentions: (string | RegExp)[]): Promise<LocationError> {
  const err = await rejection(promise);
  expect(err.code, err.message).toBe(code);
  for (const m of mentions) {
    if (typeof m === "string") expect(err.message).toContain(m);
    else expect(err.message).toMatch(m);
  }
  return err;
}

function chunkedStream(data: Buffer, chunkSize: number): Readable {
  return Readable.from((function* () {
    for (let i = 0; i < data.length; i += chunkSize) yield data.subarray(i, i + chunkSize);
  })());
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

function crc32Base64(b: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b));
  return out.toString("base64");
}

/**
 * An HTTP gateway in front of the real MinIO that answers the requests `refuse` picks with an S3
 * error of its own (status, code, message) and forwards everything else.
 */
async function minioGateway(refuse: (req: IncomingMessage) => [number, string, string] | undefined): Promise<{ endpoint: string; close(): void }> {
  const target = new URL(minio.endpoint);
  const proxy = createHttpServer((req, res) => {
    const refusal = refuse(req);
    if (refusal) {
      const [status, code, message] = refusal;
      const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
      req.resume();
      res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return { endpoint: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`, close: () => proxy.close() };
}

async function keysUnder(loc: Location, prefix: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const o of loc.list(prefix)) found.set(o.key, o.size);
  return found;
}

beforeAll(async () => {
  [minio, minioTls, azurite] = await Promise.all([startMinio(), startMinio({ tls: true }), startAzurite()]);
  const s3 = rawS3(minio);
  await s3.send(new CreateBucketCommand({ Bucket: "backups" }));
  await s3.send(new CreateBucketCommand({ Bucket: "locked", ObjectLockEnabledForBucket: true }));
  s3.destroy();
  await BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient("backups").create();
  folderRoot = mkdtempSync(join(tmpdir(), "lifeboat-folder-location-"));
});

afterAll(async () => {
  await Promise.all(opened.map((l) => l.close()));
  await Promise.all([minio?.destroy(), minioTls?.destroy(), azurite?.destroy()]);
  if (folderRoot) rmSync(folderRoot, { recursive: true, force: true });
});

const drivers: [string, () => LocationConfig][] = [
  ["s3 on MinIO", () => s3Config()],
  ["azure with an account key", () => azureKeyConfig()],
  ["azure with a connection string", () => ({ kind: "azure", container: "backups", prefix: "by-cs", auth: { type: "connection-string", connectionString: azurite.connectionString } })],
  ["azure with an account SAS token", () => ({ kind: "azure", container: "backups", prefix: "by-sas", auth: { type: "sas", endpoint: azurite.blobEndpoint, sasToken: `?${accountSas()}` } })],
  ["folder", () => ({ kind: "folder", path: folderRoot })],
];

describe.each(drivers)("%s", (_name, config) => {
  let loc: Location;
  beforeAll(() => {
    loc = open(config());
  });

  test("small objects: put, get, ranged get, head, overwrite, empty object", async () => {
    await loc.put("dir/small.bin", small);
    expect((await loc.get("dir/small.bin")).equals(small)).toBe(true);
    expect((await loc.get("dir/small.bin", { offset: 100, length: 200 })).equals(small.subarray(100, 300))).toBe(true);
    expect((await loc.get("dir/small.bin", { offset: 10, length: 0 })).length).toBe(0);
    const info = await loc.head("dir/small.bin");
    expect(info).toMatchObject({ key: "dir/small.bin", size: small.length });
    expect(Math.abs(info!.lastModified.getTime() - Date.now())).toBeLessThan(120_000);
    expect(await loc.head("dir/absent.bin")).toBeUndefined();

    await loc.put("dir/overwritten.bin", Buffer.from("first"));
    await loc.put("dir/overwritten.bin", Buffer.from("second"));
    expect((await loc.get("dir/overwritten.bin")).toString()).toBe("second");

    await loc.put("dir/empty.bin", Buffer.alloc(0));
    expect((await loc.get("dir/empty.bin")).length).toBe(0);
    expect((await loc.head("dir/empty.bin"))?.size).toBe(0);
  });

  test("a 40 MiB buffer and a 20 MiB stream round-trip bit-identical, also by range and as a stream", async () => {
    await loc.put("dir/big.bin", big);
    expect(sha256(await loc.get("dir/big.bin"))).toBe(sha256(big));
    // Across the first S3 part boundary and an Azure block boundary.
    const across = { offset: 16 * MiB - 1000, length: 5000 };
    expect((await loc.get("dir/big.bin", across)).equals(big.subarray(across.offset, across.offset + across.length))).toBe(true);
    expect(sha256(await readAll(await loc.getStream("dir/big.bin")))).toBe(sha256(big));

    const streamed = big.subarray(3 * MiB, 23 * MiB);
    await loc.put("dir/stream.bin", chunkedStream(streamed, 256 * 1024));
    expect((await loc.head("dir/stream.bin"))?.size).toBe(streamed.length);
    expect(sha256(await loc.get("dir/stream.bin"))).toBe(sha256(streamed));
  });

  test("readInto: a range into shared memory at an offset, what there is past the end, not-found for an absent object", async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(10 * MiB));
    const range = { offset: 16 * MiB - 1000, length: 6 * MiB };
    // Three times: on S3 the first read goes through the SDK, the others without it.
    for (let i = 0; i < 3; i++) {
      shared.fill(0);
      expect(await loc.readInto("dir/big.bin", range, shared.subarray(MiB))).toBe(range.length);
      expect(Buffer.from(shared.buffer, MiB, range.length).equals(big.subarray(range.offset, range.offset + range.length))).toBe(true);
      expect(shared[MiB - 1]).toBe(0);
    }
    expect(await loc.readInto("dir/big.bin", { offset: big.length - 100, length: 1000 }, shared)).toBe(100);
    expect(Buffer.from(shared.buffer, 0, 100).equals(big.subarray(big.length - 100))).toBe(true);
    expect(await loc.readInto("dir/big.bin", { offset: 5, length: 0 }, shared)).toBe(0);
    await expect(loc.readInto("dir/big.bin", { offset: 0, length: 100 }, shared.subarray(0, 50))).rejects.toThrow(RangeError);
    await expectFailure(loc.readInto("dir/absent.bin", { offset: 0, length: 10 }, shared), "not-found", '"dir/absent.bin"');
  });

  test("list finds objects by prefix with their sizes", async () => {
    const all = await keysUnder(loc, "dir/");
    expect(all.get("dir/small.bin")).toBe(small.length);
    expect(all.get("dir/big.bin")).toBe(big.length);
    expect(all.get("dir/stream.bin")).toBe(20 * MiB);
    expect([...(await keysUnder(loc, "dir/s")).keys()].sort()).toEqual(["dir/small.bin", "dir/stream.bin"]);
    expect((await keysUnder(loc, "")).has("dir/big.bin")).toBe(true);
    expect((await keysUnder(loc, "nothing-here/")).size).toBe(0);
  });

  test("delete removes objects; deleting an absent one is not an error; reading it is not-found", async () => {
    for (const key of ["dir/small.bin", "dir/big.bin", "dir/stream.bin", "dir/overwritten.bin", "dir/empty.bin"]) await loc.delete(key);
    expect(await loc.head("dir/big.bin")).toBeUndefined();
    await loc.delete("dir/big.bin");
    expect((await keysUnder(loc, "dir/")).size).toBe(0);
    const err = await expectFailure(loc.get("dir/big.bin"), "not-found", '"dir/big.bin"', loc.address);
    expect(err.message).not.toMatch(/undefined/);
    await expectFailure(loc.getStream("dir/big.bin"), "not-found", '"dir/big.bin"');
  });

  test("objects cannot be written with a retention date where there is no object lock", async () => {
    expect(await loc.objectLockEnabled()).toBe(false);
    await expectFailure(loc.put("dir/retained.bin", small, { retainUntil: new Date(Date.now() + 3_600_000) }), "invalid-config", /lock|immutab/i);
    expect(await loc.head("dir/retained.bin")).toBeUndefined();
  });

  test("validateLocation writes, reads, lists and deletes a probe and leaves nothing behind", async () => {
    const result = await validateLocation(loc);
    expect(result.ok, JSON.stringify(result.error)).toBe(true);
    expect(result.steps.map((s) => [s.step, s.ok])).toEqual([["write", true], ["read", true], ["list", true], ["delete", true]]);
    expect(result.steps.every((s) => s.ms >= 0 && s.ms < 10_000)).toBe(true);
    expect(result.objectLock).toBe(false);
    expect((await keysUnder(loc, "lifeboat-probe/")).size).toBe(0);
  });
});

describe("s3 driver specifics", () => {
  test("keys live under the prefix in the bucket", async () => {
    const loc = open(s3Config({ prefix: "team/b" }));
    await loc.put("x/one", small);
    const raw = rawS3(minio);
    const got = await raw.send(new GetObjectCommand({ Bucket: "backups", Key: "team/b/x/one" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(small)).toBe(true);
    raw.destroy();
    expect([...(await keysUnder(loc, "x/")).keys()]).toEqual(["x/one"]);
    await loc.delete("x/one");
  });

  test("a put given its SHA-256 is signed with it: the server stores matching bytes and refuses others", async () => {
    const loc = open(s3Config({ prefix: "sha" }));
    const body = randomBytes(64 * 1024);
    await loc.put("right", body, { sha256: createHash("sha256").update(body).digest("hex") });
    expect((await loc.get("right")).equals(body)).toBe(true);
    const wrong = createHash("sha256").update("other bytes").digest("hex");
    await expect(loc.put("wrong", body, { sha256: wrong })).rejects.toThrow(/XAmzContentSHA256Mismatch/);
    await expect(loc.head("wrong")).resolves.toBeUndefined();
    await loc.delete("right");
  });

  test("a put given its CRC-32 goes unsigned with x-amz-checksum-crc32; a damaged body is sent again, signed", async () => {
    const loc = openS3(s3Config({ prefix: "crc" }));
    expect(loc.putChecksum).toBe("crc32");
    const raw = rawS3(minio);
    const storedCrc = async (key: string) => (await raw.send(new HeadObjectCommand({ Bucket: "backups", Key: `crc/${key}`, ChecksumMode: "ENABLED" }))).ChecksumCRC32;
    const body = randomBytes(256 * 1024);
    await loc.put("right", body, { crc32: crc32(body) });
    expect((await loc.get("right")).equals(body)).toBe(true);
    expect(await storedCrc("right")).toBe(crc32Base64(body)); // MinIO checked it and kept it
    // A CRC-32 that does not match (as if the body changed on the way): MinIO refuses it, and the
    // same bytes go again, signed with their SHA-256.
    await loc.put("resent", body, { crc32: crc32(body) ^ 1 });
    expect((await loc.get("resent")).equals(body)).toBe(true);
    expect(await storedCrc("resent")).toBeUndefined();
    // That was the body's fault, not the server's: the next put is checksummed again.
    await loc.put("after", body, { crc32: crc32(body) });
    expect(await storedCrc("after")).toBe(crc32Base64(body));
    for (const key of ["right", "resent", "after"]) await loc.delete(key);
    raw.destroy();
  });

  test("a server that refuses x-amz-checksum-crc32 gets signed puts instead, from then on", async () => {
    // A gateway answering NotImplemented to any checksummed put, as S3-compatible servers without
    // the newer checksums do.
    let refused = 0;
    const gateway = await minioGateway((req) => {
      if (req.method !== "PUT" || !req.headers["x-amz-checksum-crc32"]) return undefined;
      refused++;
      return [501, "NotImplemented", "A header you provided implies functionality that is not implemented"];
    });
    try {
      const loc = openS3(s3Config({ prefix: "refuses", endpoint: gateway.endpoint }));
      const bodies = [randomBytes(100_000), randomBytes(200_000)];
      await loc.put("one", bodies[0]!, { crc32: crc32(bodies[0]!) });
      await loc.put("two", bodies[1]!, { crc32: crc32(bodies[1]!) });
      expect(refused).toBe(1); // the second went signed straight away
      expect((await loc.get("one")).equals(bodies[0]!)).toBe(true);
      expect((await loc.get("two")).equals(bodies[1]!)).toBe(true);
      await loc.delete("one");
      await loc.delete("two");
    } finally {
      gateway.close();
    }
  });

  test("ranged reads (a restore's pack reads) take the lean transport: the same bytes, kept-alive sockets, the SDK's errors", async () => {
    const loc = openS3(s3Config({ prefix: "ranged" }));
    await loc.put("big", big);
    const ranges = Array.from({ length: 24 }, (_, i) => ({ offset: (i * 7 * MiB + i * 4099) % (big.length - 3 * MiB), length: MiB + i * 1000 }));
    const before = loc.transportStats;
    // Four at a time, like a restore's reads in flight.
    for (let i = 0; i < ranges.length; i += 4) {
      const got = await Promise.all(ranges.slice(i, i + 4).map((r) => loc.get("big", r)));
      got.forEach((g, j) => expect(g.equals(big.subarray(ranges[i + j]!.offset, ranges[i + j]!.offset + ranges[i + j]!.length))).toBe(true));
    }
    const after = loc.transportStats;
    expect(after.taken - before.taken).toBe(24);
    expect(after.connections - before.connections).toBeLessThanOrEqual(4);
    // Whole-object reads, puts and listings go through Node's client, as before.
    expect(sha256(await loc.get("big"))).toBe(sha256(big));
    expect(loc.transportStats.delegated).toBeGreaterThan(after.delegated);
    // Errors come from the SDK's own parsing of the server's answer.
    await expectFailure(loc.get("absent", { offset: 0, length: 10 }), "not-found", "absent");
    const wrong = openS3(s3Config({ prefix: "ranged", secretAccessKey: "not-the-secret" }));
    await expectFailure(wrong.get("big", { offset: 0, length: 10 }), "auth", "SignatureDoesNotMatch");
    expect(wrong.transportStats.taken).toBeGreaterThan(0);
    await loc.delete("big");
  });

  test("reads into memory go out signed without the SDK once it has sent one; what it must explain goes back through it", async () => {
    const loc = openS3(s3Config({ prefix: "direct" }));
    await loc.put("data/ab/pack", big);
    const into = new Uint8Array(new SharedArrayBuffer(8 * MiB));
    const check = async (offset: number) => {
      expect(await loc.readInto("data/ab/pack", { offset, length: 8 * MiB }, into)).toBe(8 * MiB);
      expect(Buffer.from(into.buffer).equals(big.subarray(offset, offset + 8 * MiB))).toBe(true);
    };
    await check(0);
    expect(loc.transportStats.direct).toBe(0); // the SDK's read showed where GETs go
    for (const offset of [MiB, 17 * MiB, 32 * MiB]) await check(offset);
    expect(loc.transportStats.direct).toBe(3);
    // An absent object: the direct read's 404 is read again by the SDK, which names it; direct reads go on.
    await expectFailure(loc.readInto("data/ab/absent", { offset: 0, length: 10 }, into), "not-found", "data/ab/absent");
    await check(2 * MiB);
    expect(loc.transportStats.direct).toBe(5);

    // A clock an hour fast: the SDK's read fails with clock-skew and learns the server's time; the
    // direct reads after it are signed with that time too.
    const skewed = new S3Location(s3Config({ prefix: "direct" }), { testClockOffsetMs: 3_600_000 });
    opened.push(skewed);
    await expectFailure(skewed.readInto("data/ab/pack", { offset: 0, length: 10 }, into), "clock-skew");
    expect(await skewed.readInto("data/ab/pack", { offset: 0, length: 8 * MiB }, into)).toBe(8 * MiB);
    expect(await skewed.readInto("data/ab/pack", { offset: 5, length: 8 * MiB }, into)).toBe(8 * MiB);
    expect(Buffer.from(into.buffer).equals(big.subarray(5, 5 + 8 * MiB))).toBe(true);
    expect(skewed.transportStats.direct).toBe(1);

    // A gateway with rules of its own (here: GETs must name their operation, as the SDK's do): the
    // refused direct read is read again through the SDK, and the next ones go through it straight away.
    let refused = 0;
    const gateway = await minioGateway((req) => {
      if (req.method !== "GET" || req.url?.includes("x-id=GetObject") || !req.headers.range) return undefined;
      refused++;
      return [403, "AccessDenied", "Access Denied."];
    });
    try {
      const gated = openS3(s3Config({ prefix: "direct", endpoint: gateway.endpoint }));
      const readGated = async (offset: number) => {
        expect(await gated.readInto("data/ab/pack", { offset, length: 8 * MiB }, into)).toBe(8 * MiB);
        expect(Buffer.from(into.buffer).equals(big.subarray(offset, offset + 8 * MiB))).toBe(true);
      };
      for (const offset of [0, 3 * MiB, 9 * MiB, 20 * MiB]) await readGated(offset);
      expect(gated.transportStats.direct).toBe(1);
      expect(refused).toBe(1);
    } finally {
      gateway.close();
      await loc.delete("data/ab/pack");
    }
  });

  test("a connection cut in the middle of a ranged read is retried on a new one; cut every time, the read fails clearly", async () => {
    const loc0 = open(s3Config({ prefix: "cut" }));
    await loc0.put("big", big);
    // A TCP proxy in front of the real MinIO that forwards the first `cutAfter` response bytes of a
    // connection, then drops it: once (the SDK's retry recovers), or on every connection.
    const target = new URL(minio.endpoint);
    let cutsLeft = 1;
    let connections = 0;
    const proxy = createServer((client) => {
      connections++;
      const upstream = connectTcp(Number(target.port), target.hostname);
      const cut = cutsLeft-- > 0;
      let forwarded = 0;
      client.pipe(upstream);
      upstream.on("data", (piece: Buffer) => {
        forwarded += piece.length;
        if (cut && forwarded > 512 * 1024) {
          client.destroy();
          upstream.destroy();
        } else client.write(piece);
      });
      const end = () => { client.destroy(); upstream.destroy(); };
      client.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const port = (proxy.address() as { port: number }).port;
      const loc = openS3(s3Config({ prefix: "cut", endpoint: `http://127.0.0.1:${port}` }));
      const range = { offset: 5 * MiB, length: 8 * MiB };
      expect((await loc.get("big", range)).equals(big.subarray(range.offset, range.offset + range.length))).toBe(true);
      expect(connections).toBe(2);
      expect(loc.transportStats.taken).toBe(2); // the first attempt and the SDK's retry

      // A new location (the first keeps its healthy socket alive), every connection cut: the SDK's
      // five attempts, then a clear error.
      cutsLeft = Infinity;
      const before = connections;
      const started = Date.now();
      const doomed = openS3(s3Config({ prefix: "cut", endpoint: `http://127.0.0.1:${port}` }));
      await expectFailure(doomed.get("big", range), "unreachable", "connection reset");
      expect(connections - before).toBe(5);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      proxy.close();
      await loc0.delete("big");
    }
  });

  test("a gcs location (HMAC keys, XML API) runs on the same S3 code path; here against MinIO", async () => {
    const loc = open({ kind: "gcs", endpoint: minio.endpoint, bucket: "backups", prefix: "gcs", hmacAccessId: minio.accessKey, hmacSecret: minio.secretKey });
    expect(loc.kind).toBe("gcs");
    expect(loc.address).toBe(`gs://backups/gcs at ${minio.endpoint}`);
    expect((await validateLocation(loc)).ok).toBe(true);
    await loc.put("big", big);
    expect(sha256(await loc.get("big"))).toBe(sha256(big));
    await loc.delete("big");
  });

  test("wrong secret: auth, naming the bucket, the endpoint and the server's code", async () => {
    const loc = open(s3Config({ secretAccessKey: "not-the-secret" }));
    const err = await expectFailure(loc.put("k", small), "auth", "Wrong access key or secret for s3://backups/team/a at " + minio.endpoint, "(SignatureDoesNotMatch)");
    expect(err.hint).toMatch(/secret/);
    await expectFailure(loc.get("k"), "auth");
    // HEAD answers carry no error body; the classification must still be right on MinIO.
    await expectFailure(loc.head("k"), "auth", "SignatureDoesNotMatch");
  });

  test("unknown access key: auth (InvalidAccessKeyId)", async () => {
    const loc = open(s3Config({ accessKeyId: "nobody" }));
    await expectFailure(loc.put("k", small), "auth", "(InvalidAccessKeyId)");
  });

  test("missing bucket: no-container, for writes, reads, heads and listings", async () => {
    const loc = open(s3Config({ bucket: "no-such-bucket" }));
    const err = await expectFailure(loc.put("k", small), "no-container", '"no-such-bucket" does not exist', minio.endpoint);
    expect(err.hint).toContain("Create the bucket");
    await expectFailure(loc.get("k"), "no-container");
    await expectFailure(loc.head("k"), "no-container");
    await expectFailure(keysUnder(loc, ""), "no-container");
    await expectFailure(loc.delete("k"), "no-container");
  });

  test("a clock an hour fast: clock-skew, with the size of the skew", async () => {
    const loc = new S3Location(s3Config(), { testClockOffsetMs: 3_600_000 });
    opened.push(loc);
    const err = await expectFailure(loc.put("k", small), "clock-skew", /about 60 minutes ahead of the clock of s3:\/\/backups/, "(RequestTimeTooSkewed)");
    expect(err.hint).toContain("NTP");
    // The SDK took the server's time from the error's Date header: the next request is signed right.
    await loc.put("k", small);
    await loc.delete("k");
  });

  test("TLS with a private CA: refused without the CA bundle, accepted with it or with verification skipped", async () => {
    const raw = new S3Client({
      endpoint: minioTls.endpoint, region: minioTls.region, forcePathStyle: true,
      credentials: { accessKeyId: minioTls.accessKey, secretAccessKey: minioTls.secretKey },
      requestHandler: { httpsAgent: { ca: minioTls.caBundle } },
    });
    await raw.send(new CreateBucketCommand({ Bucket: "secure" }));
    raw.destroy();
    const tlsConfig = (extra: Partial<S3LocationConfig>) => s3Config({
      endpoint: minioTls.endpoint, bucket: "secure", accessKeyId: minioTls.accessKey, secretAccessKey: minioTls.secretKey, ...extra,
    });

    const untrusted = open(tlsConfig({}));
    const err = await expectFailure(untrusted.put("k", small), "tls", minioTls.endpoint, /not accepted: the certificate was issued by a CA this computer does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    expect(err.hint).toMatch(/CA bundle.*skip TLS verification/s);
    const validation = await validateLocation(untrusted);
    expect(validation).toMatchObject({ ok: false, steps: [{ step: "write", ok: false }], error: { code: "tls" } });

    const trusted = openS3(tlsConfig({ caBundle: minioTls.caBundle }));
    await trusted.put("k", big);
    expect(sha256(await trusted.get("k"))).toBe(sha256(big));
    // Ranged reads take the lean transport, over TLS too, with the same trust.
    expect((await trusted.get("k", { offset: 3 * MiB, length: 2 * MiB })).equals(big.subarray(3 * MiB, 5 * MiB))).toBe(true);
    expect(trusted.transportStats.taken).toBe(1);
    await expectFailure(untrusted.get("k", { offset: 0, length: 10 }), "tls", "UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect((await validateLocation(trusted)).ok).toBe(true);

    const unverified = open(tlsConfig({ insecureSkipTlsVerify: true }));
    expect(sha256(await unverified.get("k"))).toBe(sha256(big));
    expect((await unverified.get("k", { offset: 1, length: MiB })).equals(big.subarray(1, MiB + 1))).toBe(true);
    await unverified.delete("k");
  });

  test("object lock: a retained object can be neither deleted nor destroyed by version, and stays readable", async () => {
    const loc = open(s3Config({ bucket: "locked", prefix: undefined }));
    expect(await loc.objectLockEnabled()).toBe(true);
    expect(await open(s3Config()).objectLockEnabled()).toBe(false);
    const retainUntil = new Date(Date.now() + 3_600_000);
    await loc.put("pack/one", small, { retainUntil });                                   // PutObject with Content-MD5
    const streamed = big.subarray(0, 20 * MiB);
    await loc.put("pack/two", chunkedStream(streamed, MiB), { retainUntil });              // multipart with CRC32 parts

    const err = await expectFailure(loc.delete("pack/one"), "locked", '"pack/one"', "s3://locked", /retention/);
    expect(err.hint).toMatch(/retention date/);
    await expectFailure(loc.delete("pack/two"), "locked");
    // The visible object did not change, and neither did the data.
    expect((await loc.get("pack/one")).equals(small)).toBe(true);
    expect(sha256(await loc.get("pack/two"))).toBe(sha256(streamed));

    // Going around the driver: deleting the version is refused; a plain delete only hides it.
    const raw = rawS3(minio);
    const versions = await raw.send(new ListObjectVersionsCommand({ Bucket: "locked", Prefix: "pack/one" }));
    const original = versions.Versions?.find((v) => v.Key === "pack/one" && v.ETag === `"${createHash("md5").update(small).digest("hex")}"`);
    expect(original?.VersionId).toBeDefined();
    await expect(raw.send(new DeleteObjectCommand({ Bucket: "locked", Key: "pack/one", VersionId: original!.VersionId }))).rejects.toThrow(/WORM|lock/i);
    await raw.send(new DeleteObjectCommand({ Bucket: "locked", Key: "pack/one" }));
    expect(await loc.head("pack/one")).toBeUndefined();
    const kept = await raw.send(new GetObjectCommand({ Bucket: "locked", Key: "pack/one", VersionId: original!.VersionId }));
    expect(Buffer.from(await kept.Body!.transformToByteArray()).equals(small)).toBe(true);
    raw.destroy();

    // Objects without retention in the same (versioned) bucket are really deleted: no versions left behind.
    await loc.put("scratch/free", small);
    await loc.put("scratch/free", Buffer.from("v2"));
    await loc.delete("scratch/free");
    const raw2 = rawS3(minio);
    const left = await raw2.send(new ListObjectVersionsCommand({ Bucket: "locked", Prefix: "scratch/" }));
    raw2.destroy();
    expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);

    const validation = await validateLocation(loc);
    expect(validation).toMatchObject({ ok: true, objectLock: true });
  });

  test("a retention date on a bucket without object lock: invalid-config", async () => {
    const loc = open(s3Config());
    await expectFailure(loc.put("k", small, { retainUntil: new Date(Date.now() + 60_000) }), "invalid-config", /Object lock is not enabled/);
  });

  test("validateLocation reports the first failing step and its code", async () => {
    const wrong = await validateLocation(open(s3Config({ secretAccessKey: "nope" })));
    expect(wrong).toMatchObject({ ok: false, steps: [{ step: "write", ok: false }], error: { code: "auth" }, objectLock: false });
    expect(wrong.error?.message).toContain("s3://backups");
    expect(wrong.error?.hint).toBeTruthy();
    const missing = await validateLocation(open(s3Config({ bucket: "not-there" })));
    expect(missing).toMatchObject({ ok: false, steps: [{ step: "write", ok: false }], error: { code: "no-container" } });
  });

  test("a stopped server: unreachable, naming the endpoint; works again once it is back", async () => {
    const loc = open(s3Config());
    await loc.put("outage", small);
    await minio.stop();
    try {
      const started = Date.now();
      await expectFailure(loc.get("outage"), "unreachable", `Cannot reach s3://backups/team/a at ${minio.endpoint}`, "connection refused (ECONNREFUSED)");
      await expectFailure(loc.get("outage", { offset: 0, length: 10 }), "unreachable", "connection refused (ECONNREFUSED)");
      expect(Date.now() - started).toBeLessThan(15_000); // the SDK's retries, not a hang
      await expectFailure(loc.head("outage"), "unreachable");
      const result = await validateLocation(loc);
      expect(result).toMatchObject({ ok: false, error: { code: "unreachable" } });
    } finally {
      await minio.start();
    }
    expect((await loc.get("outage")).equals(small)).toBe(true);
    await loc.delete("outage");
  });
});

describe("azure driver specifics", () => {
  test("wrong account key: auth", async () => {
    const loc = open(azureKeyConfig({ auth: { type: "account-key", accountName: azurite.accountName, accountKey: Buffer.from("x".repeat(64)).toString("base64"), endpoint: azurite.blobEndpoint } }));
    const err = await expectFailure(loc.put("k", small), "auth", "Wrong account key or SAS token for azure://backups/by-key at " + azurite.blobEndpoint);
    expect(err.hint).toMatch(/account name and key/);
    await expectFailure(loc.head("k"), "auth");
    const result = await validateLocation(loc);
    expect(result).toMatchObject({ ok: false, steps: [{ step: "write", ok: false }], error: { code: "auth" } });
  });

  test("a forged SAS signature: auth; a read-only SAS writing: permission", async () => {
    const forged = accountSas().replace(/sig=[^&]+/, `sig=${encodeURIComponent(randomBytes(32).toString("base64"))}`);
    const bad = open({ kind: "azure", container: "backups", auth: { type: "sas", endpoint: azurite.blobEndpoint, sasToken: forged } });
    await expectFailure(bad.put("k", small), "auth");
    const readOnly = open({ kind: "azure", container: "backups", auth: { type: "sas", endpoint: azurite.blobEndpoint, sasToken: containerSas("rl") } });
    const err = await expectFailure(readOnly.put("k", small), "permission", "(AuthorizationPermissionMismatch)");
    expect(err.hint).toContain("sp=rwdl");
    // The SAS token never appears in the address or messages.
    expect(readOnly.address).not.toContain("sig=");
    expect(err.message).not.toContain("sig=");
  });

  test("a container-scoped SAS token works for objects; object lock reads as unavailable", async () => {
    const loc = open({ kind: "azure", container: "backups", prefix: "container-sas", auth: { type: "sas", endpoint: azurite.blobEndpoint, sasToken: containerSas("rwdl") } });
    await loc.put("a/b", small);
    expect((await loc.get("a/b", { offset: 5, length: 10 })).equals(small.subarray(5, 15))).toBe(true);
    expect([...(await keysUnder(loc, "a/")).keys()]).toEqual(["a/b"]);
    expect(await loc.objectLockEnabled()).toBe(false);
    await loc.delete("a/b");
    expect(await loc.head("a/b")).toBeUndefined();
  });

  test("missing container: no-container", async () => {
    const loc = open(azureKeyConfig({ container: "no-such-container" }));
    const err = await expectFailure(loc.put("k", small), "no-container", '"no-such-container" does not exist', azurite.blobEndpoint);
    expect(err.hint).toContain("Create the container");
    await expectFailure(loc.head("k"), "no-container");
    await expectFailure(keysUnder(loc, ""), "no-container");
    expect(await validateLocation(loc)).toMatchObject({ ok: false, error: { code: "no-container" } });
  });

  test("a stopped Azurite: unreachable", async () => {
    const loc = open(azureKeyConfig());
    await azurite.stop();
    try {
      await expectFailure(loc.get("k"), "unreachable", `Cannot reach azure://backups/by-key at ${azurite.blobEndpoint}`, "(ECONNREFUSED)");
    } finally {
      await azurite.start();
    }
  });
});

describe("folder driver specifics", () => {
  test("writes are atomic: no temporary files are left, and listings never show them", async () => {
    const loc = open({ kind: "folder", path: folderRoot });
    await loc.put("a/b/c.bin", small);
    expect(readdirSync(join(folderRoot, "a", "b"))).toEqual(["c.bin"]);
    // A crash mid-write leaves only a temporary file, which is not an object.
    writeFileSync(join(folderRoot, "a", "b", "d.bin.tmp-0123456789abcdef"), "partial");
    expect([...(await keysUnder(loc, "a/")).keys()]).toEqual(["a/b/c.bin"]);
    // A failing stream leaves nothing behind.
    const failing = new Readable({ read() { this.destroy(new Error("source broke")); } });
    await expect(loc.put("a/b/e.bin", failing)).rejects.toThrow();
    expect(readdirSync(join(folderRoot, "a", "b")).sort()).toEqual(["c.bin", "d.bin.tmp-0123456789abcdef"]);
    await loc.delete("a/b/c.bin");
  });

  test("keys that would escape the folder are refused", async () => {
    const loc = open({ kind: "folder", path: folderRoot });
    for (const key of ["../outside", "a/../../outside", "/etc/passwd", "a//b", "a\\b"]) {
      await expectFailure(loc.put(key, small), "invalid-config", `"${key}"`);
    }
  });

  test("large aligned objects (packs) are written around the page cache on a local disk, and read back intact", async () => {
    // The precondition, stated: the temporary folder is on a local disk filesystem (ext4 here).
    expect(await directIoFolder(folderRoot)).toBe(true);
    const loc = open({ kind: "folder", path: folderRoot });
    const length = 6 * MiB + 1234; // an unaligned tail, written through the cache
    const aligned = allocateAligned(length, true);
    expect(bufferAddress(aligned)! % 4096n).toBe(0n);
    randomBytes(length).copy(aligned);
    const unaligned = Buffer.from(randomBytes(length + 1).subarray(1));
    await loc.put("direct/aligned.bin", aligned);
    await loc.put("direct/unaligned.bin", unaligned);
    expect((await loc.get("direct/aligned.bin")).equals(aligned)).toBe(true);
    expect((await loc.get("direct/aligned.bin", { offset: 4095, length: 3 * MiB })).equals(aligned.subarray(4095, 4095 + 3 * MiB))).toBe(true);
    expect((await loc.get("direct/unaligned.bin")).equals(unaligned)).toBe(true);
    // fincore (util-linux) counts a file's pages in the page cache. Read above, both files are cached
    // now; so evict and rewrite them, then look before any read.
    await loc.delete("direct/aligned.bin");
    await loc.delete("direct/unaligned.bin");
    await loc.put("direct/aligned.bin", aligned);
    await loc.put("direct/unaligned.bin", unaligned);
    const cachedPages = (key: string) => Number(execFileSync("fincore", ["--bytes", "--noheadings", "--output", "PAGES", join(folderRoot, ...key.split("/"))], { encoding: "utf8" }).trim());
    expect(cachedPages("direct/aligned.bin")).toBeLessThanOrEqual(1); // the tail's page
    expect(cachedPages("direct/unaligned.bin")).toBeGreaterThan(1500); // all 1537 pages
    await loc.delete("direct/aligned.bin");
    await loc.delete("direct/unaligned.bin");
  });

  test("a folder on tmpfs writes through the cache, with the same result", async () => {
    const shm = mkdtempSync("/dev/shm/lifeboat-folder-");
    try {
      expect(await directIoFolder(shm)).toBe(false);
      const loc = open({ kind: "folder", path: shm });
      const body = allocateAligned(2 * MiB, false);
      randomBytes(2 * MiB).copy(body);
      await loc.put("k.bin", body);
      expect((await loc.get("k.bin")).equals(body)).toBe(true);
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  });

  test("a missing folder: no-container, and it is not created", async () => {
    const missing = join(folderRoot, "not-mounted");
    const loc = open({ kind: "folder", path: missing });
    await expectFailure(loc.put("k", small), "no-container", missing);
    await expectFailure(loc.get("k"), "no-container");
    await expectFailure(keysUnder(loc, ""), "no-container");
    expect(readdirSync(folderRoot)).not.toContain("not-mounted");
  });
});
