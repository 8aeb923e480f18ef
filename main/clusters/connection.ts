// Testing a cluster connection: can we reach the API server, does it trust us, and may these
// credentials do what backup and restore need? Each failure gets its own code and a message that
// says what to fix (an exec plugin's own error included).
import { AuthorizationV1Api, VersionApi, type KubeConfig } from "@kubernetes/client-node";
import { ClusterError } from "./kubeconfig";

export interface PermissionCheck {
  /** What needs it, in the admin's words. */
  purpose: string;
  verb: string;
  resource: string;
  group: string;
  /** Empty for cluster-wide checks. */
  namespace: string;
  allowed: boolean;
  reason?: string;
}

export interface ConnectionReport {
  server: string;
  version: string;
  platform: string;
  checks: PermissionCheck[];
  /** Whether every check passed; when not, the checks say which capability is missing. */
  fullAccess: boolean;
}

/** What backup and restore do, as access review questions (resource "*" means every kind). */
export const REQUIRED_ACCESS: ReadonlyArray<Omit<PermissionCheck, "allowed" | "reason" | "namespace">> = [
  { purpose: "list the application's namespaces", verb: "list", resource: "namespaces", group: "" },
  { purpose: "back up every kind of resource", verb: "list", resource: "*", group: "*" },
  { purpose: "run pre/post rules and read volume data (exec)", verb: "create", resource: "pods/exec", group: "" },
  { purpose: "start data mover pods", verb: "create", resource: "pods", group: "" },
  { purpose: "back up persistent volumes", verb: "list", resource: "persistentvolumes", group: "" },
  { purpose: "restore: create namespaces", verb: "create", resource: "namespaces", group: "" },
  { purpose: "restore: create every kind of resource", verb: "create", resource: "*", group: "*" },
  { purpose: "restore: replace existing resources", verb: "delete", resource: "*", group: "*" },
];

const TLS_CODES = new Set(["SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "CERT_HAS_EXPIRED", "ERR_TLS_CERT_ALTNAME_INVALID", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "CERT_SIGNATURE_FAILURE"]);
const NET_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ECONNRESET"]);

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

/** Turns what client-node throws into a ClusterError an admin can act on. Pure. */
export function classifyClusterError(err: unknown, server: string): ClusterError {
  if (err instanceof ClusterError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err);
  const status = (err as { code?: unknown }).code;
  if (status === 401 || /\b401\b|Unauthorized/.test(message)) {
    return new ClusterError("unauthorized", `${server} did not accept these credentials (401 Unauthorized)`, "The token or certificate is wrong or expired; get a fresh kubeconfig from the cluster's owner.");
  }
  if (status === 403) return new ClusterError("forbidden", `${server} refused the request (403 Forbidden): ${message}`);
  if (code && TLS_CODES.has(code)) {
    return new ClusterError("tls", `the certificate of ${server} is not trusted (${code})`, "The kubeconfig's certificate-authority-data must be the CA that signed the API server's certificate.");
  }
  if (code && NET_CODES.has(code)) {
    return new ClusterError("unreachable", `cannot reach ${server} (${code})`, "Check the address, VPN and firewall; is the cluster running?");
  }
  if (code === "ETIMEDOUT" || code === "UND_ERR_CONNECT_TIMEOUT" || /timed? ?out/i.test(message)) {
    return new ClusterError("timeout", `${server} did not answer in time`, "Check the address, VPN and firewall; is the cluster running?");
  }
  return new ClusterError("other", `${server}: ${message}`);
}

function withTimeout<T>(p: Promise<T>, ms: number, server: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new ClusterError("timeout", `${server} did not answer within ${ms / 1000} s`, "Check the address, VPN and firewall; is the cluster running?")), ms);
    }),
  ]);
}

/**
 * Runs the kubeconfig's credential plugin (EKS, AKS, GKE) on its own first: client-node reports a
 * plugin's failure as a bare error carrying the plugin's stderr, indistinguishable later from a
 * server's error, so a failure here is attributed to the plugin, with what it printed.
 */
async function obtainCredentials(kc: KubeConfig, timeoutMs: number): Promise<void> {
  const user = kc.getCurrentUser();
  if (!user?.exec && !user?.authProvider) return;
  const command = user.exec ? String((user.exec as { command?: string }).command ?? "") : `auth-provider ${String((user.authProvider as { name?: string }).name ?? "")}`;
  try {
    await withTimeout(kc.applyToFetchOptions({}), timeoutMs, `the credential plugin ${command}`);
  } catch (err) {
    const said = (err instanceof Error ? err.message : String(err)).trim();
    throw new ClusterError("exec-plugin", `the kubeconfig's credential plugin (${command}) failed: ${said}`, "Run the plugin's command in a terminal to see why (is its CLI installed and logged in?).", { cause: err });
  }
}

/** Connects, reads the server version, and asks the API server which required actions are allowed. */
export async function testConnection(kc: KubeConfig, opts: { timeoutMs?: number; namespace?: string } = {}): Promise<ConnectionReport> {
  const server = kc.getCurrentCluster()?.server ?? "(no server)";
  const timeoutMs = opts.timeoutMs ?? 15_000;
  await obtainCredentials(kc, timeoutMs);
  try {
    const version = await withTimeout(kc.makeApiClient(VersionApi).getCode(), timeoutMs, server);
    const auth = kc.makeApiClient(AuthorizationV1Api);
    const namespace = opts.namespace ?? "";
    const checks = await withTimeout(Promise.all(REQUIRED_ACCESS.map(async (check) => {
      const review = await auth.createSelfSubjectAccessReview({
        body: { spec: { resourceAttributes: { verb: check.verb, resource: check.resource.split("/")[0], subresource: check.resource.split("/")[1], group: check.group, namespace } } },
      });
      return { ...check, namespace, allowed: review.status?.allowed === true, reason: review.status?.reason || review.status?.evaluationError || undefined };
    })), timeoutMs, server);
    return { server, version: version.gitVersion, platform: version.platform, checks, fullAccess: checks.every((c) => c.allowed) };
  } catch (err) {
    throw classifyClusterError(err, server);
  }
}
