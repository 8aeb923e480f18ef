// The disaster-recovery screens end to end in Chromium, in served mode, against the real engine,
// two full clusters and MinIO: a schedule policy from its form, a ClusterPair from its wizard (both
// sides and the bucket Ready), a migration schedule from its wizard, a run from the DR dashboard
// (the application staged on the destination, the RPO timeline drawn), then the guided failover
// showing each step and the measured RTO, with the application Ready on the destination.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser, Page } from "playwright-core";
import { createEngineHost, type EngineHost } from "../../main/api/engine-host";
import { startServedHost, type ServedHost } from "../../main/api/served";
import { keyFileVault } from "../../main/vault/index";
import { IMAGE_NAMES } from "../../scripts/testenv/pins";
import { seriousViolations } from "../support/axe";
import { launchChromium } from "../support/browser";
import { startCluster, type TestCluster } from "../support/cluster";
import { waitForReadyPods } from "../support/kube";
import { startMinio, type MinioServer } from "../support/objectstores";
import { waitFor } from "../support/proc";

const shots = join("test-results", "screenshots", "dr-ui");
let dir: string;
let src: TestCluster;
let dst: TestCluster;
let minio: MinioServer;
let engine: EngineHost;
let served: ServedHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const dialog = () => page.getByRole("dialog");
const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

async function expectAccessible(name: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

async function openTab(tab: string): Promise<void> {
  await page.getByRole("tab", { name: tab }).click();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lifeboat-dr-ui-"));
  mkdirSync(shots, { recursive: true });
  const out = join(dir, "renderer");
  execFileSync("node_modules/.bin/vite", ["build", "--outDir", out, "--emptyOutDir", "--logLevel", "warn"], { stdio: "pipe" });
  [src, dst, minio] = await Promise.all([startCluster({ name: "drui-src", node: true }), startCluster({ name: "drui-dst", node: true }), startMinio()]);
  src.kubectl(["create", "namespace", "shop"]);
  await waitFor("the default service account", () => src.kubectl(["get", "sa", "default", "-n", "shop", "-o", "name"]).includes("default"));
  src.kubectl(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "List", items: [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "shop", name: "settings" }, data: { mode: "prod" } },
      {
        apiVersion: "apps/v1", kind: "Deployment", metadata: { namespace: "shop", name: "web" },
        spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: IMAGE_NAMES.busybox, command: ["sleep", "86400"] }] } } },
      },
    ],
  }));
  await waitForReadyPods(src.kubeConfig(), "shop", "app=web", 2);

  // Clusters and the location are added through the contract (their wizards are tested in desktop-ui).
  process.env.KUBECONFIG = join(dir, "no-kubeconfig");
  const dataDir = join(dir, "data");
  engine = createEngineHost({ host: "served", dataDir, vault: keyFileVault(dataDir), moverImage: IMAGE_NAMES.busybox });
  await engine.handle("app.completeFirstRun", { importContexts: [] });
  await engine.handle("clusters.add", { source: { kind: "text", text: src.kubeconfig }, name: "prod" });
  await engine.handle("clusters.add", { source: { kind: "text", text: dst.kubeconfig }, name: "dr" });
  // The pair's bucket does not exist yet: the pair check creates it.
  const bucket = { kind: "s3", endpoint: minio.endpoint, region: minio.region, bucket: "dr-bucket", accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey, forcePathStyle: true };
  await engine.handle("locations.add", { name: "flashblade", config: bucket, password: "dr password", createContainer: true });
  served = await startServedHost({ engine, staticDir: out });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  await page.goto(served.url);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await engine?.close();
  await served?.close();
  await Promise.all([src?.stop(), dst?.stop(), minio?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("disaster recovery in the console", () => {
  test("a one-minute schedule policy from its form", async () => {
    await page.getByRole("link", { name: "Rules and schedules", exact: true }).click();
    await page.getByRole("button", { name: "Create policy" }).click();
    await dialog().getByLabel(/^Name/).fill("every-minute");
    await dialog().getByRole("radio", { name: /minutes/i }).check();
    await dialog().getByRole("spinbutton", { name: /^Minutes/ }).or(dialog().getByRole("textbox", { name: /^Minutes/ })).fill("1");
    await dialog().getByLabel(/^Copies to keep/).fill("3");
    await expectAccessible("policy form");
    await dialog().getByRole("button", { name: "Create policy" }).click();
    await dialog().waitFor({ state: "detached" });
    await page.getByRole("row", { name: /every-minute/ }).waitFor();
    await shot("01-policies");
    await expectAccessible("policies");
  });

  test("a ClusterPair from its wizard: scheduler and storage Ready", async () => {
    await page.getByRole("link", { name: "Disaster recovery", exact: true }).click();
    await openTab("Cluster pairs");
    await page.getByRole("button", { name: "Create cluster pair" }).click();
    await dialog().getByLabel(/^Source cluster/).selectOption("prod");
    await dialog().getByRole("button", { name: "Next" }).click();
    await dialog().getByLabel(/^Destination cluster/).selectOption("dr");
    await dialog().getByRole("button", { name: "Next" }).click();
    await dialog().getByLabel(/^Location/).selectOption("flashblade");
    await dialog().getByRole("button", { name: "Next" }).click();
    await dialog().getByLabel(/^Name/).fill("prod-dr");
    await expectAccessible("pair wizard");
    await dialog().getByRole("button", { name: "Create cluster pair" }).click();
    await dialog().getByText("Ready").first().waitFor({ timeout: 60_000 });
    await shot("02-pair-created");
    await dialog().getByRole("button", { name: "Close", exact: true }).click();
    const row = page.getByRole("row", { name: /prod-dr/ });
    await row.waitFor();
    expect(await row.textContent()).not.toContain("Error");
  });

  test("a migration schedule from its wizard, run from the dashboard: staged on the destination, RPO drawn", async () => {
    await openTab("Migrations");
    await page.getByRole("button", { name: "Create migration schedule" }).click();
    await dialog().getByLabel(/^Name/).fill("shop");
    await dialog().getByLabel(/^Cluster pair/).selectOption("prod-dr");
    await dialog().getByRole("button", { name: "Next" }).click();
    await dialog().getByLabel("shop", { exact: true }).check();
    await dialog().getByRole("button", { name: "Next" }).click();
    await dialog().getByLabel(/^Schedule policy/).selectOption("every-minute");
    await dialog().getByRole("button", { name: "Next" }).click();
    await expectAccessible("migration wizard");
    await dialog().getByRole("button", { name: "Create migration schedule" }).click();
    await dialog().waitFor({ state: "detached", timeout: 30_000 });
    await page.getByRole("row", { name: /shop/ }).first().waitFor();

    await openTab("Overview");
    await page.getByRole("button", { name: "Run now" }).first().click();
    await waitFor("the migration's first run", async () => (await engine.handle("dr.migrations.list", {}) as Array<{ lastSuccess?: unknown }>)[0]?.lastSuccess !== undefined, { timeoutMs: 180_000 });
    await waitFor("the destination staged", () => dst.kubectl(["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}"]) === "0", { timeoutMs: 30_000 });
    await page.getByRole("img", { name: /RPO/ }).first().waitFor({ timeout: 30_000 });
    await page.getByText("Within RPO").first().waitFor({ timeout: 30_000 });
    await shot("03-dr-overview");
    await expectAccessible("DR overview");
  });

  test("the guided failover shows each step and the measured RTO; the application runs on the destination", async () => {
    await page.getByRole("button", { name: "Fail over shop" }).click();
    await dialog().getByLabel(/I understand that the application will move to dr/).check();
    await shot("04-failover-confirm");
    await expectAccessible("failover wizard");
    await dialog().getByRole("button", { name: "Start failover" }).click();
    await dialog().getByText("Measured RTO").waitFor({ timeout: 240_000 });
    await shot("05-failover-done");
    await expectAccessible("failover result");
    await waitForReadyPods(dst.kubeConfig(), "shop", "app=web", 2, 60_000);
    expect(src.kubectl(["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}"])).toBe("0");
    const [last] = (await engine.handle("dr.switchovers.list", {})) as Array<{ id: string; status: string; rtoSeconds?: number }>;
    expect(last).toMatchObject({ status: "done" });
    // Only an interrupted switchover can be resumed; a finished one says so.
    await expect(engine.handle("dr.failover", { migration: "shop", confirm: true, resume: last!.id })).rejects.toMatchObject({ apiError: { code: "conflict" } });
    await expect(engine.handle("dr.failback", { migration: "shop", confirm: true, resume: "nope" })).rejects.toMatchObject({ apiError: { code: "not-found" } });
    console.log(`failover from the console: RTO ${last!.rtoSeconds?.toFixed(1)} s`);
    await dialog().getByRole("button", { name: /Close|Done/ }).first().click();
    await openTab("Failover history");
    await page.getByRole("grid", { name: "Failover history" }).or(page.getByRole("table", { name: "Failover history" })).waitFor();
    expect(await page.getByRole("button", { name: /^Resume/ }).count()).toBe(0);
    await shot("06-failover-history");
    await expectAccessible("failover history");
    expect(pageErrors).toEqual([]);
  });
});
