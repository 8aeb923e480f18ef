// The Electron binary cannot be fetched on these machines, so the shell is proven as far as it can
// be here: it type-checks (npm run typecheck) and bundles the way Electron needs to load it.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { sealedChunks } from "../../main/transfer/chunk-stream";
import { contentId, packDigest, type PackDigest } from "../../main/repo/crypto";
import type { SealResult, WorkerKeys } from "../../main/transfer/tasks";

beforeAll(() => {
  execFileSync("node_modules/.bin/tsx", ["scripts/build-electron.ts"], { stdio: "pipe" });
});

test("the shell bundles: ESM main with the engine inside, CommonJS preload, electron left external", () => {
  const main = readFileSync("dist/electron/main.mjs", "utf8");
  const preload = readFileSync("dist/electron/preload.cjs", "utf8");
  expect(main).toMatch(/from "electron"/);
  expect(main).toContain("createEngineHost");
  expect(main).toContain("sandbox: true");
  expect(main).toContain("contextIsolation: true");
  expect(main).toContain("nodeIntegration: false");
  // A sandboxed preload must be CommonJS and may only use the contract's channel.
  expect(preload).toMatch(/require\("electron"\)/);
  expect(preload).not.toMatch(/^import /m);
  expect(preload).toContain("lifeboat:call");
  expect(preload).toContain('exposeInMainWorld("lifeboat"');
  // Envelopes, so the renderer keeps an error's code, hint and field (lost on Error objects).
  expect(preload).toContain('exposeInMainWorld("lifeboatRaw"');
  expect(preload).toContain("lifeboat:event");
});

test("the security checklist is in the bundle", () => {
  const main = readFileSync("dist/electron/main.mjs", "utf8");
  // The header CSP is exactly the page's own meta policy.
  const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(readFileSync("renderer/index.html", "utf8"))?.[1];
  expect(meta).toBeTruthy();
  // (Booleans, not toContain: a failure would print the whole 10 MB bundle.)
  expect(main.includes(JSON.stringify(meta)), "the CSP string").toBe(true);
  expect(/\.set\("Content-Security-Policy", CSP\)/.test(main), "the CSP header").toBe(true);
  for (const needle of [
    ".enableSandbox()", "webSecurity: true", "webviewTag: false", '"will-attach-webview"', '"will-navigate"', '"will-redirect"',
    "setWindowOpenHandler", 'action: "deny"', "setPermissionRequestHandler", "setPermissionCheckHandler", "webRequest.onBeforeRequest",
    "requestSingleInstanceLock", '"second-instance"', '"before-quit"', '"window-all-closed"', "untrusted sender",
  ]) expect(main.includes(needle), needle).toBe(true);
  // The vault: safeStorage, refused without a real keychain on Linux.
  expect(main.includes("getSelectedStorageBackend") && main.includes('"basic_text"'), "the keychain check").toBe(true);
  // electron-store (ESM) is bundled, not left for a require() at run time.
  expect(/(require\(|from )"electron-store"/.test(main), "electron-store external").toBe(false);
});

test("the engine never imports electron", () => {
  const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
  const offenders = files("main").filter((f) => f.endsWith(".ts") && /from "electron"|require\("electron"\)/.test(readFileSync(f, "utf8")));
  expect(offenders).toEqual([]);
});

test("electron-builder ships the bundles and unpacks the native modules", () => {
  const config = readFileSync("electron-builder.yml", "utf8");
  expect(config).toMatch(/^asar: true$/m);
  expect(config).toMatch(/^asarUnpack:\n(\s+- .*\n)*\s+- node_modules\/zstd-napi\/\*\*$/m);
  expect(config).toMatch(/^asarUnpack:\n(\s+- .*\n)*\s+- node_modules\/@napi-rs\/blake-hash\*\/\*\*$/m);
  expect(config).toMatch(/^asarUnpack:\n(\s+- .*\n)*\s+- node_modules\/@node-rs\/crc32\*\/\*\*$/m);
  expect(config).toMatch(/^\s+- dist\/electron\/\*\*$/m);
  expect(config).toMatch(/^\s+- dist\/renderer\/\*\*$/m);
  for (const target of ["AppImage, deb", "nsis", "dmg"]) expect(config).toContain(`target: [${target}]`);
});

test("the bundled transfer worker runs: it seals and opens a chunk, and names a pack, with the native zstd, BLAKE3 and CRC-32 bindings", async () => {
  const { Piscina } = await import("piscina");
  const pool = new Piscina({ filename: join(process.cwd(), "dist/electron/transfer-worker.mjs"), maxThreads: 1 });
  try {
    const keys: WorkerKeys = { encryptionKey: Buffer.alloc(32, 1), idKey: Buffer.alloc(32, 2), contentId: "blake3-keyed" };
    const segment = new SharedArrayBuffer(64 * 1024);
    new Uint8Array(segment).fill(42);
    const ranges = [0, segment.byteLength];
    const result = (await pool.run({ op: "seal", segment, ranges, keys, known: null, level: 1 })) as SealResult;
    expect(result.lengths[0]).toBeLessThan(1000); // compressed
    expect(Buffer.from(result.ids).equals(contentId("blake3-keyed", Buffer.alloc(32, 2), Buffer.alloc(64 * 1024, 42)))).toBe(true);
    // The sealed blob is its head, the payload written over the chunk, and its tail.
    const [chunk] = sealedChunks(result, segment, ranges);
    const sealed = Buffer.concat(chunk!.sealed!);
    const [plain] = (await pool.run({ op: "open", keys, blobs: [{ id: chunk!.id, rawLength: chunk!.rawLength, sealed }] })) as Uint8Array[];
    expect(Buffer.from(plain!).equals(Buffer.alloc(64 * 1024, 42))).toBe(true);
    const digest = (await pool.run({ op: "hash", segment, offset: 0, length: segment.byteLength, algorithm: "blake3", crc32: true })) as PackDigest;
    expect(digest).toEqual(packDigest("blake3", new Uint8Array(segment), true));
  } finally {
    await pool.destroy();
  }
});
