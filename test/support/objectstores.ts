// Real object stores for tests, on loopback with random ports: MinIO (S3; our stand-in for a FlashBlade
// bucket) built from the Go module proxy, and Azurite (Azure Blob) from npm.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { paths } from "../../scripts/testenv/pins";
import { freePort, startProcess, waitFor, type ManagedProcess } from "./proc";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface MinioServer {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  dataDir: string;
  /** Stops the server, keeping its data (to test outages). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

export async function startMinio(): Promise<MinioServer> {
  const dir = mkdtempSync(join(tmpdir(), "lifeboat-minio-"));
  const dataDir = join(dir, "data");
  mkdirSync(dataDir);
  const port = await freePort();
  const consolePort = await freePort();
  const accessKey = `lifeboat${randomBytes(4).toString("hex")}`;
  const secretKey = randomBytes(18).toString("base64url");
  const endpoint = `http://127.0.0.1:${port}`;
  let proc: ManagedProcess | undefined;

  const start = async () => {
    proc = startProcess("minio", paths.bin("minio"), [
      "server", dataDir, "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`, "--quiet",
    ], join(dir, "minio.log"), {
      env: { MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey, MINIO_BROWSER: "off", MINIO_UPDATE: "off", MINIO_CI_CD: "1" },
    });
    await waitFor("MinIO to be ready", async () => (await fetch(`${endpoint}/minio/health/ready`)).ok, { timeoutMs: 30_000, process: proc });
  };
  const stop = async () => { await proc?.stop(); };
  try {
    await start();
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint, region: "us-east-1", accessKey, secretKey, dataDir, start, stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

export interface AzuriteServer {
  blobEndpoint: string;
  accountName: string;
  accountKey: string;
  connectionString: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startAzurite(): Promise<AzuriteServer> {
  const dir = mkdtempSync(join(tmpdir(), "lifeboat-azurite-"));
  const port = await freePort();
  const blobEndpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  let proc: ManagedProcess | undefined;
  const start = async () => {
    proc = startProcess("azurite", process.execPath, [
      join(repoRoot, "node_modules", "azurite", "dist", "src", "blob", "main.js"),
      "--blobHost", "127.0.0.1", "--blobPort", String(port), "--location", dir, "--skipApiVersionCheck", "--loose",
    ], join(dir, "azurite.log"));
    await waitFor("Azurite to listen", async () => {
      // Any HTTP answer means it is serving; an anonymous request is refused with 4xx.
      const res = await fetch(`${blobEndpoint}?comp=list`);
      return res.status > 0;
    }, { timeoutMs: 30_000, process: proc });
  };
  const stop = async () => { await proc?.stop(); };
  try {
    await start();
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    blobEndpoint,
    accountName: AZURITE_ACCOUNT,
    accountKey: AZURITE_KEY,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
