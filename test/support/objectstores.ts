// Real object stores for tests, on loopback with random ports: MinIO (S3; our stand-in for a FlashBlade
// bucket) built from the Go module proxy, and Azurite (Azure Blob) from npm.
import { randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { paths } from "../../scripts/testenv/pins";
import { createPki } from "./pki";
import { freePort, startProcess, waitFor, type ManagedProcess } from "./proc";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface MinioServer {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  dataDir: string;
  /** With `{ tls: true }`: PEM of the private CA that signed the server's certificate (SAN IP:127.0.0.1). */
  caBundle?: string;
  /** Stops the server, keeping its data (to test outages). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

export interface MinioOptions {
  /** Serve HTTPS with a certificate from a private CA (returned as `caBundle`), as FlashBlade often does. */
  tls?: boolean;
}

/** MinIO serves TLS when its certs directory holds public.crt and private.key. */
function makeMinioCerts(dir: string): { certsDir: string; caBundle: string } {
  const pki = createPki(join(dir, "pki"), "lifeboat-test-ca", [
    { name: "server", cn: "127.0.0.1", sans: ["IP:127.0.0.1"], usage: "server" },
  ]);
  const certsDir = join(dir, "certs");
  mkdirSync(certsDir);
  copyFileSync(pki.cert("server"), join(certsDir, "public.crt"));
  copyFileSync(pki.key("server"), join(certsDir, "private.key"));
  return { certsDir, caBundle: readFileSync(pki.ca, "utf8") };
}

function httpsOk(url: string, ca: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", reject);
    req.end();
  });
}

export async function startMinio(opts: MinioOptions = {}): Promise<MinioServer> {
  const dir = mkdtempSync(join(tmpdir(), "lifeboat-minio-"));
  const dataDir = join(dir, "data");
  mkdirSync(dataDir);
  const port = await freePort();
  const consolePort = await freePort();
  const accessKey = `lifeboat${randomBytes(4).toString("hex")}`;
  const secretKey = randomBytes(18).toString("base64url");
  const tls = opts.tls ? makeMinioCerts(dir) : undefined;
  const endpoint = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
  let proc: ManagedProcess | undefined;

  const ready = async () => {
    const url = `${endpoint}/minio/health/ready`;
    return tls ? httpsOk(url, tls.caBundle) : (await fetch(url)).ok;
  };
  const start = async () => {
    proc = startProcess("minio", paths.bin("minio"), [
      "server", dataDir, "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`, "--quiet",
      ...(tls ? ["--certs-dir", tls.certsDir] : []),
    ], join(dir, "minio.log"), {
      env: { MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey, MINIO_BROWSER: "off", MINIO_UPDATE: "off", MINIO_CI_CD: "1" },
    });
    await waitFor("MinIO to be ready", ready, { timeoutMs: 30_000, process: proc });
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
    endpoint, region: "us-east-1", accessKey, secretKey, dataDir, caBundle: tls?.caBundle, start, stop,
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
