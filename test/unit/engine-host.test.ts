// The engine host checks every request against the contract before it reaches the engine.
import { describe, expect, test } from "vitest";
import { CALL_NAMES, isCallName } from "../../shared/api";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiCallError, createEngineHost, toApiError } from "../../main/api/engine-host";
import { keyFileVault } from "../../main/vault/index";

describe("engine host", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "lifeboat-host-unit-"));
  const host = createEngineHost({ host: "cli", version: "9.9.9", dataDir, vault: keyFileVault(dataDir) });

  test("answers app.info with the host kind and engine facts", async () => {
    expect(await host.handle("app.info", {})).toMatchObject({ name: "Lifeboat", version: "9.9.9", host: "cli", engineNode: process.versions.node });
  });

  test("refuses unknown calls and non-object requests with stable codes", async () => {
    await expect(host.handle("backup.explode", {})).rejects.toMatchObject({ apiError: { code: "unknown-call" } });
    for (const bad of [3, "x", [1], { extra: true }]) {
      await expect(host.handle("app.info", bad)).rejects.toSatisfy((err) => toApiError(err).code === "invalid-request");
    }
    await expect(host.handle("backups.start", { name: "shop", cluster: "c", locations: [] })).rejects.toSatisfy((err) => {
      const e = toApiError(err);
      return e.code === "invalid-request" && e.field === "locations" && e.message.includes("at least one location");
    });
  });

  test("turns unexpected errors into internal API errors with the message, and engine errors into stable codes", () => {
    expect(toApiError(new Error("boom"))).toEqual({ code: "internal", message: "boom" });
    expect(toApiError(new ApiCallError({ code: "conflict", message: "in use" }))).toEqual({ code: "conflict", message: "in use" });
    const located = Object.assign(new Error("wrong key"), { name: "LocationError", code: "auth", hint: "check the secret key" });
    expect(toApiError(located)).toEqual({ code: "auth", message: "wrong key", hint: "check the secret key" });
    const cluster = Object.assign(new Error("connection refused"), { name: "ClusterError", code: "unreachable" });
    expect(toApiError(cluster).code).toBe("unreachable");
  });

  test("every call name of the contract is recognised", () => {
    for (const name of CALL_NAMES) expect(isCallName(name)).toBe(true);
    expect(isCallName("__proto__")).toBe(false);
  });
});
