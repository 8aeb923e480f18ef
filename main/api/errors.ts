// Engine errors as they cross the contract: a stable code the UI branches on, the engine's message
// (already written for admins) and its hint. Pure.
import { ZodError } from "zod";
import type { ApiError } from "../../shared/api";

export class ApiCallError extends Error {
  constructor(readonly apiError: ApiError) {
    super(apiError.message);
  }
}

export const notFound = (message: string) => new ApiCallError({ code: "not-found", message });
export const conflict = (message: string) => new ApiCallError({ code: "conflict", message });
export const invalid = (message: string, field?: string) => new ApiCallError({ code: "invalid-request", message, ...(field ? { field } : {}) });

const CLUSTER_CODES: Record<string, ApiError["code"]> = {
  "malformed-kubeconfig": "invalid-request", "unknown-context": "invalid-request", "unknown-namespace": "not-found", "unknown-kind": "invalid-request",
  unreachable: "unreachable", timeout: "unreachable", tls: "tls", unauthorized: "auth", forbidden: "permission", "exec-plugin": "auth", other: "failed",
};
const LOCATION_CODES: Record<string, ApiError["code"]> = {
  auth: "auth", permission: "permission", "no-container": "not-found", "not-found": "not-found", unreachable: "unreachable", tls: "tls",
  "clock-skew": "failed", locked: "conflict", "invalid-config": "invalid-request", other: "failed",
};
const REPOSITORY_CODES: Record<string, ApiError["code"]> = {
  "wrong-password": "auth", "not-a-repository": "not-found", "no-such-backup": "not-found", exists: "conflict", unsupported: "failed", "no-object-lock": "failed",
};
/** Errors whose message is about the request itself (a bad selector, an unknown policy, a rule typo). */
const INPUT_ERRORS = new Set(["SelectorError", "PolicyError", "RuleValidationError", "RuleStoreError", "DrError", "UsageError"]);

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiCallError) return err.apiError;
  if (err instanceof ZodError) {
    const issue = err.issues[0];
    const field = issue?.path.join(".");
    return { code: "invalid-request", message: err.issues.map((i) => `${i.path.join(".") || "request"}: ${i.message}`).join("; "), ...(field ? { field } : {}) };
  }
  if (!(err instanceof Error)) return { code: "internal", message: String(err) };
  const e = err as Error & { code?: unknown; hint?: unknown };
  const hint = typeof e.hint === "string" ? { hint: e.hint } : {};
  const table = e.name === "ClusterError" ? CLUSTER_CODES : e.name === "LocationError" ? LOCATION_CODES : e.name === "RepositoryError" ? REPOSITORY_CODES : undefined;
  if (table && typeof e.code === "string") return { code: table[e.code] ?? "failed", message: e.message, ...hint };
  if (e.name === "NotFoundError") return { code: "not-found", message: e.message };
  if (INPUT_ERRORS.has(e.name)) return { code: "invalid-request", message: e.message, ...hint };
  if (e.name === "VaultError") return { code: "auth", message: e.message, ...hint };
  return { code: "internal", message: e.message };
}
