// The engine host: implements the shared API contract over the engine. Every host (Electron IPC,
// served mode over HTTP, the CLI) calls `handle`, so requests are validated and answered in one place.
import { readFileSync } from "node:fs";
import type { ApiCalls, ApiError, CallName, CallRequest, CallResponse, HostKind } from "../../shared/api";
import { isCallName } from "../../shared/api";

type Handlers = { [C in CallName]: (request: CallRequest<C>) => Promise<CallResponse<C>> };

export class ApiCallError extends Error {
  constructor(readonly apiError: ApiError) {
    super(apiError.message);
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export interface EngineHost {
  handle(name: unknown, request: unknown): Promise<ApiCalls[CallName]["response"]>;
}

export function createEngineHost(opts: { host: HostKind; version?: string }): EngineHost {
  const version = opts.version ?? packageVersion();
  const handlers: Handlers = {
    "app.info": async () => ({
      name: "Lifeboat",
      version,
      host: opts.host,
      engineNode: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
    }),
  };
  return {
    async handle(name, request) {
      if (!isCallName(name)) throw new ApiCallError({ code: "unknown-call", message: `unknown call ${String(name)}` });
      if (request === null || typeof request !== "object" || Array.isArray(request)) {
        throw new ApiCallError({ code: "invalid-request", message: `${name}: the request must be an object` });
      }
      const handler = handlers[name] as (r: unknown) => Promise<ApiCalls[CallName]["response"]>;
      return handler(request);
    },
  };
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiCallError) return err.apiError;
  return { code: "internal", message: err instanceof Error ? err.message : String(err) };
}
