// Kubeconfigs as admins bring them: a file, pasted text, or their default kubeconfig's contexts.
// Parsing is done by @kubernetes/client-node; this adds clear errors and a per-context view, and
// extracts one context into a self-contained kubeconfig the engine keeps (files inlined).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Agent } from "node:https";
import { KubeConfig, type Cluster, type User } from "@kubernetes/client-node";

export type AuthMethod = "client-certificate" | "token" | "exec-plugin" | "auth-provider" | "basic" | "none";

export interface KubeContext {
  name: string;
  cluster: string;
  user: string;
  server: string;
  namespace?: string;
  auth: AuthMethod;
  /** For exec plugins (EKS, AKS, GKE): the command that issues credentials. */
  execCommand?: string;
}

export type ClusterErrorCode =
  | "malformed-kubeconfig"
  | "unknown-context"
  | "unknown-namespace"
  | "unknown-kind"
  | "unreachable"
  | "tls"
  | "unauthorized"
  | "forbidden"
  | "exec-plugin"
  | "timeout"
  | "other";

export class ClusterError extends Error {
  constructor(readonly code: ClusterErrorCode, message: string, readonly hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ClusterError";
  }
}

export function authMethod(user: User | null): AuthMethod {
  if (!user) return "none";
  if (user.exec) return "exec-plugin";
  if (user.authProvider) return "auth-provider";
  if (user.token) return "token"; // client-node reads a tokenFile into token
  if (user.certData || user.certFile) return "client-certificate";
  if (user.username) return "basic";
  return "none";
}

const REUSING = Symbol("lifeboat.reusesConnections");
type AgentFactory = (cluster: Cluster | null, options: Record<string, unknown>) => Agent;

/**
 * Makes a KubeConfig reuse its connections. client-node 1.4 builds a new HTTPS agent for every
 * request, so each API call pays a TLS handshake (restoring 5,000 objects took 2× longer for it).
 * Agents are kept per cluster and credential material, with keep-alive; credentials that change
 * (an exec plugin issuing a new client certificate) simply get a new agent. Idempotent.
 */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createAgent: AgentFactory; [REUSING]?: boolean };
  if (target[REUSING]) return kc;
  const original = target.createAgent.bind(kc);
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, options) => {
    const fingerprint = createHash("sha256");
    fingerprint.update(cluster?.server ?? "").update(cluster?.proxyUrl ?? "");
    for (const k of ["ca", "cert", "key", "pfx", "passphrase", "rejectUnauthorized"]) fingerprint.update(`${k}=${String(options[k] ?? "")};`);
    const key = fingerprint.digest("hex");
    let agent = agents.get(key);
    if (!agent) agents.set(key, (agent = original(cluster, { ...options, keepAlive: true, maxSockets: 32 })));
    return agent;
  };
  target[REUSING] = true;
  return kc;
}

/** Parses kubeconfig text; `source` names it in errors ("pasted kubeconfig", a file path). */
export function loadKubeconfig(text: string, source: string): KubeConfig {
  if (!text.trim()) throw new ClusterError("malformed-kubeconfig", `${source} is empty`);
  const kc = new KubeConfig();
  try {
    kc.loadFromString(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new ClusterError("malformed-kubeconfig", `${source} is not a valid kubeconfig: ${reason}`, "A kubeconfig is YAML with clusters, users and contexts, as `kubectl config view --raw` prints it.", { cause: err });
  }
  if (kc.getContexts().length === 0) {
    throw new ClusterError("malformed-kubeconfig", `${source} defines no contexts`, "Add a context that names a cluster and a user, or export one with `kubectl config view --raw --minify`.");
  }
  return reuseConnections(kc);
}

/** Every context, with what it points at; contexts naming a missing cluster or user are errors. */
export function contextsOf(kc: KubeConfig, source: string): KubeContext[] {
  return kc.getContexts().map((ctx) => {
    const cluster = kc.getCluster(ctx.cluster);
    if (!cluster) throw new ClusterError("malformed-kubeconfig", `${source}: context "${ctx.name}" names cluster "${ctx.cluster}", which is not defined`);
    const user = ctx.user ? kc.getUser(ctx.user) : null;
    if (ctx.user && !user) throw new ClusterError("malformed-kubeconfig", `${source}: context "${ctx.name}" names user "${ctx.user}", which is not defined`);
    return {
      name: ctx.name,
      cluster: ctx.cluster,
      user: ctx.user,
      server: cluster.server,
      namespace: ctx.namespace,
      auth: authMethod(user),
      execCommand: user?.exec ? String((user.exec as { command?: string }).command ?? "") : undefined,
    };
  });
}

function inlineFile(path: string | undefined, what: string, source: string): string | undefined {
  if (!path) return undefined;
  try {
    return readFileSync(path).toString("base64");
  } catch (err) {
    throw new ClusterError("malformed-kubeconfig", `${source}: cannot read the ${what} file ${path}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/**
 * One context as a self-contained kubeconfig (JSON, which is valid YAML): certificate and key files
 * are inlined, so the stored cluster keeps working when the original files move. Exec plugins are
 * kept as they are: they issue short-lived credentials when needed, which is the point of them.
 */
export function extractContext(kc: KubeConfig, contextName: string, source: string): string {
  const ctx = kc.getContextObject(contextName);
  if (!ctx) {
    const known = kc.getContexts().map((c) => c.name).join(", ");
    throw new ClusterError("unknown-context", `${source} has no context "${contextName}" (it has: ${known})`);
  }
  const cluster = kc.getCluster(ctx.cluster) as Cluster;
  const user = (ctx.user ? kc.getUser(ctx.user) : null) ?? ({ name: "none" } as User);
  const standalone = new KubeConfig();
  standalone.loadFromOptions({
    clusters: [{ ...cluster, caData: cluster.caData ?? inlineFile(cluster.caFile, "certificate authority", source), caFile: undefined }],
    users: [{
      ...user,
      certData: user.certData ?? inlineFile(user.certFile, "client certificate", source), certFile: undefined,
      keyData: user.keyData ?? inlineFile(user.keyFile, "client key", source), keyFile: undefined,
    }],
    contexts: [{ name: ctx.name, cluster: cluster.name, user: user.name, namespace: ctx.namespace }],
    currentContext: ctx.name,
  });
  return standalone.exportConfig();
}
