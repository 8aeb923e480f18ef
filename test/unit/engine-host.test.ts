// The engine host checks every request against the contract before it reaches the engine.
import { describe, expect, test } from "vitest";
import { CALL_NAMES, isCallName } from "../../shared/api";
import { ApiCallError, createEngineHost, toApiError } from "../../main/api/engine-host";

describe("engine host", () => {
  const host = createEngineHost({ host: "cli", version: "9.9.9" });

  test("answers app.info with the host kind and engine facts", async () => {
    expect(await host.handle("app.info", {})).toMatchObject({ name: "Lifeboat", version: "9.9.9", host: "cli", engineNode: process.versions.node });
  });

  test("refuses unknown calls and non-object requests with stable codes", async () => {
    await expect(host.handle("backup.explode", {})).rejects.toMatchObject({ apiError: { code: "unknown-call" } });
    for (const bad of [null, 3, "x", [1]]) {
      await expect(host.handle("app.info", bad)).rejects.toBeInstanceOf(ApiCallError);
    }
  });

  test("turns unexpected errors into internal API errors with the message", () => {
    expect(toApiError(new Error("boom"))).toEqual({ code: "internal", message: "boom" });
  });

  test("every call name of the contract is recognised", () => {
    for (const name of CALL_NAMES) expect(isCallName(name)).toBe(true);
    expect(isCallName("__proto__")).toBe(false);
  });
});
