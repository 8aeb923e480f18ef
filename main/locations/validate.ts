// "Test connection" for a location: the four things a backup needs (write, read back, list, delete)
// tried in order on a small probe object, each timed, stopping at the first failure. Failures are
// returned as data for the UI, never thrown.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { LocationError, type Location, type ValidationResult, type ValidationStep } from "./types";

export const PROBE_PREFIX = "lifeboat-probe/";

function asLocationError(err: unknown): LocationError {
  if (err instanceof LocationError) return err;
  return new LocationError("other", err instanceof Error ? err.message : String(err), undefined, { cause: err });
}

async function readBack(loc: Location, key: string, expected: Buffer): Promise<void> {
  const got = await loc.get(key);
  if (!got.equals(expected)) {
    throw new LocationError("other",
      `The probe object read back from ${loc.address} differs from what was written (${got.length} bytes instead of ${expected.length})`,
      "Something between this computer and the storage alters data (a proxy or gateway); backups would not be restorable.");
  }
}

async function findInListing(loc: Location, key: string): Promise<void> {
  for await (const object of loc.list(PROBE_PREFIX)) {
    if (object.key === key) return;
  }
  throw new LocationError("other",
    `The probe object written to ${loc.address} does not appear when listing ${PROBE_PREFIX}`,
    "The storage does not list what it has stored (eventual consistency or a gateway limiting listings); Lifeboat needs consistent listings.");
}

async function deleteProbe(loc: Location, key: string): Promise<void> {
  try {
    await loc.delete(key);
  } catch (err) {
    // A bucket with a default retention period keeps every new object; that is a valid place for
    // immutable backups, and the probe simply expires with the retention.
    if (err instanceof LocationError && err.code === "locked") return;
    throw err;
  }
}

export async function validateLocation(loc: Location): Promise<ValidationResult> {
  const key = `${PROBE_PREFIX}${randomBytes(8).toString("hex")}`;
  const payload = Buffer.from(`Lifeboat probe ${new Date().toISOString()} ${randomBytes(16).toString("hex")}\n`);
  const steps: ValidationStep[] = [];

  const attempt = async (step: ValidationStep["step"], action: () => Promise<void>): Promise<LocationError | undefined> => {
    const started = performance.now();
    try {
      await action();
      steps.push({ step, ok: true, ms: Math.round(performance.now() - started) });
      return undefined;
    } catch (err) {
      steps.push({ step, ok: false, ms: Math.round(performance.now() - started) });
      return asLocationError(err);
    }
  };

  const failure =
    (await attempt("write", () => loc.put(key, payload))) ??
    (await attempt("read", () => readBack(loc, key, payload))) ??
    (await attempt("list", () => findInListing(loc, key))) ??
    (await attempt("delete", () => deleteProbe(loc, key)));

  if (failure) {
    // Written but a later step failed: try not to leave the probe behind.
    if (steps[0]?.ok && steps.at(-1)?.step !== "delete") await loc.delete(key).catch(() => undefined);
    return {
      ok: false,
      steps,
      error: { code: failure.code, message: failure.message, ...(failure.hint ? { hint: failure.hint } : {}) },
      objectLock: false,
    };
  }
  const objectLock = await loc.objectLockEnabled().catch(() => false);
  return { ok: true, steps, objectLock };
}
