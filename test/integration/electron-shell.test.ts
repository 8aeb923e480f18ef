// The Electron binary cannot be fetched on these machines, so the shell is proven as far as it can
// be here: it type-checks (npm run typecheck) and bundles the way Electron needs to load it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, expect, test } from "vitest";

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
});

test("the bundled transfer worker runs: it seals and opens a chunk with the native zstd binding", async () => {
  const { Piscina } = await import("piscina");
  const pool = new Piscina({ filename: join(process.cwd(), "dist/electron/transfer-worker.mjs"), maxThreads: 1 });
  try {
    const keys = { encryptionKey: Buffer.alloc(32, 1), idKey: Buffer.alloc(32, 2) };
    const segment = new SharedArrayBuffer(64 * 1024);
    new Uint8Array(segment).fill(42);
    const out = new SharedArrayBuffer(64 * 1024 + 29);
    const result = (await pool.run({ op: "seal", segment, ranges: [0, segment.byteLength], out, outStart: 0, keys, known: null, level: 1 })) as { ids: Uint8Array; rawLengths: number[]; at: number[]; lengths: number[] };
    expect(result.lengths[0]).toBeLessThan(1000); // compressed
    const sealed = new Uint8Array(out, result.at[0], result.lengths[0]);
    const [plain] = (await pool.run({ op: "open", keys, blobs: [{ id: result.ids.subarray(0, 32), rawLength: result.rawLengths[0], sealed }] })) as Uint8Array[];
    expect(Buffer.from(plain!).equals(Buffer.alloc(64 * 1024, 42))).toBe(true);
  } finally {
    await pool.destroy();
  }
});
