// The DR store's rules: valid names, references that exist, a pair in use not deletable, and a
// failed-over migration refusing to run (it would switch the application off on the destination).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { DrError, DrStore, runRecordedMigration } from "../../main/dr";

const dirs: string[] = [];
const store = () => {
  const dir = mkdtempSync(join(tmpdir(), "lifeboat-dr-"));
  dirs.push(dir);
  return new DrStore(dir);
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const pair = { name: "prod-dr", source: "prod", destination: "dr", location: "fb", createdAt: "2026-01-01T00:00:00Z" };
const migration = { name: "shop", pair: "prod-dr", namespaces: ["shop"], policy: "every-minute", createdAt: "2026-01-01T00:00:00Z" };

test("pairs and migrations: names checked, references must exist, a used pair cannot be removed", () => {
  const s = store();
  expect(() => s.savePair({ ...pair, name: "Prod DR" })).toThrow(/not a valid name/);
  expect(() => s.addMigration(migration)).toThrow(/no ClusterPair "prod-dr"/);
  s.savePair(pair);
  s.addMigration(migration);
  expect(() => s.addMigration(migration)).toThrow(/exists/);
  expect(() => s.addMigration({ ...migration, name: "empty", namespaces: [] })).toThrow(/at least one namespace/);
  expect(() => s.removePair("prod-dr")).toThrow(/used by the migration\(s\) shop/);
  expect(s.state("shop")).toEqual({ active: "source" });
});

test("a failed-over migration refuses to run until failback", async () => {
  const s = store();
  s.savePair(pair);
  s.addMigration(migration);
  s.setState("shop", { active: "destination" });
  const ctx = { kubeConfig: () => { throw new Error("no cluster should be touched"); }, openRepository: () => { throw new Error("no location should be touched"); } };
  await expect(runRecordedMigration(ctx, s, "shop")).rejects.toThrow(DrError);
  await expect(runRecordedMigration(ctx, s, "shop")).rejects.toThrow(/fail back first/);
});
