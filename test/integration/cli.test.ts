// The `lifeboat` CLI as an admin runs it: `node bin/lifeboat.mjs …` as a child process, its state in
// a temporary LIFEBOAT_HOME, against a real API server (control plane only: ConfigMaps and Secrets,
// no pods), MinIO and a folder. Checks exit codes, that stdout under -o json is one JSON document,
// that failures say what is wrong and store nothing, and that a restore really lands in the cluster.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { startCluster, type TestCluster } from "../support/cluster";
import { startMinio, type MinioServer } from "../support/objectstores";
import { cliRunner } from "../support/cli";
import { fileLocationStore } from "../../main/locations/registry";
import { waitFor } from "../support/proc";

let cluster: TestCluster;
let minio: MinioServer;
let dir: string;
let home: string;
let bucket: string;

const { lb, lbJson } = cliRunner(() => home);

const SECRET_ENV = () => ({ MINIO_SECRET: minio.secretKey, REPO_PASSWORD: "correct horse battery staple" });
const minioFlags = () => ["--provider", "s3", "--endpoint", minio.endpoint, "--region", minio.region, "--bucket", bucket, "--access-key-id", minio.accessKey];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lifeboat-cli-"));
  home = join(dir, "home");
  [cluster, minio] = await Promise.all([startCluster({ name: "cli" }), startMinio()]);
  bucket = "cli-backups";
  const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  cluster.kubectl(["create", "namespace", "shop"]);
  await waitFor("the default service account", () => cluster.kubectl(["get", "sa", "default", "-n", "shop", "-o", "name"]).includes("default"));
  cluster.kubectl(["apply", "-f", "-"], JSON.stringify({
    apiVersion: "v1", kind: "List", items: [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "shop", name: "settings", labels: { app: "shop" } }, data: { mode: "prod", color: "blue" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "shop", name: "features", labels: { app: "shop" } }, data: { search: "on" } },
      { apiVersion: "v1", kind: "Secret", metadata: { namespace: "shop", name: "db", labels: { app: "shop" } }, type: "Opaque", stringData: { password: "s3cret" } },
    ],
  }));
});

afterAll(async () => {
  await Promise.all([cluster?.stop(), minio?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("bad input", () => {
  test("unknown commands and flags, missing or bad values: one clear line on stderr, a usage pointer, exit 2", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["frobnicate"], /^error: unknown command "frobnicate"/],
      [["backup", "create", "app", "--clustr", "x"], /^error: unknown flag --clustr \(did you mean --cluster\?\)/],
      [["backup", "create", "app", "--location", "l"], /^error: --cluster is required/],
      [["backup", "create", "--cluster", "c", "--location", "l"], /^error: missing NAME/],
      [["backup", "create", "app", "--cluster", "c", "--location", "l", "-l", "app in (a"], /^error: --selector: invalid label selector/],
      [["backup", "list", "--location"], /^error: --location needs a value/],
      [["cluster", "list", "-o", "yaml"], /^error: -o must be table or json, not "yaml"/],
      [["restore", "create", "--from-backup", "b", "--location", "l", "--cluster", "c", "--namespace-mappings", "shop"], /^error: --namespace-mappings: "shop" is not FROM:TO/],
      [["restore", "create", "--from-backup", "b", "--location", "l", "--cluster", "c", "--existing-resource-policy", "update"], /^error: --existing-resource-policy must be keep, replace, fail/],
      [["location", "add", "x", "--provider", "s3", "--path", "/tmp"], /^error: --path does not apply to --provider s3/],
      [["location", "add", "x", "--provider", "folder", "--path", "/tmp", "--password", "hunter2"], /^error: unknown flag --password \(did you mean --password-file\?\)/],
      [["location", "add", "x", "--provider", "folder", "--path", "/tmp", "--password-env", "LIFEBOAT_TEST_UNSET"], /^error: --password-env: the environment variable LIFEBOAT_TEST_UNSET is not set/],
      [["backup", "list", "--location", "nowhere"], /^error: no location named "nowhere"/],
    ];
    const rulesFile = join(dir, "rules.yaml");
    writeFileSync(rulesFile, "pre:\n  - podSelector: app=db\n    command: psql -c 'select 1'\n    onFailure: ignore\n");
    cases.push(
      [["backup", "create", "app", "--cluster", "c", "--location", "l", "--rules-file", rulesFile], /^error: --rules-file .*rules\.yaml: The backup rules are invalid:\n- pre\[0\]\.onFailure: onFailure must be "fail" or "continue"/],
      [["backup", "create", "app", "--cluster", "c", "--location", "l", "--rules-template", "oracle"], /^error: --rules-template must be one of postgresql, /],
      [["backup", "create", "app", "--cluster", "c", "--location", "l", "--rules-selector", "app=db"], /^error: --rules-selector goes with --rules-template/],
    );
    const runs = await Promise.all(cases.map(([args]) => lb(args)));
    runs.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect(r.code, `lifeboat ${args.join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/See 'lifeboat [a-z ]*--help' for usage\.\n$/);
      expect(r.stdout).toBe("");
    });
  });

  test("--help at every level goes to stdout with exit 0", async () => {
    const [top, group, cmd] = await Promise.all([lb(["--help"]), lb(["backup"]), lb(["location", "add", "-h"])]);
    expect([top.code, group.code, cmd.code]).toEqual([0, 0, 0]);
    expect(top.stdout).toMatch(/cluster +Add, list, test and remove clusters/);
    expect(group.stdout).toMatch(/create +Back up an application/);
    expect(cmd.stdout).toMatch(/--password-file FILE/);
    expect(cmd.stdout).toMatch(/shell history/);
  });
});

describe("clusters", () => {
  test("a malformed kubeconfig and an unreachable server are clear errors, and nothing is stored", async () => {
    const malformed = join(dir, "malformed.yaml");
    writeFileSync(malformed, "clusters: [unclosed");
    const unreachable = join(dir, "unreachable.yaml");
    writeFileSync(unreachable, cluster.kubeconfig.replace(/server: https:\/\/[^\s]+/, "server: https://127.0.0.1:1"));
    const [bad, down] = await Promise.all([lb(["cluster", "add", "bad", "--kubeconfig", malformed]), lb(["cluster", "add", "down", "--kubeconfig", unreachable])]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: .*malformed\.yaml is not a valid kubeconfig/);
    expect(bad.stderr).toMatch(/^hint: A kubeconfig is YAML/m);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: cannot reach https:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)\nhint: Check the address/);
    expect(await lbJson(["cluster", "list"])).toEqual({ clusters: [] });
  });

  test("add, list, test; a second cluster of the same name is refused", async () => {
    const kubeconfig = join(dir, "admin.yaml");
    writeFileSync(kubeconfig, cluster.kubeconfig);
    const added = await lb(["cluster", "add", "src", "--kubeconfig", kubeconfig]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Cluster "src" added: https:\/\/.* \(Kubernetes v1\.\d+\.\d+, linux\/\w+\).*all 8 access checks passed/);
    expect(statSync(join(home, "clusters.json")).mode & 0o777).toBe(0o600);

    const [list, tested, again] = await Promise.all([
      lbJson<{ clusters: Array<{ name: string; server: string; auth: string }> }>(["cluster", "list"]),
      lbJson<{ connection: { version: string; fullAccess: boolean } }>(["cluster", "test", "src"]),
      lb(["cluster", "add", "src", "--kubeconfig", kubeconfig]),
    ]);
    expect(list.clusters).toEqual([expect.objectContaining({ name: "src", server: cluster.server, auth: "client-certificate" })]);
    expect(list.clusters[0]).not.toHaveProperty("kubeconfig");
    expect(tested.connection).toMatchObject({ version: expect.stringMatching(/^v1\./), fullAccess: true });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/a cluster named "src" already exists/);
    const table = await lb(["cluster", "list"]);
    expect(table.stdout).toMatch(/^NAME +SERVER +CONTEXT +AUTH +AGE\nsrc +https:/);
  });
});

describe("locations", () => {
  test("a wrong secret key, a missing bucket, an unreachable endpoint: the location's error and hint, exit 1, nothing stored", async () => {
    const add = (o: { bucket?: string; endpoint?: string; secretEnv?: string }) => lb([
      "location", "add", "minio", "--provider", "s3", "--endpoint", o.endpoint ?? minio.endpoint, "--region", minio.region, "--bucket", o.bucket ?? bucket,
      "--access-key-id", minio.accessKey, "--secret-access-key-env", o.secretEnv ?? "MINIO_SECRET", "--password-env", "REPO_PASSWORD",
    ], { ...SECRET_ENV(), WRONG: "not-the-key" });
    const [wrongKey, noBucket, down] = await Promise.all([add({ secretEnv: "WRONG" }), add({ bucket: "no-such-bucket" }), add({ endpoint: "http://127.0.0.1:1" })]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/^error: Wrong access key or secret for s3:\/\/cli-backups .*\nhint: /);
    expect(noBucket.code).toBe(1);
    expect(noBucket.stderr).toMatch(/^error: .*no-such-bucket.*does not exist.*\nhint: /);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error: .*127\.0\.0\.1:1.*connection refused.*\nhint: /);
    expect(await lbJson(["location", "list"])).toEqual({ locations: [] });
  });

  test("add creates the repository (or opens it), list shows no secrets, verify probes again; a wrong password is refused", async () => {
    const passwordFile = join(dir, "password");
    writeFileSync(passwordFile, "correct horse battery staple\n");
    const folder = mkdtempSync(join(dir, "folder-"));
    const [s3, local] = await Promise.all([
      lbJson<{ created: boolean; location: { address: string } }>(["location", "add", "minio", ...minioFlags(), "--secret-access-key-env", "MINIO_SECRET", "--password-file", passwordFile], SECRET_ENV()),
      lbJson<{ created: boolean }>(["location", "add", "nas", "--provider", "folder", "--path", folder, "--password-env", "REPO_PASSWORD"], SECRET_ENV()),
    ]);
    expect(s3).toMatchObject({ created: true, location: { address: expect.stringContaining(`s3://${bucket}`) } });
    expect(local.created).toBe(true);
    expect(statSync(join(home, "locations.json")).mode & 0o777).toBe(0o600);
    // Sealed at rest: neither the storage key nor the repository password is in the file in clear.
    const sealed = readFileSync(join(home, "locations.json"), "utf8");
    expect(sealed).not.toContain(minio.secretKey);
    expect(sealed).not.toContain("correct horse battery staple");

    // The same bucket under another name: the repository is opened, not created; with a wrong password, refused.
    const [same, wrong] = await Promise.all([
      lbJson<{ created: boolean }>(["location", "add", "minio-again", ...minioFlags(), "--secret-access-key-env", "MINIO_SECRET", "--password-env", "REPO_PASSWORD"], SECRET_ENV()),
      lb(["location", "add", "minio-wrong", ...minioFlags(), "--secret-access-key-env", "MINIO_SECRET", "--password-env", "BAD_PASSWORD"], { ...SECRET_ENV(), BAD_PASSWORD: "guess" }),
    ]);
    expect(same.created).toBe(false);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: wrong password for the repository at s3:\/\//);

    const list = await lb(["location", "list", "-o", "json"]);
    expect(JSON.parse(list.stdout).locations.map((l: { name: string }) => l.name).sort()).toEqual(["minio", "minio-again", "nas"]);
    expect(list.stdout).not.toContain(minio.secretKey);
    expect(list.stdout).not.toContain("correct horse");

    const verified = await lb(["location", "verify", "minio"]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/Repository: +\w+ \(0 snapshots\)/);
    expect(verified.stdout).toMatch(/write +ok/);
  });
});

describe("backup and restore", () => {
  interface BackupJson { backup: { id: string; name: string; counts: { objects: number }; volumes: boolean }; excluded: Array<{ kind: string; name: string; reason: string }>; warnings: string[] }

  test("backup create, list, describe (-o json and tables)", async () => {
    const [created, human] = await Promise.all([
      lbJson<BackupJson>(["backup", "create", "shop", "--cluster", "src", "--location", "minio", "--include-namespaces", "shop", "--no-volumes"]),
      lb(["backup", "create", "shop-config", "--cluster", "src", "--location", "nas", "--include-namespaces", "shop", "--include-resources", "configmap", "-l", "app=shop", "--snapshot-volumes=false"]),
    ]);
    // For people: the summary on stdout, the steps on stderr (no progress redraws: stderr is no terminal).
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^Backup "shop-config" completed: snapshot [0-9a-f]+\n +\d+ objects \(\d+ excluded\), 0 volume\(s\); read \d+/);
    expect(human.stderr).toMatch(/^resources: shop\n(.*\n)*commit\n/m);
    expect(human.stderr).not.toContain("\r");
    expect(created.backup).toMatchObject({ name: "shop", volumes: false });
    expect(created.backup.counts.objects).toBeGreaterThanOrEqual(4); // 2 ConfigMaps, a Secret, the namespace's ServiceAccount (and the Namespace)
    expect(created.excluded).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "ConfigMap", name: "kube-root-ca.crt" })]));

    const [list, described, details] = await Promise.all([
      lbJson<{ backups: Array<{ id: string; name: string }> }>(["backup", "list", "--location", "minio"]),
      lbJson<{ objectsByKind: Record<string, number>; excluded: unknown[] }>(["backup", "describe", "shop", "--location", "minio"]),
      lb(["backup", "describe", created.backup.id.slice(0, 8), "--location", "minio", "--details"]),
    ]);
    expect(list.backups).toEqual([expect.objectContaining({ id: created.backup.id, name: "shop" })]);
    expect(described.objectsByKind).toMatchObject({ ConfigMap: 2, Secret: 1 });
    expect(details.code, details.stderr).toBe(0);
    expect(details.stdout).toMatch(/^Name: +shop$/m);
    expect(details.stdout).toMatch(/^Left out \(\d+\):\n +OBJECT +REASON\n(.*\n)* +ConfigMap\/shop\/kube-root-ca\.crt +published into every namespace/m);
    expect(details.stdout).toMatch(/^ +ConfigMap +shop +settings +\d+ B$/m);
  });

  test("restore create into a new namespace: the objects are there; restore describe and list read the record", async () => {
    const r = await lb(["restore", "create", "shop-copy", "--from-backup", "shop", "--location", "minio", "--cluster", "src", "--namespace-mappings", "shop:shop-copy"]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Restore "shop-copy" \(\w+\) Completed: \d+ created/);
    expect(cluster.kubectl(["get", "configmap", "settings", "-n", "shop-copy", "-o", "jsonpath={.data.mode}/{.data.color}"])).toBe("prod/blue");
    expect(Buffer.from(cluster.kubectl(["get", "secret", "db", "-n", "shop-copy", "-o", "jsonpath={.data.password}"]), "base64").toString()).toBe("s3cret");

    const [described, listed] = await Promise.all([
      lbJson<{ restore: { status: string; counts: { created: number; failed: number }; items: Array<{ kind: string; name: string; namespace?: string; action: string }> } }>(["restore", "describe", "shop-copy"]),
      lb(["restore", "list"]),
    ]);
    expect(described.restore.status).toBe("Completed");
    expect(described.restore.counts.failed).toBe(0);
    expect(described.restore.items).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "ConfigMap", namespace: "shop-copy", name: "features", action: "created" })]));
    expect(listed.stdout).toMatch(/^NAME +ID +STATUS +BACKUP.*\nshop-copy +\w+ +Completed +shop \(/);
  });

  test("a restore that cannot complete (the objects exist, policy fail) exits 1 with the summary, and is recorded", async () => {
    const r = await lb(["restore", "create", "--from-backup", "shop", "--location", "minio", "--cluster", "src", "--namespace-mappings", "shop:shop-copy", "--existing-resource-policy", "fail"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Restore "shop-\d{14}" \(\w+\) Failed: 0 created, 0 replaced, \d+ kept, \d+ failed/);
    expect(r.stdout).toMatch(/^Failed \(\d+\):\n +OBJECT +ACTION +REASON\n(.*\n)* +ConfigMap\/shop-copy\/settings +failed +/m);
    const name = /Restore "([^"]+)"/.exec(r.stdout)![1]!;
    const described = await lbJson<{ restore: { status: string; request: { existing: string } } }>(["restore", "describe", name]);
    expect(described.restore).toMatchObject({ status: "Failed", request: { existing: "fail" } });
  });

  test("backup delete needs --confirm without a terminal, then frees the backup", async () => {
    const refused = await lb(["backup", "delete", "shop", "--location", "minio"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: deleting a backup needs --confirm/);

    const deleted = await lbJson<{ deleted: { name: string }; prune: { packsDeleted: number; packsTooYoung: number } | null }>(["backup", "delete", "shop", "--location", "minio", "--confirm"]);
    expect(deleted.deleted.name).toBe("shop");
    // The packs were written moments ago: prune's safety margin keeps them for a later delete.
    expect(deleted.prune).toMatchObject({ packsDeleted: 0, packsTooYoung: expect.any(Number) });
    expect(await lbJson(["backup", "list", "--location", "minio"])).toEqual({ backups: [] });
    const missing = await lb(["backup", "describe", "shop", "--location", "minio"]);
    expect(missing.code).toBe(2); // a reference to nothing is bad input
    expect(missing.stderr).toMatch(/^error: no backup "shop" in this location \(it has 0 backup\(s\)\)/);
    // locations.json is sealed by the vault: read it through the store, as the engine does.
    expect(fileLocationStore(home).load().map((l) => l.name)).toContain("minio");
  });
});
