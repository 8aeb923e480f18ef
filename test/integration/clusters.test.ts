// Adding clusters from kubeconfigs against a real API server: client certificates, tokens and exec
// credential plugins work; the connection test reports the version and which backup/restore
// actions the credentials allow; malformed kubeconfigs, unknown contexts, unreachable servers,
// untrusted certificates, rejected tokens and failing plugins each get their own clear error.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { testConnection } from "../../main/clusters/connection";
import { contextsOf, extractContext, loadKubeconfig, ClusterError } from "../../main/clusters/kubeconfig";
import { ClusterRegistry, fileClusterStore } from "../../main/clusters/registry";
import { discoverKinds, inventory } from "../../main/clusters/inventory";
import { KUBERNETES_VERSION } from "../../scripts/testenv/pins";
import { startCluster, type TestCluster } from "../support/cluster";

let cluster: TestCluster;
let dir: string;
let viewerToken: string;

function kubeconfigWithUser(user: Record<string, unknown>, server = cluster.server, caData?: string): string {
  const ca = caData ?? loadKubeconfig(cluster.kubeconfig, "admin").getCurrentCluster()!.caData!;
  return JSON.stringify({
    apiVersion: "v1", kind: "Config", "current-context": "ctx",
    clusters: [{ name: "c", cluster: { server, "certificate-authority-data": ca } }],
    users: [{ name: "u", user }],
    contexts: [{ name: "ctx", context: { cluster: "c", user: "u" } }],
  });
}

async function expectClusterError(p: Promise<unknown> | (() => unknown), code: string, pattern?: RegExp): Promise<ClusterError> {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, `expected a ClusterError ${code}`).toBeInstanceOf(ClusterError);
  expect((err as ClusterError).code).toBe(code);
  if (pattern) expect((err as ClusterError).message).toMatch(pattern);
  return err as ClusterError;
}

beforeAll(async () => {
  cluster = await startCluster({ name: "registry" });
  dir = mkdtempSync(join(tmpdir(), "lifeboat-clusters-"));
  cluster.kubectl(["create", "serviceaccount", "viewer", "-n", "default"]);
  cluster.kubectl(["create", "clusterrolebinding", "viewer-view", "--clusterrole=view", "--serviceaccount=default:viewer"]);
  viewerToken = cluster.kubectl(["create", "token", "viewer", "-n", "default", "--duration=1h"]).trim();
});

afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("kubeconfigs", () => {
  test("contexts are listed with their server and how they authenticate", () => {
    const kc = loadKubeconfig(cluster.kubeconfig, "admin kubeconfig");
    expect(contextsOf(kc, "admin")).toEqual([expect.objectContaining({ name: "registry", server: cluster.server, auth: "client-certificate" })]);
    const exec = loadKubeconfig(kubeconfigWithUser({ exec: { apiVersion: "client.authentication.k8s.io/v1", command: "aws", args: ["eks", "get-token"] } }), "eks");
    expect(contextsOf(exec, "eks")[0]).toMatchObject({ auth: "exec-plugin", execCommand: "aws" });
  });

  test("malformed kubeconfigs and unknown contexts are clear errors", async () => {
    await expectClusterError(() => loadKubeconfig("clusters: [unclosed", "pasted kubeconfig"), "malformed-kubeconfig", /pasted kubeconfig is not a valid kubeconfig/);
    await expectClusterError(() => loadKubeconfig("  \n", "pasted kubeconfig"), "malformed-kubeconfig", /is empty/);
    await expectClusterError(() => loadKubeconfig(JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [], users: [], contexts: [] }), "f"), "malformed-kubeconfig", /defines no contexts/);
    const dangling = JSON.parse(kubeconfigWithUser({ token: "x" })) as { contexts: Array<{ context: { user: string } }> };
    dangling.contexts[0]!.context.user = "nobody";
    await expectClusterError(() => contextsOf(loadKubeconfig(JSON.stringify(dangling), "f"), "f"), "malformed-kubeconfig", /names user "nobody", which is not defined/);
    await expectClusterError(() => extractContext(loadKubeconfig(cluster.kubeconfig, "admin"), "prod", "admin"), "unknown-context", /no context "prod" \(it has: registry\)/);
  });

  test("an extracted context is self-contained: certificate files are inlined", async () => {
    const admin = loadKubeconfig(cluster.kubeconfig, "admin");
    const user = admin.getCurrentUser()!;
    const certFile = join(dir, "client.crt");
    const keyFile = join(dir, "client.key");
    writeFileSync(certFile, Buffer.from(user.certData!, "base64"));
    writeFileSync(keyFile, Buffer.from(user.keyData!, "base64"));
    const withFiles = JSON.parse(kubeconfigWithUser({ "client-certificate": certFile, "client-key": keyFile })) as object;
    const stored = extractContext(loadKubeconfig(JSON.stringify(withFiles), "file"), "ctx", "file");
    rmSync(certFile);
    rmSync(keyFile);
    const report = await testConnection(loadKubeconfig(stored, "stored"));
    expect(report.version).toBe(KUBERNETES_VERSION);
  });
});

describe("connection test", () => {
  test("client certificates: version, and full access for an admin", async () => {
    const report = await testConnection(loadKubeconfig(cluster.kubeconfig, "admin"));
    expect(report).toMatchObject({ server: cluster.server, version: KUBERNETES_VERSION, fullAccess: true });
    expect(report.checks.length).toBeGreaterThan(5);
  });

  test("a read-only token connects, and the report says backup may read but restore may not write", async () => {
    const report = await testConnection(loadKubeconfig(kubeconfigWithUser({ token: viewerToken }), "viewer"), { namespace: "default" });
    expect(report.fullAccess).toBe(false);
    const allowed = (purpose: RegExp) => report.checks.find((c) => purpose.test(c.purpose))!.allowed;
    expect(allowed(/create every kind/)).toBe(false);
    expect(allowed(/create namespaces/)).toBe(false);
  });

  test("an exec credential plugin (as EKS, AKS and GKE kubeconfigs use) issues the token", async () => {
    const plugin = join(dir, "issue-token.sh");
    writeFileSync(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${viewerToken}"}}'\n`);
    chmodSync(plugin, 0o755);
    const kc = loadKubeconfig(kubeconfigWithUser({ exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, interactiveMode: "Never" } }), "exec");
    expect((await testConnection(kc)).version).toBe(KUBERNETES_VERSION);
  });

  test("a failing exec plugin, a rejected token, an untrusted certificate and an unreachable server", async () => {
    const failing = join(dir, "fail.sh");
    writeFileSync(failing, "#!/bin/sh\necho 'error: not logged in to the cloud' >&2\nexit 1\n");
    chmodSync(failing, 0o755);
    await expectClusterError(testConnection(loadKubeconfig(kubeconfigWithUser({ exec: { apiVersion: "client.authentication.k8s.io/v1", command: failing, interactiveMode: "Never" } }), "exec")), "exec-plugin", /credential plugin .*fail.sh\) failed: error: not logged in to the cloud/);
    await expectClusterError(testConnection(loadKubeconfig(kubeconfigWithUser({ token: "not-a-token" }), "bad")), "unauthorized", /did not accept these credentials/);

    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(dir, "other.key"), "-out", join(dir, "other.crt"), "-subj", "/CN=other", "-days", "1"], { stdio: "ignore" });
    const otherCa = readFileSync(join(dir, "other.crt")).toString("base64");
    await expectClusterError(testConnection(loadKubeconfig(kubeconfigWithUser({ token: viewerToken }, cluster.server, otherCa), "wrong-ca")), "tls", /not trusted/);

    await expectClusterError(testConnection(loadKubeconfig(kubeconfigWithUser({ token: viewerToken }, "https://127.0.0.1:1"), "down"), { timeoutMs: 10_000 }), "unreachable", /cannot reach https:\/\/127\.0\.0\.1:1/);
  });
});

test("KubeConfig round trip keeps the exec plugin definition", () => {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigWithUser({ exec: { apiVersion: "client.authentication.k8s.io/v1", command: "gke-gcloud-auth-plugin" } }));
  const stored = extractContext(kc, "ctx", "gke");
  expect(contextsOf(loadKubeconfig(stored, "stored"), "stored")[0]).toMatchObject({ auth: "exec-plugin", execCommand: "gke-gcloud-auth-plugin" });
});

describe("cluster registry", () => {
  test("adds from pasted text, a file and the default kubeconfig; lists without credentials; persists", async () => {
    const storeDir = join(dir, "engine-data");
    const registry = new ClusterRegistry(fileClusterStore(storeDir));
    const { cluster: pasted, report } = await registry.add({ kind: "text", text: cluster.kubeconfig }, { name: "prod" });
    expect(report.version).toBe(KUBERNETES_VERSION);
    expect(pasted).toMatchObject({ name: "prod", server: cluster.server, context: "registry", auth: "client-certificate" });

    const file = join(dir, "viewer.kubeconfig");
    writeFileSync(file, kubeconfigWithUser({ token: viewerToken }));
    await registry.add({ kind: "file", path: file });

    const previous = process.env.KUBECONFIG;
    process.env.KUBECONFIG = file;
    try {
      expect(registry.defaultContexts().map((c) => c.name)).toEqual(["ctx"]);
      await registry.add({ kind: "default-kubeconfig", context: "ctx" }, { name: "from-default" });
    } finally {
      if (previous === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = previous;
    }

    const listed = registry.list();
    expect(listed.map((c) => c.name)).toEqual(["prod", "ctx", "from-default"]);
    expect(JSON.stringify(listed)).not.toContain(viewerToken);
    expect(JSON.stringify(listed)).not.toMatch(/client-key-data|certificate-authority-data/);
    expect(listed[0]!.credentialFingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);

    // A fresh engine over the same data directory sees the same clusters, credentials included.
    const reloaded = new ClusterRegistry(fileClusterStore(storeDir));
    expect((await testConnection(reloaded.kubeConfig(listed[0]!.id))).fullAccess).toBe(true);
    expect(statSync(join(storeDir, "clusters.json")).mode & 0o777).toBe(0o600);

    await expectClusterError(registry.add({ kind: "text", text: cluster.kubeconfig }, { name: "prod" }), "other", /already exists/);
    await expectClusterError(registry.add({ kind: "file", path: join(dir, "missing") }), "malformed-kubeconfig", /no such file/);
    // A cluster that fails its connection test is not added.
    await expectClusterError(registry.add({ kind: "text", text: kubeconfigWithUser({ token: "nope" }) }, { name: "bad" }), "unauthorized");
    expect(registry.list().map((c) => c.name)).not.toContain("bad");
    registry.remove(listed[1]!.id);
    expect(reloaded.list().map((c) => c.name)).toEqual(["prod", "from-default"]);
  });
});

describe("inventory", () => {
  const manifest = (objects: object[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items: objects });
  const configMap = (ns: string, name: string, labels: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: ns, name, labels }, data: { k: name } });

  beforeAll(() => {
    cluster.kubectl(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition",
      metadata: { name: "widgets.example.com" },
      spec: { group: "example.com", scope: "Namespaced", names: { plural: "widgets", singular: "widget", kind: "Widget" },
        versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }] },
    }));
    cluster.kubectl(["wait", "--for=condition=Established", "crd/widgets.example.com", "--timeout=30s"]);
    cluster.kubectl(["create", "namespace", "shop"]);
    cluster.kubectl(["create", "namespace", "other"]);
    cluster.kubectl(["apply", "-f", "-"], manifest([
      configMap("shop", "a", { app: "shop", tier: "web" }), configMap("shop", "b", { app: "shop", tier: "db" }), configMap("shop", "c", { app: "shop" }),
      configMap("shop", "unrelated", { app: "blog" }), configMap("other", "a", { app: "shop" }),
      { apiVersion: "example.com/v1", kind: "Widget", metadata: { namespace: "shop", name: "w1", labels: { app: "shop" } }, spec: { size: 3 } },
    ]));
  });

  test("discovery finds built-in and custom kinds at their preferred versions", async () => {
    const kinds = await discoverKinds(cluster.kubeConfig());
    const find = (kind: string) => kinds.find((k) => k.kind === kind);
    expect(find("Widget")).toMatchObject({ apiVersion: "example.com/v1", plural: "widgets", namespaced: true });
    expect(find("Deployment")).toMatchObject({ apiVersion: "apps/v1", namespaced: true });
    expect(find("ConfigMap")).toMatchObject({ apiVersion: "v1" });
    expect(find("PersistentVolume")).toMatchObject({ namespaced: false });
  });

  test("resources by kind in chosen namespaces, filtered by a label selector, with counts", async () => {
    const inv = await inventory(cluster.kubeConfig(), { namespaces: ["shop"], labelSelector: "app=shop" });
    expect(inv.kinds.map((k) => [k.kind, k.count])).toEqual([["ConfigMap", 3], ["Widget", 1]]);
    expect(inv.total).toBe(4);
    const set = await inventory(cluster.kubeConfig(), { namespaces: ["shop", "other"], labelSelector: "app in (shop), tier notin (db)" });
    expect(set.kinds.find((k) => k.kind === "ConfigMap")!.items.map((i) => `${i.namespace}/${i.name}`).sort()).toEqual(["other/a", "shop/a", "shop/c"]);
    const everywhere = await inventory(cluster.kubeConfig(), { labelSelector: "app=shop" });
    expect(everywhere.total).toBe(5);
  });

  test("an invalid selector and an unknown namespace are clear errors", async () => {
    await expect(inventory(cluster.kubeConfig(), { labelSelector: "app in shop" })).rejects.toThrow(/invalid label selector "app in shop" at position 1: .*parentheses/);
    await expect(inventory(cluster.kubeConfig(), { namespaces: ["shopp"] })).rejects.toThrow(/unknown namespace shopp .*\(it has: .*shop/);
  });

  test("a namespace with 5,000 objects", async () => {
    cluster.kubectl(["create", "namespace", "big"]);
    for (let batch = 0; batch < 5; batch++) {
      cluster.kubectl(["create", "-f", "-"], manifest(Array.from({ length: 1000 }, (_, i) => configMap("big", `cm-${batch}-${i}`, { app: "big", batch: String(batch) }))));
    }
    const started = performance.now();
    const inv = await inventory(cluster.kubeConfig(), { namespaces: ["big"] });
    const seconds = (performance.now() - started) / 1000;
    console.log(`[inventory] ${inv.total} objects in one namespace listed in ${seconds.toFixed(2)} s`);
    expect(inv.kinds.find((k) => k.kind === "ConfigMap")!.count).toBe(5001); // + kube-root-ca.crt
    expect((await inventory(cluster.kubeConfig(), { namespaces: ["big"], labelSelector: "batch=3" })).total).toBe(1000);
  });
});
