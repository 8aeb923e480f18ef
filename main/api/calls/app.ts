// app.*: what the engine is, and the first run: import the user's kubeconfig contexts, and an
// embedded default location (a folder in the data directory) so a first backup needs no setup.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ClusterView } from "../../../shared/api";
import { defaultKubeconfigPath } from "../../clusters/registry";
import type { EngineContext } from "../context";
import { contextViews } from "./clusters";
import type { Handlers } from "./types";

export const EMBEDDED_LOCATION = "local";

export const embeddedFolder = (dataDir: string) => join(dataDir, "backups");

const embedding = new WeakMap<EngineContext, Promise<string>>();

/** Creates the embedded location once; its repository password is random and kept in the vault. */
export function ensureEmbeddedLocation(ctx: EngineContext): Promise<string> {
  // Windows ask at the same moment (a reload, two tabs): one creation, every caller gets its name.
  let pending = embedding.get(ctx);
  if (!pending) {
    pending = createEmbeddedLocation(ctx);
    embedding.set(ctx, pending);
    pending.catch(() => embedding.delete(ctx));
  }
  return pending;
}

async function createEmbeddedLocation(ctx: EngineContext): Promise<string> {
  const registry = await ctx.state.locations();
  const marker = join(ctx.dataDir, "embedded-location.json");
  if (existsSync(marker)) return (JSON.parse(readFileSync(marker, "utf8")) as { name: string }).name;
  // A location the admin named "local" already: take another name rather than fail the first run.
  const taken = new Set(registry.list().map((l) => l.name));
  let name = EMBEDDED_LOCATION;
  for (let i = 2; taken.has(name); i++) name = `${EMBEDDED_LOCATION}-${i}`;
  const path = embeddedFolder(ctx.dataDir);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  await registry.add(name, { kind: "folder", path }, randomBytes(24).toString("base64url"));
  writeFileSync(marker, JSON.stringify({ name, path }), { mode: 0o600 });
  ctx.changed("locations");
  return name;
}

const firstRunFile = (ctx: EngineContext) => join(ctx.dataDir, "first-run.json");

export function appCalls(ctx: EngineContext): Handlers<"app.info" | "app.firstRun" | "app.completeFirstRun"> {
  return {
    "app.info": async () => ({
      name: "Lifeboat", version: ctx.version, host: ctx.host, engineNode: process.versions.node, platform: `${process.platform}-${process.arch}`,
      dataDir: ctx.dataDir, vault: ctx.vault.kind, scheduler: ctx.schedulerStatus(),
    }),
    "app.firstRun": async () => {
      const clusters = (await ctx.state.clusters()).list();
      const needed = !existsSync(firstRunFile(ctx)) && clusters.length === 0;
      const defaultLocation = await ensureEmbeddedLocation(ctx);
      const kubeconfigPath = defaultKubeconfigPath();
      try {
        const contexts = needed ? contextViews((await ctx.state.clusters()).defaultContexts(), clusters) : [];
        return { needed, kubeconfigPath, contexts, defaultLocation };
      } catch (err) {
        return { needed, kubeconfigPath, contexts: [], kubeconfigError: (err as Error).message, defaultLocation };
      }
    },
    "app.completeFirstRun": async ({ importContexts }) => {
      const registry = await ctx.state.clusters();
      const added: ClusterView[] = [];
      const failed: Array<{ context: string; error: string }> = [];
      for (const context of importContexts) {
        try {
          added.push((await registry.add({ kind: "default-kubeconfig", context })).cluster);
        } catch (err) {
          failed.push({ context, error: (err as Error).message });
        }
      }
      writeFileSync(firstRunFile(ctx), JSON.stringify({ completedAt: new Date().toISOString(), imported: added.map((c) => c.name) }), { mode: 0o600 });
      if (added.length) ctx.changed("clusters");
      return { added, failed, defaultLocation: await ensureEmbeddedLocation(ctx) };
    },
  };
}
