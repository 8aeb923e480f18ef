// The engine host behind the desktop app and served mode, through the contract as the UI calls it,
// against a real API server (control plane: ConfigMaps and Secrets) and MinIO. Checks that bad
// input gets a stable code and a clear message and stores nothing, that no response and no file at
// rest carries a secret, that backups and restores run as jobs whose events reach 100%, that a
// cancelled backup commits nothing, and that rules, policies and schedules say where they are used.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { ApiEvents, CallName, CallRequest, CallResponse, JobView } from "../../shared/api";
import { createEngineHost, toApiError, type EngineHost } from "../../main/api/engine-host";
import { keyFileVault } from "../../main/vault/index";
import { startCluster, type TestCluster } from "../support/cluster";
import { startMinio, type MinioServer } from "../support/objectstores";
import { waitFor } from "../support/proc";

let cluster: TestCluster;
let minio: MinioServer;
let dir: string;
let engine: EngineHost;
const responses: string[] = [];
const events: Array<{ event: string; payload: unknown }> = [];
const REPO_PASSWORD = "correct horse battery staple";

async function call<C extends CallName>(name: C, request: CallRequest<C>): Promise<CallResponse<C>> {
  const result = (await engine.handle(name, request)) as CallResponse<C>;
  responses.push(JSON.stringify(result));
  return result;
}

async function failure(name: string, request: unknown) {
  try {
    await engine.handle(name, request);
  } catch (err) {
    return toApiError(err);
  }
  throw new Error(`${name} succeeded`);
}

const minioConfig = (bucket: string, secretAccessKey = minio.secretKey) => ({
  kind: "s3" as const, endpoint: minio.endpoint, region: minio.region, bucket, accessKeyId: minio.accessKey, secretAccessKey, forcePathStyle: true,
});

async function finished(jobId: string): Promise<JobView> {
  return engine.jobs.wait(jobId);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lifeboat-host-"));
  [cluster, minio] = await Promise.all([startCluster({ name: "host" }), startMinio()]);
  const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  await s3.send(new CreateBucketCommand({ Bucket: "host-backups" }));
  s3.destroy();
  cluster.kubectl(["create", "namespace", "shop"]);
  await waitFor("the default service account", () => cluster.kubectl(["get", "sa", "default", "-n", "shop", "-o", "name"]).includes("default"));
  const items = [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "shop", name: "settings", labels: { app: "shop" } }, data: { mode: "prod" } },
    { apiVersion: "v1", kind: "Secret", metadata: { namespace: "shop", name: "db", labels: { app: "shop" } }, type: "Opaque", stringData: { password: "s3cret" } },
  ];
  // Enough objects that a backup is still running when it is cancelled.
  for (let i = 0; i < 300; i++) items.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "shop", name: `bulk-${i}`, labels: { app: "bulk" } }, data: { mode: "x".repeat(2000) } });
  cluster.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  engine = createEngineHost({ host: "served", dataDir: join(dir, "data"), vault: keyFileVault(join(dir, "data")), version: "1.2.3" });
  engine.subscribe((event, payload) => events.push({ event, payload }));
});

afterAll(async () => {
  await engine?.close();
  await Promise.all([cluster?.stop(), minio?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the engine host", () => {
  test("first run: an embedded folder location is ready, and app.info says where state lives and how secrets are sealed", async () => {
    const info = await call("app.info", {});
    expect(info).toMatchObject({ version: "1.2.3", host: "served", vault: "key-file", dataDir: join(dir, "data") });
    const first = await call("app.firstRun", {});
    expect(first.needed).toBe(true);
    expect(first.defaultLocation).toBe("local");
    const done = await call("app.completeFirstRun", { importContexts: ["no-such-context"] });
    expect(done.failed).toEqual([expect.objectContaining({ context: "no-such-context" })]);
    expect((await call("app.firstRun", {})).needed).toBe(false);
    const locations = await call("locations.list", {});
    expect(locations).toEqual([expect.objectContaining({ name: "local", kind: "folder", embedded: true })]);
  });

  test("bad requests are refused with a field, before the engine sees them", async () => {
    expect(await failure("locations.add", { name: "x", config: { kind: "s3" }, password: "" })).toMatchObject({ code: "invalid-request", field: "password" });
    expect(await failure("backups.start", { name: "Not A Name", cluster: "c", locations: ["l"] })).toMatchObject({ code: "invalid-request", field: "name" });
    expect(await failure("clusters.add", { source: { kind: "nope" } })).toMatchObject({ code: "invalid-request" });
    expect(await failure("dr.failover", { migration: "m" })).toMatchObject({ code: "invalid-request", field: "confirm" });
    expect(await failure("no.such.call", {})).toMatchObject({ code: "unknown-call" });
  });

  test("clusters: a malformed or unreachable kubeconfig is refused with its code and nothing is stored; a good one is tested and kept", async () => {
    expect(await failure("clusters.add", { source: { kind: "text", text: "apiVersion: v1\nkind: Config\nclusters: [" } })).toMatchObject({ code: "invalid-request" });
    const unreachable = cluster.kubeconfig.replace(cluster.server, "https://127.0.0.1:1");
    expect(await failure("clusters.add", { source: { kind: "text", text: unreachable }, name: "down" })).toMatchObject({ code: "unreachable" });
    expect(await call("clusters.list", {})).toEqual([]);

    const contexts = await call("clusters.contexts", { source: { kind: "text", text: cluster.kubeconfig } });
    expect(contexts.contexts.length).toBeGreaterThan(0);
    const added = await call("clusters.add", { source: { kind: "text", text: cluster.kubeconfig }, name: "prod" });
    expect(added.report.fullAccess).toBe(true);
    expect(added.cluster.credentialFingerprint).toMatch(/^sha256:/);
    expect(events.some((e) => e.event === "state.changed" && (e.payload as ApiEvents["state.changed"]).topic === "clusters")).toBe(true);
    expect((await call("clusters.test", { name: "prod" })).version).toMatch(/^v1\./);
    expect(await failure("clusters.test", { name: "nope" })).toMatchObject({ code: "not-found" });
  });

  test("inventory: namespaces and resources by kind with a label filter; an invalid selector is the admin's to fix", async () => {
    expect((await call("inventory.namespaces", { cluster: "prod" })).map((n) => n.name)).toContain("shop");
    const inv = await call("inventory.resources", { cluster: "prod", namespaces: ["shop"], labelSelector: "app=shop" });
    expect(inv.kinds.find((k) => k.kind === "ConfigMap")?.items.map((i) => i.name)).toEqual(["settings"]);
    expect(await failure("inventory.resources", { cluster: "prod", namespaces: ["shop"], labelSelector: "app in (a" })).toMatchObject({ code: "invalid-request" });
  });

  test("locations: wrong keys are code auth and store nothing; a good one is validated, and a missing bucket can be created", async () => {
    const wrong = await failure("locations.add", { name: "minio", config: minioConfig("host-backups", "wrong-secret"), password: REPO_PASSWORD });
    expect(wrong.code).toBe("auth");
    expect((await call("locations.list", {})).map((l) => l.name)).toEqual(["local"]);
    const missing = await failure("locations.add", { name: "minio", config: minioConfig("not-there"), password: REPO_PASSWORD });
    expect(missing.code).toBe("not-found");

    const added = await call("locations.add", { name: "minio", config: minioConfig("host-backups"), password: REPO_PASSWORD });
    expect(added.validation.steps.map((s) => s.step)).toEqual(["write", "read", "list", "delete"]);
    expect(added.created).toBe(true);
    const created = await call("locations.add", { name: "fresh", config: minioConfig("made-by-lifeboat"), password: REPO_PASSWORD, createContainer: true });
    expect(created.created).toBe(true);
    expect((await call("locations.verify", { name: "minio" })).location.health).toMatchObject({ ok: true });
  });

  test("a backup runs as a job whose events reach 100%, then lists with its catalog; a restore to a new namespace lands", async () => {
    const { jobs } = await call("backups.start", { name: "shop", cluster: "prod", namespaces: ["shop"], labelSelector: "app=shop", locations: ["minio", "local"] });
    expect(jobs).toHaveLength(2);
    const ended = await Promise.all(jobs.map((j) => finished(j.jobId)));
    expect(ended.map((j) => j.state)).toEqual(["succeeded", "succeeded"]);
    const updates = events.filter((e) => e.event === "job.updated" && (e.payload as JobView).id === jobs[0]!.jobId).map((e) => e.payload as JobView);
    expect(updates[0]!.state).toBe("running");
    expect(updates.at(-1)).toMatchObject({ state: "succeeded", progress: { percent: 100 } });
    expect(events.some((e) => e.event === "job.log" && (e.payload as { jobId: string }).jobId === jobs[0]!.jobId)).toBe(true);

    const { backups, errors } = await call("backups.list", {});
    expect(errors).toEqual([]);
    expect(backups.map((b) => b.location).sort()).toEqual(["local", "minio"]);
    const backup = backups.find((b) => b.location === "minio")!;
    const details = await call("backups.describe", { location: "minio", id: backup.id });
    expect(details.catalog.map((e) => `${e.kind}/${e.name}`).sort()).toEqual(expect.arrayContaining(["ConfigMap/settings", "Secret/db"]));

    const { jobId, restoreId } = await call("restores.start", { location: "minio", backupId: backup.id, cluster: "prod", namespaceMap: { shop: "shop-copy" } });
    expect((await finished(jobId)).state).toBe("succeeded");
    const restore = await call("restores.describe", { id: restoreId });
    expect(restore.status).toBe("Completed");
    expect(restore.items?.find((i) => i.kind === "ConfigMap" && i.name === "settings")).toMatchObject({ namespace: "shop-copy", action: "created" });
    expect(cluster.kubectl(["get", "configmap", "settings", "-n", "shop-copy", "-o", "jsonpath={.data.mode}"])).toBe("prod");
    expect((await call("restores.list", {}))[0]).toMatchObject({ id: restoreId, status: "Completed" });
  });

  test("a cancelled backup ends cancelled and commits nothing", async () => {
    const before = (await call("backups.list", { location: "minio" })).backups.length;
    const { jobs } = await call("backups.start", { name: "bulk", cluster: "prod", namespaces: ["shop"], locations: ["minio"] });
    await call("jobs.cancel", { id: jobs[0]!.jobId });
    const job = await finished(jobs[0]!.jobId);
    expect(job.state).toBe("cancelled");
    expect((await call("backups.list", { location: "minio" })).backups.length).toBe(before);
    expect((await call("jobs.log", { id: job.id })).log.map((l) => l.message)).toContain("cancel requested");
  });

  test("rules, policies and schedules: saved, listed with where they are used, and not deleted while in use", async () => {
    const template = await call("rules.template", { template: "postgresql", podSelector: "app=db" });
    expect(template.pre.length).toBeGreaterThan(0);
    expect(await failure("rules.save", { name: "broken", rules: { pre: [{ podSelector: "", command: "x" }] } })).toMatchObject({ code: "invalid-request" });
    await call("rules.save", { name: "pg", rules: template, template: "postgresql" });
    await call("policies.save", { policy: { name: "hourly", kind: "interval", minutes: 60, keep: 3 } });
    expect(await failure("policies.save", { policy: { name: "bad", kind: "daily", times: ["25:00"], keep: 1 } })).toMatchObject({ code: "invalid-request" });
    const schedule = await call("schedules.create", { name: "shop-hourly", cluster: "prod", namespaces: ["shop"], policy: "hourly", locations: ["minio", "local"], rules: "pg" });
    expect(schedule.nextRunAt).toBeDefined();
    expect((await call("rules.list", {})).rules.find((r) => r.name === "pg")?.usedBy).toEqual(["schedule shop-hourly"]);
    expect((await call("policies.list", {})).find((p) => p.policy.name === "hourly")).toMatchObject({ usedBy: ["shop-hourly"], description: expect.stringContaining("60") });
    expect(await failure("policies.remove", { name: "hourly" })).toMatchObject({ code: "invalid-request", message: expect.stringContaining("shop-hourly") });
    expect(await failure("rules.remove", { name: "pg" })).toMatchObject({ code: "invalid-request" });
    expect(await failure("locations.remove", { name: "minio" })).toMatchObject({ code: "conflict" });
    expect((await call("schedules.pause", { name: "shop-hourly", paused: true })).paused).toBe(true);
    await call("schedules.remove", { name: "shop-hourly" });
    await call("policies.remove", { name: "hourly" });
    await call("rules.remove", { name: "pg" });
  });

  test("first run on a machine with a kubeconfig: its contexts are offered and imported after a connection test", async () => {
    const dataDir = join(dir, "data-import");
    const fresh = createEngineHost({ host: "served", dataDir, vault: keyFileVault(dataDir) });
    const previous = process.env.KUBECONFIG;
    process.env.KUBECONFIG = cluster.kubeconfigPath;
    try {
      const first = (await fresh.handle("app.firstRun", {})) as CallResponse<"app.firstRun">;
      expect(first.needed).toBe(true);
      expect(first.contexts.map((c) => c.server)).toContain(cluster.server);
      const done = (await fresh.handle("app.completeFirstRun", { importContexts: [first.contexts[0]!.name] })) as CallResponse<"app.completeFirstRun">;
      expect(done.failed).toEqual([]);
      expect(done.added.map((c) => c.server)).toEqual([cluster.server]);
      expect((await fresh.handle("clusters.list", {})) as unknown[]).toHaveLength(1);
    } finally {
      process.env.KUBECONFIG = previous;
      await fresh.close();
    }
  });

  test("no response and no file at rest holds a secret", () => {
    const secrets = [minio.secretKey, REPO_PASSWORD, "s3cret"];
    const keyData = /client-key-data: (\S+)/.exec(cluster.kubeconfig)?.[1];
    expect(keyData).toBeDefined();
    secrets.push(keyData!.slice(0, 40));
    for (const r of responses) for (const s of secrets) expect(r.includes(s), `a response holds a secret: ${r.slice(0, 200)}`).toBe(false);
    const data = join(dir, "data");
    for (const f of readdirSync(data).filter((f) => f.endsWith(".json"))) {
      const text = readFileSync(join(data, f), "utf8");
      for (const s of [minio.secretKey, REPO_PASSWORD, keyData!.slice(0, 40)]) expect(text.includes(s), `${f} holds a secret in clear`).toBe(false);
    }
  });
});
