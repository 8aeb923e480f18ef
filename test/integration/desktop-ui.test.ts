// The desktop console end to end, as an admin uses it: the renderer build in Chromium, in served
// mode, against the real engine host, a real cluster with a node (a Deployment writing to a
// local-path volume) and MinIO. Adds a cluster and a location through their wizards, runs a backup
// and watches its progress reach 100%, restores it to a new namespace and reads the result table,
// and checks every screen with axe-core. Screenshots are kept under test-results/screenshots/ui.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { Browser, Page } from "playwright-core";
import { createEngineHost, type EngineHost } from "../../main/api/engine-host";
import { startServedHost, type ServedHost } from "../../main/api/served";
import { keyFileVault } from "../../main/vault/index";
import { IMAGE_NAMES } from "../../scripts/testenv/pins";
import { seriousViolations } from "../support/axe";
import { launchChromium } from "../support/browser";
import { startCluster, type TestCluster } from "../support/cluster";
import { execOk, waitForReadyPods } from "../support/kube";
import { startMinio, type MinioServer } from "../support/objectstores";
import { waitFor } from "../support/proc";

const shots = join("test-results", "screenshots", "ui");
let dir: string;
let cluster: TestCluster;
let minio: MinioServer;
let engine: EngineHost;
let served: ServedHost;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
let original = "";

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function expectAccessible(name: string): Promise<void> {
  const violations = await seriousViolations(page);
  expect(violations, `${name}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

async function open(screen: string): Promise<void> {
  await page.getByRole("navigation", { name: "Lifeboat" }).getByRole("link", { name: screen, exact: true }).click();
  await page.getByRole("heading", { level: 1 }).first().waitFor();
}

const dialog = () => page.getByRole("dialog");

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lifeboat-ui-"));
  mkdirSync(shots, { recursive: true });
  const out = join(dir, "renderer");
  execFileSync("node_modules/.bin/vite", ["build", "--outDir", out, "--emptyOutDir", "--logLevel", "warn"], { stdio: "pipe" });
  [cluster, minio] = await Promise.all([startCluster({ name: "ui", node: true }), startMinio()]);
  const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  await s3.send(new CreateBucketCommand({ Bucket: "ui-backups" }));
  s3.destroy();

  cluster.kubectl(["create", "namespace", "shop"]);
  await waitFor("the default service account", () => cluster.kubectl(["get", "sa", "default", "-n", "shop", "-o", "name"]).includes("default"));
  // The app writes a stamp into its volume once; a restored copy must bring the same stamp back.
  cluster.kubectl(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "List", items: [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "shop", name: "settings", labels: { app: "shop" } }, data: { mode: "prod" } },
      { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { namespace: "shop", name: "data", labels: { app: "shop" } }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "64Mi" } } } },
      {
        apiVersion: "apps/v1", kind: "Deployment", metadata: { namespace: "shop", name: "web", labels: { app: "shop" } },
        spec: {
          replicas: 1, selector: { matchLabels: { app: "shop" } },
          template: {
            metadata: { labels: { app: "shop" } },
            spec: {
              containers: [{
                name: "web", image: IMAGE_NAMES.busybox, command: ["sh", "-c", "[ -f /data/stamp ] || (date +%s%N; head -c 16 /dev/urandom | od -An -tx1) > /data/stamp; exec sleep 86400"],
                volumeMounts: [{ name: "data", mountPath: "/data" }],
              }],
              volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }],
            },
          },
        },
      },
    ],
  }));
  const [pod] = await waitForReadyPods(cluster.kubeConfig(), "shop", "app=shop", 1, 120_000);
  original = await execOk(cluster.kubeConfig(), "shop", pod!.metadata!.name!, "web", ["cat", "/data/stamp"]);

  // No default kubeconfig: the first-run welcome has no contexts to offer, and the cluster is added by hand.
  process.env.KUBECONFIG = join(dir, "no-kubeconfig");
  const dataDir = join(dir, "data");
  engine = createEngineHost({ host: "served", dataDir, vault: keyFileVault(dataDir), moverImage: IMAGE_NAMES.busybox });
  served = await startServedHost({ engine, staticDir: out });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await engine?.close();
  await served?.close();
  await Promise.all([cluster?.stop(), minio?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the console in served mode", () => {
  test("first run: the welcome offers kubeconfig contexts and names the embedded location; skipping it leaves the dashboard", async () => {
    await page.goto(served.url);
    const welcome = dialog();
    await welcome.getByText("Welcome to Lifeboat").waitFor();
    await shot("01-first-run");
    await expectAccessible("first run");
    await welcome.getByRole("button", { name: "Skip" }).click();
    await welcome.waitFor({ state: "detached" });
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor();
    await shot("02-dashboard-empty");
  });

  test("add a cluster with the wizard: pasted kubeconfig, context, name; the engine tests it before keeping it", async () => {
    await open("Clusters");
    await page.getByRole("button", { name: "Add cluster" }).click();
    await dialog().getByLabel("Paste a kubeconfig").check();
    await dialog().getByLabel("Kubeconfig", { exact: true }).fill(cluster.kubeconfig);
    await dialog().getByRole("button", { name: "Next" }).click();
    await dialog().getByLabel("Name", { exact: true }).fill("prod");
    await dialog().getByRole("button", { name: "Next" }).click();
    await shot("03-add-cluster-review");
    await expectAccessible("add cluster wizard");
    await dialog().getByRole("button", { name: "Add cluster" }).click();
    await dialog().getByText(/v1\.34/).first().waitFor({ timeout: 30_000 });
    await shot("04-cluster-added");
    await dialog().getByRole("button", { name: /Done|Close/ }).first().click();
    await page.getByRole("row", { name: /prod/ }).waitFor();
    await expectAccessible("clusters");
  });

  test("add a MinIO location with the wizard: connection, encryption password, validation steps", async () => {
    await open("Backup locations");
    await page.getByRole("row", { name: /Embedded/ }).waitFor();
    await page.getByRole("button", { name: "Add location" }).click();
    await dialog().getByLabel("MinIO").check();
    await dialog().getByLabel("Name", { exact: true }).fill("minio");
    await dialog().getByRole("button", { name: "Next" }).click();
    await dialog().getByLabel("Endpoint", { exact: true }).fill(minio.endpoint);
    await dialog().getByLabel("Region", { exact: true }).fill(minio.region);
    await dialog().getByLabel("Bucket", { exact: true }).fill("ui-backups");
    await dialog().getByLabel("Access key ID", { exact: true }).fill(minio.accessKey);
    await dialog().getByLabel("Secret access key", { exact: true }).fill(minio.secretKey);
    const pathStyle = dialog().getByLabel("Use path-style addressing");
    if (!(await pathStyle.isChecked())) await pathStyle.check();
    await dialog().getByRole("button", { name: "Next" }).click();
    await dialog().getByLabel("Encryption password", { exact: true }).fill("correct horse battery staple");
    await dialog().getByLabel("Confirm password", { exact: true }).fill("correct horse battery staple");
    await dialog().getByRole("button", { name: "Next" }).click();
    await expectAccessible("add location wizard");
    await dialog().getByRole("button", { name: "Add location" }).click();
    await dialog().getByText("is ready for backups").waitFor({ timeout: 30_000 });
    await shot("05-location-added");
    await dialog().getByRole("button", { name: "Done" }).click();
    await page.getByRole("row", { name: /minio/ }).waitFor();
    await expectAccessible("locations");
  });

  test("the application view shows the namespace's resources by kind", async () => {
    await open("Applications");
    await page.getByLabel("Cluster", { exact: true }).selectOption("prod");
    await page.getByLabel("shop", { exact: true }).check();
    await page.getByText("Deployment").first().waitFor({ timeout: 30_000 });
    await shot("06-applications");
    await expectAccessible("applications");
  });

  test("a backup from the wizard runs with live progress to 100%", async () => {
    await open("Backups");
    await page.getByRole("button", { name: "Create backup" }).click();
    await dialog().getByLabel("Cluster", { exact: true }).selectOption("prod");
    await dialog().getByLabel("Backup name", { exact: true }).fill("shop");
    await dialog().getByRole("button", { name: "Next" }).click();
    await dialog().getByLabel("shop", { exact: true }).check();
    await dialog().getByRole("button", { name: "Next" }).click(); // volumes
    await dialog().getByRole("button", { name: "Next" }).click(); // rules
    await dialog().getByRole("button", { name: "Next" }).click(); // schedule: run once
    await dialog().getByRole("button", { name: "Next" }).click(); // locations
    await dialog().getByLabel("minio", { exact: true }).check();
    await dialog().getByRole("button", { name: "Next" }).click();
    await expectAccessible("backup wizard review");
    await dialog().getByRole("button", { name: "Start backup" }).click();
    await dialog().waitFor({ state: "detached", timeout: 30_000 });
    const progress = page.locator('[data-job-state][data-job-id^="backup-"]').first();
    await progress.waitFor();
    await shot("07-backup-running");
    // A window that reloads finds the job again (the engine keeps recent jobs) and follows it.
    await page.reload();
    await page.locator('[data-job-id^="backup-"]').first().waitFor({ timeout: 30_000 });
    await page.locator('[data-job-id^="backup-"][data-job-state="succeeded"]').first().waitFor({ timeout: 180_000 });
    await expect.poll(() => page.getByRole("progressbar").first().getAttribute("aria-valuenow")).toBe("100");
    await page.getByRole("row", { name: /shop/ }).first().waitFor({ timeout: 30_000 });
    await shot("08-backup-done");
    await expectAccessible("backups");
  });

  test("restore the backup to a new namespace and read the result table; the volume's data came back", async () => {
    await page.getByRole("row", { name: /shop/ }).first().getByRole("button", { name: "Restore" }).click();
    // The wizard opens on the Restores screen (which a modal hides from the accessibility tree).
    await page.waitForURL(/#\/restores/);
    const wizard = dialog();
    await wizard.waitFor();
    // Backup (preselected) → target cluster → namespace mapping → storage classes → existing → partial → review.
    for (let step = 0; step < 8; step++) {
      const target = wizard.getByLabel("Target cluster", { exact: true });
      if (await target.isVisible()) await target.selectOption("prod");
      const mapping = wizard.getByLabel("Restore shop to", { exact: true });
      if (await mapping.isVisible()) await mapping.fill("shop-restored");
      const start = wizard.getByRole("button", { name: "Start restore" });
      if (await start.isVisible()) break;
      await wizard.getByRole("button", { name: "Next" }).click();
    }
    await shot("09-restore-review");
    await expectAccessible("restore wizard review");
    await wizard.getByRole("button", { name: "Start restore" }).click();
    const result = page.getByRole("grid", { name: "Restore result" }).or(page.getByRole("table", { name: "Restore result" }));
    await wizard.waitFor({ state: "detached", timeout: 30_000 });
    await result.waitFor({ timeout: 240_000 });
    await result.getByRole("row", { name: /Deployment.*web/ }).waitFor({ timeout: 240_000 });
    await page.getByText("Completed").first().waitFor({ timeout: 240_000 });
    await shot("10-restore-result");
    await expectAccessible("restore result");

    const [pod] = await waitForReadyPods(cluster.kubeConfig(), "shop-restored", "app=shop", 1, 120_000);
    expect(await execOk(cluster.kubeConfig(), "shop-restored", pod!.metadata!.name!, "web", ["cat", "/data/stamp"])).toBe(original);
  });

  test("every other screen passes the accessibility check", async () => {
    for (const screen of ["Dashboard", "Rules and schedules", "Disaster recovery", "Jobs"]) {
      await open(screen);
      await page.waitForTimeout(1500);
      await shot(`11-${screen.toLowerCase().replace(/\W+/g, "-")}`);
      await expectAccessible(screen);
    }
    expect(pageErrors).toEqual([]);
  });
});
