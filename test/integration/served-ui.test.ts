// Served mode end to end: the renderer build served by the engine host on 127.0.0.1, opened in real
// Chromium through the printed token URL; and the host refusing requests without the token.
import { execFileSync } from "node:child_process";
import { request } from "node:http";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createEngineHost } from "../../main/api/engine-host";
import { startServedHost, type ServedHost } from "../../main/api/served";
import { keyFileVault } from "../../main/vault/index";
import { launchChromium } from "../support/browser";

const artifacts = join("test-results", "screenshots");

function statusWithHost(port: number, hostHeader: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/", headers: { host: hostHeader, "x-lifeboat-token": token } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("served mode", () => {
  let out: string;
  let host: ServedHost;
  let dataDir: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "lifeboat-renderer-"));
    execFileSync("node_modules/.bin/vite", ["build", "--outDir", out, "--emptyOutDir", "--logLevel", "warn"], { stdio: "pipe" });
    dataDir = mkdtempSync(join(tmpdir(), "lifeboat-served-data-"));
    host = await startServedHost({ engine: createEngineHost({ host: "served", dataDir, vault: keyFileVault(dataDir) }), staticDir: out });
  });

  afterAll(async () => {
    await host?.close();
    rmSync(out, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("the token URL opens the app in Chromium, which talks to the engine", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
      await page.goto(host.url);
      // The token leaves the address bar: it now lives in an HttpOnly cookie.
      expect(new URL(page.url()).search).toBe("");
      await page.getByText("served mode").waitFor();
      expect(await page.locator("dd").first().textContent()).toBe("0.1.0");
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "served-home.png"), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test("requests without the token, from another Host or another origin are refused", async () => {
    const base = `http://127.0.0.1:${host.port}`;
    expect((await fetch(`${base}/`)).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
    expect((await fetch(`${base}/api/call/app.info`, { method: "POST", body: "{}" })).status).toBe(401);

    const auth = { "x-lifeboat-token": host.token };
    const ok = await fetch(`${base}/api/call/app.info`, { method: "POST", body: "{}", headers: auth });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { result: { host: string } }).result.host).toBe("served");

    // fetch() may not set Host, so this one goes through node:http.
    expect(await statusWithHost(host.port, "attacker.example", host.token)).toBe(421);
    const crossOrigin = await fetch(`${base}/api/call/app.info`, { method: "POST", body: "{}", headers: { ...auth, origin: "http://evil.example" } });
    expect(crossOrigin.status).toBe(403);

    const unknown = await fetch(`${base}/api/call/no.such.call`, { method: "POST", body: "{}", headers: auth });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("unknown-call");
    const notJson = await fetch(`${base}/api/call/app.info`, { method: "POST", body: "{", headers: auth });
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe("invalid-request");
  });
});
