// The Electron binary cannot be fetched on these machines, so the shell is proven as far as it can
// be here: it type-checks (npm run typecheck) and bundles the way Electron needs to load it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";

test("the shell bundles: ESM main with the engine inside, CommonJS preload, electron left external", () => {
  execFileSync("node_modules/.bin/tsx", ["scripts/build-electron.ts"], { stdio: "pipe" });
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
