// Disaster recovery from the command line, as an admin runs it: `lifeboat clusterpair`, `migration`,
// `failover`, `failback` and `daemon` as child processes, their state in a temporary LIFEBOAT_HOME,
// against two real API servers (control plane only: no node, so no pod ever runs and replica counts
// are spec values) and MinIO. Checks a pair's statuses with their reasons (an unreachable destination,
// a bucket that vanished and is created again), that bad references exit 2 and store nothing, that a
// migration lands staged (replicas 0, the real count in an annotation) and a second run changes
// nothing, that the daemon runs a due migration, that a failover whose pods cannot run stops at
// wait-ready with the reason and a resume hint, and a failover/failback round trip of CronJobs.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, HeadBucketCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { IMAGE_NAMES } from "../../scripts/testenv/pins";
import { startCluster, type TestCluster } from "../support/cluster";
import { startMinio, type MinioServer } from "../support/objectstores";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(root, "bin", "lifeboat.mjs");
let a: TestCluster;
let b: TestCluster;
let minio: MinioServer;
let s3: S3Client;
let dir: string;
let home: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; never throws on a non-zero exit (the exit code is what is tested). */
function lb(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], {
      cwd: root, env: { ...process.env, LIFEBOAT_HOME: home, ...env }, timeout: 120_000, maxBuffer: 16 << 20,
    }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }));
  });
}

/** Runs the CLI with -o json and expects `code`: stdout must be exactly one JSON document. */
async function lbJson<T>(args: string[], code = 0): Promise<T> {
  const r = await lb([...args, "-o", "json"]);
  expect(r.code, `lifeboat ${args.join(" ")}\n${r.stderr}`).toBe(code);
  return JSON.parse(r.stdout) as T;
}

const SECRETS = () => ({ MINIO_SECRET: minio.secretKey, REPO_PASSWORD: "correct horse battery staple" });
const addLocation = (name: string, bucket: string) => lb(["location", "add", name, "--provider", "s3", "--endpoint", minio.endpoint, "--region", minio.region,
  "--bucket", bucket, "--access-key-id", minio.accessKey, "--secret-access-key-env", "MINIO_SECRET", "--password-env", "REPO_PASSWORD"], SECRETS());

/** "spec.replicas/annotation lifeboat.io/replicas" of the Deployment shop/web. */
const web = (c: TestCluster) => c.kubectl(["get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}/{.metadata.annotations.lifeboat\\.io/replicas}"]);
/** "spec.suspend/annotation lifeboat.io/suspend" of the CronJob jobs/report. */
const report = (c: TestCluster) => c.kubectl(["get", "cronjob", "report", "-n", "jobs", "-o", "jsonpath={.spec.suspend}/{.metadata.annotations.lifeboat\\.io/suspend}"]);

/** A TCP proxy to b's API server: a cluster added through it becomes unreachable when it closes. */
async function proxyTo(server: string): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(server);
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      proxy.close(() => resolve());
    }),
  };
}

/** Empties and removes a bucket, as if someone deleted it after the location was added. */
async function deleteBucket(bucket: string): Promise<void> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
  if (keys.length) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

const pod = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: "c", image: IMAGE_NAMES.busybox }] } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lifeboat-cli-dr-"));
  home = join(dir, "home");
  [a, b, minio] = await Promise.all([startCluster({ name: "cli-dr-a" }), startCluster({ name: "cli-dr-b" }), startMinio()]);
  s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  // `location add` probes the bucket, so it must exist then; "vanished" is deleted again below.
  await Promise.all(["dr-transit", "dr-vanished"].map((Bucket) => s3.send(new CreateBucketCommand({ Bucket }))));
  a.kubectl(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "List", items: [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } },
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "jobs" } },
    ],
  }));
  a.kubectl(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "List", items: [
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { namespace: "shop", name: "web" }, spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: pod("web") } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "shop", name: "settings" }, data: { mode: "prod" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "shop", name: "features" }, data: { search: "on" } },
      {
        apiVersion: "batch/v1", kind: "CronJob", metadata: { namespace: "jobs", name: "report" },
        spec: { schedule: "0 0 1 1 *", jobTemplate: { spec: { template: { spec: { ...pod("report").spec, restartPolicy: "Never" } } } } },
      },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "jobs", name: "report-settings" }, data: { to: "ops@example.com" } },
    ],
  }));
  const [kubeA, kubeB, kubeGone] = ["a.yaml", "b.yaml", "gone.yaml"].map((f) => join(dir, f)) as [string, string, string];
  const proxy = await proxyTo(b.server);
  writeFileSync(kubeA, a.kubeconfig);
  writeFileSync(kubeB, b.kubeconfig);
  writeFileSync(kubeGone, b.kubeconfig.replace(b.server, proxy.url));
  // Each pair of commands writes two different files; the clusters one after the other.
  const first = await Promise.all([lb(["cluster", "add", "a", "--kubeconfig", kubeA]), addLocation("transit", "dr-transit")]);
  const second = await Promise.all([lb(["cluster", "add", "b", "--kubeconfig", kubeB]), addLocation("vanished", "dr-vanished"), lb(["schedule-policy", "create", "hourly", "--interval", "1h", "--keep", "2"])]);
  const third = await lb(["cluster", "add", "gone", "--kubeconfig", kubeGone]);
  for (const r of [...first, ...second, third]) expect(r.code, r.stderr).toBe(0);
  // The site behind "gone" is lost, and someone deleted the bucket of "vanished".
  await Promise.all([proxy.close(), deleteBucket("dr-vanished")]);
});

afterAll(async () => {
  s3?.destroy();
  await Promise.all([a?.stop(), b?.stop(), minio?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface PairJson {
  clusterPair: {
    name: string; source: string; destination: string; location: string;
    status: { scheduler: { status: string; reason?: string }; storage: { status: string; reason?: string; created?: boolean }; source?: { server: string }; destination?: { server: string } };
  };
  ready: boolean;
}

describe("ClusterPairs", () => {
  test("create: Ready on both sides; an unreachable destination and a vanished bucket are stored with their reasons and exit 1", async () => {
    const ok = await lbJson<PairJson>(["clusterpair", "create", "prod-dr", "--source", "a", "--destination", "b", "--location", "transit"]);
    expect(ok).toMatchObject({ ready: true, clusterPair: { source: "a", destination: "b", location: "transit", status: { scheduler: { status: "Ready" }, storage: { status: "Ready", created: false } } } });
    expect(ok.clusterPair.status.destination?.server).toBe(b.server);

    // Commands that only read the pairs alongside the one that writes them.
    const [down, same, unknown, taken] = await Promise.all([
      lb(["clusterpair", "create", "down", "--source", "a", "--destination", "gone", "--location", "transit"]),
      lb(["clusterpair", "create", "x", "--source", "a", "--destination", "a", "--location", "transit"]),
      lb(["clusterpair", "create", "x", "--source", "a", "--destination", "nowhere", "--location", "transit"]),
      lb(["clusterpair", "create", "prod-dr", "--source", "a", "--destination", "b", "--location", "transit"]),
    ]);
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(/^ClusterPair "down" created: a → gone through transit\.\nScheduler status: +Error: destination cluster gone: .*127\.0\.0\.1:\d+/);
    expect(down.stdout).toMatch(/^Storage status: +Ready$/m);
    expect(down.stderr).toMatch(/^error: ClusterPair "down" is not Ready: scheduler: destination cluster gone: /m);
    expect(down.stderr).toMatch(/^hint: it is stored; once the cause is fixed, `lifeboat clusterpair get down --check` checks it again$/m);

    // checkPair creates the missing bucket; the repository that was in it is gone, and the pair says so.
    const vanished = await lbJson<PairJson>(["clusterpair", "create", "vanished", "--source", "a", "--destination", "b", "--location", "vanished"], 1);
    expect(vanished.clusterPair.status.scheduler.status).toBe("Ready");
    expect(vanished.clusterPair.status.storage).toMatchObject({ status: "Error", created: true, reason: expect.stringMatching(/holds no Lifeboat repository.*\(its bucket was created just now\); add the location again/) });
    await s3.send(new HeadBucketCommand({ Bucket: "dr-vanished" }));

    const [table, list, described, describedText] = await Promise.all([
      lb(["clusterpair", "get"]),
      lbJson<{ clusterPairs: Array<{ name: string; ready: boolean }> }>(["clusterpair", "get"]),
      lbJson<PairJson & { migrations: string[] }>(["clusterpair", "describe", "down"]),
      lb(["clusterpair", "describe", "prod-dr"]),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME +SOURCE +DESTINATION +LOCATION +SCHEDULER-STATUS +STORAGE-STATUS +CREATED\n/);
    expect(table.stdout).toMatch(/^down +a +gone +transit +Error +Ready +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/m);
    expect(table.stdout).toMatch(/^prod-dr +a +b +transit +Ready +Ready +\d{4}-/m);
    expect(table.stdout).toMatch(/^vanished +a +b +vanished +Ready +Error +\d{4}-/m);
    expect(table.stderr).toMatch(/^warning: down: scheduler: destination cluster gone: /m);
    expect(list.clusterPairs.map((p) => [p.name, p.ready])).toEqual([["down", false], ["prod-dr", true], ["vanished", false]]);
    expect(described).toMatchObject({ clusterPair: { name: "down", status: { scheduler: { status: "Error" } } }, migrations: [] });
    expect(describedText.stdout).toMatch(/^Source: +a \(https:\/\/127\.0\.0\.1:\d+, Kubernetes v1\.\d+\.\d+, all the access migrations need\)$/m);
    expect(describedText.stdout).toMatch(/^Location: +transit \(s3:\/\/dr-transit/m);
    expect([same.code, unknown.code, taken.code]).toEqual([2, 2, 1]);
    expect(same.stderr).toMatch(/^error: --source and --destination are the same cluster \("a"\)/);
    expect(unknown.stderr).toMatch(/^error: no cluster named "nowhere"/);
    expect(taken.stderr).toMatch(/^error: a ClusterPair named "prod-dr" already exists\nhint: /);

    // The hint works: the location added again creates its repository, and the pair checks Ready.
    expect((await lb(["location", "remove", "vanished"])).code).toBe(0);
    const readded = await addLocation("vanished", "dr-vanished");
    expect(readded.code, readded.stderr).toBe(0);
    const rechecked = await lb(["clusterpair", "get", "--check", "-o", "json"]);
    expect(rechecked.code).toBe(1); // "down" still is not Ready
    expect(rechecked.stderr).toMatch(/^error: ClusterPair "down" is not Ready$/m);
    const pairs = (JSON.parse(rechecked.stdout) as { clusterPairs: Array<{ name: string; ready: boolean; status: { storage: { status: string } } }> }).clusterPairs;
    expect(pairs.map((p) => [p.name, p.ready, p.status.storage.status])).toEqual([["down", false, "Ready"], ["prod-dr", true, "Ready"], ["vanished", true, "Ready"]]);
  });
});

interface RunJson {
  run: { ok: boolean; snapshot: string; capturedAt: string; objects: Record<string, number>; failed: unknown[]; volumes: unknown[] };
}
interface MigrationsJson {
  migrations: Array<{ name: string; status: string; active: string; rpoSeconds: number | null; lagSeconds: number | null; state: { lastSuccess?: { snapshot: string } } }>;
}

describe("migrations", () => {
  test("schedule: bad references exit 2 and store nothing; two migrations stored", async () => {
    const base = ["migration", "schedule", "x", "--no-volumes"];
    const bad: Array<[string[], RegExp]> = [
      [["--clusterpair", "nope", "--namespaces", "shop", "--policy", "hourly"], /^error: no ClusterPair named "nope" \(known: down, prod-dr, vanished\)/],
      [["--clusterpair", "prod-dr", "--namespaces", "shop", "--policy", "weekly"], /^error: no schedule policy named "weekly"/],
      [["--clusterpair", "prod-dr", "--namespaces", "shop,ghost", "--policy", "hourly"], /^error: unknown namespace ghost on https:\/\/127\.0\.0\.1:\d+/],
      [["--clusterpair", "prod-dr", "--namespaces", "Shop", "--policy", "hourly"], /^error: --namespaces: "Shop" is not a namespace name/],
      [["--clusterpair", "prod-dr", "--namespaces", "shop", "--policy", "hourly", "-l", "app in (a"], /^error: --selector: /],
      [["--clusterpair", "prod-dr", "--namespaces", "shop", "--policy", "hourly", "--include-resources", "Widget"], /^error: unknown kind "Widget"/],
    ];
    // The one good command alongside the bad ones, which store nothing.
    const [shop, ...runs] = await Promise.all([
      lbJson<{ migration: Record<string, unknown>; nextRun: string }>(["migration", "schedule", "shop", "--clusterpair", "prod-dr", "--namespaces", "shop", "--policy", "hourly", "--no-volumes"]),
      ...bad.map(([args]) => lb([...base, ...args])),
    ]);
    runs.forEach((r, i) => {
      expect(r.code, `${bad[i]![0].join(" ")}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(bad[i]![1]);
    });
    expect(shop.migration).toMatchObject({ name: "shop", pair: "prod-dr", namespaces: ["shop"], policy: "hourly", volumes: false });
    expect(Date.parse(shop.nextRun)).toBeGreaterThan(Date.now() + 55 * 60_000);
    const jobs = await lb(["migration", "schedule", "jobs", "--clusterpair", "prod-dr", "--namespaces", "jobs", "--policy", "hourly", "--no-volumes"]);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(jobs.stdout).toMatch(/^Migration "jobs" scheduled: jobs from a to b through transit, every 1h\. First run \d{4}-/);
    expect(jobs.stderr).toMatch(/^note: `lifeboat migration run jobs` runs it now\.$/m);
    const [again, list] = await Promise.all([
      lb(["migration", "schedule", "jobs", "--clusterpair", "prod-dr", "--namespaces", "jobs", "--policy", "hourly"]),
      lbJson<MigrationsJson>(["migration", "get"]),
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: a migration named "jobs" already exists/);
    expect(list.migrations.map((m) => [m.name, m.status, m.active, m.rpoSeconds])).toEqual([["jobs", "NeverRun", "source", null], ["shop", "NeverRun", "source", null]]);
  });

  test("run: the namespace lands on b staged (replicas 0, the count in an annotation); a second run leaves it unchanged", async () => {
    const first = await lb(["migration", "run", "shop"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^backup: shop on a into transit\napply: staged on b, workloads switched off\n/m);
    expect(first.stdout).toMatch(/^Migration "shop" ran: a → b, objects \d+ created/);
    expect(b.kubectl(["get", "namespace", "shop", "-o", "name"]).trim()).toBe("namespace/shop");
    expect(web(b)).toBe("0/3");
    expect(web(a)).toBe("3/");
    expect(b.kubectl(["get", "configmaps", "-n", "shop", "-l", "lifeboat.io/migration=shop", "-o", "name"]).trim().split("\n").sort()).toEqual(["configmap/features", "configmap/settings"]);

    const [second, jobs] = await Promise.all([lbJson<RunJson>(["migration", "run", "shop"]), lbJson<RunJson>(["migration", "run", "jobs"])]);
    expect(second.run).toMatchObject({ ok: true, failed: [], volumes: [], objects: { created: 0, updated: 0, failed: 0 } });
    expect(second.run.objects.unchanged).toBeGreaterThanOrEqual(3); // the Deployment, two ConfigMaps
    expect(jobs.run.ok).toBe(true);
    expect(report(b)).toBe("true/false");
    expect(report(a)).toBe("false/");

    const [table, described, describedText] = await Promise.all([
      lb(["migration", "get"]),
      lbJson<MigrationsJson["migrations"][number] & { migration: { name: string } }>(["migration", "describe", "shop"]),
      lb(["migration", "describe", "shop"]),
    ]);
    expect(table.stdout).toMatch(/^NAME +PAIR +POLICY +ACTIVE-ON +LAST-SUCCESS +ACHIEVED-RPO +LAG +STATUS\n/);
    expect(table.stdout).toMatch(/^shop +prod-dr +hourly +source +\d+s ago +\d+(\.\d)?s +0s +Succeeded$/m);
    expect(table.stdout).toMatch(/^jobs +prod-dr +hourly +source +\d+s ago +/m);
    expect(described).toMatchObject({ status: "Succeeded", active: "source", lagSeconds: 0, state: { lastSuccess: { snapshot: second.run.snapshot } } });
    expect(described.rpoSeconds).toBeLessThan(60);
    expect(describedText.stdout).toMatch(/^Last run:\n {2}Result: +succeeded\n/m);
    expect(describedText.stdout).toMatch(/^ {2}Objects: +\d+ unchanged, 1 kept$/m); // the namespace exists: kept
  });

  test("daemon --once runs a migration whose slot passed, next to the backup schedules; a second --once runs nothing", async () => {
    const made = await lb(["migration", "schedule", "cfg", "--clusterpair", "prod-dr", "--namespaces", "jobs", "--policy", "hourly", "--include-resources", "ConfigMap", "--no-volumes"]);
    expect(made.code, made.stderr).toBe(0);
    // Created 90 minutes ago: the slot of 30 minutes ago passed while no daemon ran.
    const file = join(home, "migrations.json");
    const specs = JSON.parse(readFileSync(file, "utf8")) as Array<{ name: string; createdAt: string }>;
    specs.find((m) => m.name === "cfg")!.createdAt = new Date(Date.now() - 90 * 60_000).toISOString();
    writeFileSync(file, JSON.stringify(specs, null, 2));

    const once = await lb(["daemon", "--once", "-o", "json"]);
    expect(once.code, once.stderr).toBe(0);
    const lines = once.stdout.trim().split("\n").map((l) => JSON.parse(l) as { schedule: string; event: string; message?: string; migration?: string });
    expect(lines.map((l) => [l.schedule, l.event])).toEqual([["migration/cfg", "started"], ["migration/cfg", "succeeded"], ["-", "done"]]);
    expect(lines[1]!.message).toMatch(/^synced [0-9a-f]{8}: \d+ new bytes, 0 bytes into volumes$/);
    const [cfg, again, refused] = await Promise.all([lbJson<MigrationsJson>(["migration", "get", "cfg"]), lb(["daemon", "--once"]), lb(["migration", "delete", "cfg"])]);
    expect(cfg.migrations[0]).toMatchObject({ status: "Succeeded", active: "source" });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/ - nothing-due 0 schedule\(s\), 3 migration\(s\); next: migration\/\S+ at \d{4}-/);

    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: deleting a migration needs --confirm \(or -y\)/);
    expect((await lbJson<{ deleted: string }>(["migration", "delete", "cfg", "-y"])).deleted).toBe("cfg");
  });
});

interface SwitchJson {
  id: string; status: string; rtoSeconds?: number; active: string;
  steps: Array<{ name: string; status: string; detail?: string; endedAt?: string }>;
}

describe("failover and failback", () => {
  test("a Deployment whose pods cannot run: failover stops at wait-ready with the reason and a resume hint; --resume retries only that step", async () => {
    const unconfirmed = await lb(["failover", "shop"]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/^error: a failover needs --confirm \(or -y\) when no one can be asked/);

    const over = await lb(["failover", "shop", "-y", "--ready-timeout", "1s"]);
    expect(over.code, over.stderr).toBe(1);
    expect(over.stderr).toMatch(/^deactivate-source: done, 1 workload\(s\) switched off\nlast-sync: done, synced snapshot [0-9a-f]{8} \(\d+ new bytes\)\nactivate-destination: done, 1 workload\(s\) switched on\nwait-ready: failed, Deployment\/web: 0\/3 ready\n/m);
    expect(over.stderr).toMatch(/^error: failover of "shop" failed at step wait-ready: Deployment\/web: 0\/3 ready$/m);
    expect(over.stderr).toMatch(/^warning: the application is switched on at b but not Ready there; migrations stay stopped until a failback/m);
    const id = /^hint: once the cause is fixed, continue it: lifeboat failover shop --resume ([0-9a-f-]{36})$/m.exec(over.stderr)?.[1];
    expect(id, over.stderr).toBeTruthy();
    expect(over.stdout).toMatch(/^Failover of "shop" FAILED at step wait-ready \(failover [0-9a-f-]{36}\)\.\nSTEP +STATUS +DETAIL\ndeactivate-source +done +1 workload\(s\) switched off\n/);
    // Planned failover (a reachable): a switched off with its count remembered, b switched on.
    expect(web(a)).toBe("0/3");
    expect(web(b)).toBe("3/");

    const resumedAt = new Date().toISOString();
    // Switched on at b, so counted active there: a migration now would switch it off again.
    const [resumed, badId, migrate] = await Promise.all([
      lbJson<SwitchJson>(["failover", "shop", "--resume", id!.slice(0, 8), "-y", "--ready-timeout", "1s"], 1),
      lb(["failover", "shop", "--resume", "feed", "-y"]),
      lb(["migration", "run", "shop"]),
    ]);
    expect(resumed).toMatchObject({ id, status: "failed", active: "destination" });
    expect(resumed.steps.map((s) => `${s.name}:${s.status}`)).toEqual(["deactivate-source:done", "last-sync:done", "activate-destination:done", "wait-ready:failed"]);
    expect(resumed.steps.slice(0, 3).every((s) => s.endedAt! < resumedAt)).toBe(true);
    expect(resumed.steps[3]!.endedAt! > resumedAt).toBe(true);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toMatch(new RegExp(`^error: --resume: no failover "feed" of migration "shop" \\(unfinished: ${id}\\)`));
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toMatch(/fail back first/);
  });

  test("CronJobs fail over and back: RTO printed, migrations refused while failed over, both sides as they ran", async () => {
    const over = await lb(["failover", "jobs", "-y"]);
    expect(over.code, over.stderr).toBe(0);
    expect(over.stdout).toMatch(/^Failover of "jobs" done: it runs on b \(failover [0-9a-f-]{36}\)\.\nRTO: \d+(\.\d)?s \(from the start of the failover to the application Ready on b\)\n/);
    expect(over.stdout).toMatch(/^wait-ready +done +0 workload\(s\) Ready$/m);
    expect(over.stderr).toMatch(/^activate-destination: done, 1 workload\(s\) switched on$/m);
    expect(report(b)).toBe("false/");
    expect(report(a)).toBe("true/false");

    const [refused, twice, table] = await Promise.all([lb(["migration", "run", "jobs"]), lb(["failover", "jobs", "-y"]), lb(["migration", "get", "jobs"])]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: migration "jobs" is failed over: the application runs on b; fail back first\nhint: `lifeboat failback jobs` brings it back to a/);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^error: migration "jobs" is already failed over/);
    expect(table.stdout).toMatch(/^jobs +prod-dr +hourly +destination +\d+[sm] ago +- +- +FailedOver$/m);

    const back = await lbJson<SwitchJson>(["failback", "jobs", "-y"]);
    expect(back).toMatchObject({ status: "done", active: "source" });
    expect(back.steps.map((s) => `${s.name}:${s.status}`)).toEqual(["resync-back:done", "deactivate-destination:done", "final-sync-back:done", "activate-source:done", "wait-ready-source:done"]);
    expect(back.rtoSeconds).toBeGreaterThan(0);
    expect(report(a)).toBe("false/");
    expect(report(b)).toBe("true/false");
    const [list, described] = await Promise.all([
      lbJson<MigrationsJson>(["migration", "get"]),
      lbJson<{ active: string; failover: SwitchJson & { kind: string } }>(["migration", "describe", "jobs"]),
    ]);
    expect(list.migrations.map((m) => [m.name, m.active])).toEqual([["jobs", "source"], ["shop", "destination"]]);
    expect(described).toMatchObject({ active: "source", failover: { kind: "failover", status: "done" } });
    expect(described.failover.rtoSeconds).toBeGreaterThan(0);
  });

  test("pause and resume; a pair in use is not deleted; --help at every level", async () => {
    const paused = await lbJson<{ migration: { paused: boolean } }>(["migration", "pause", "jobs"]);
    expect(paused.migration.paused).toBe(true);
    const [status, inUse, rootHelp, groupHelp, scheduleHelp, failbackHelp] = await Promise.all([
      lbJson<MigrationsJson>(["migration", "get", "jobs"]),
      lb(["clusterpair", "delete", "prod-dr"]),
      lb(["--help"]),
      lb(["clusterpair"]),
      lb(["migration", "schedule", "--help"]),
      lb(["failback", "-h"]),
    ]);
    expect(status.migrations[0]!.status).toBe("Paused");
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/^error: ClusterPair "prod-dr" is used by the migration\(s\) shop, jobs\nhint: delete those first: /);
    expect(rootHelp.stdout).toMatch(/^ +failover +Fail a migration's application over/m);
    expect(groupHelp.stdout).toMatch(/^ +describe +Show a ClusterPair/m);
    expect(scheduleHelp.stdout).toMatch(/^Usage:\n {2}lifeboat migration schedule NAME --clusterpair PAIR --namespaces NS\[,NS…\] --policy POLICY/m);
    expect(failbackHelp.stdout).toMatch(/^Usage:\n {2}lifeboat failback MIGRATION \[--resume ID\]/m);
    expect([rootHelp.code, groupHelp.code, scheduleHelp.code, failbackHelp.code]).toEqual([0, 0, 0, 0]);

    const resumed = await lbJson<{ migration: { paused: boolean }; nextRun: string }>(["migration", "resume", "jobs"]);
    expect(resumed.migration.paused).toBe(false);
    expect((await lbJson<{ deleted: string }>(["clusterpair", "delete", "down"])).deleted).toBe("down");
  });
});
