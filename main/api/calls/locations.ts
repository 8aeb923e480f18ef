// locations.*: backup locations, each validated (probe + repository) before it is kept.
import type { LocationView } from "../../../shared/api";
import { parseLocationConfig } from "../../locations/config";
import { openLocation } from "../../locations/index";
import type { EngineContext } from "../context";
import { conflict } from "../errors";
import { embeddedFolder } from "./app";
import type { Handlers } from "./types";

export async function locationViews(ctx: EngineContext): Promise<LocationView[]> {
  const embedded = `folder ${embeddedFolder(ctx.dataDir)}`;
  return (await ctx.state.locations()).list().map((l) => ({
    ...l, ...(l.address === embedded ? { embedded: true } : {}), ...(ctx.health.has(l.name) ? { health: ctx.health.get(l.name) } : {}),
  }));
}

export function locationCalls(ctx: EngineContext): Handlers<"locations.list" | "locations.add" | "locations.verify" | "locations.remove"> {
  const view = async (name: string) => (await locationViews(ctx)).find((l) => l.name === name)!;
  return {
    "locations.list": () => locationViews(ctx),
    "locations.add": async ({ name, config, password, createContainer }) => {
      if (createContainer) {
        const location = openLocation(parseLocationConfig(config));
        try {
          await location.createContainer();
        } finally {
          await location.close();
        }
      }
      const added = await (await ctx.state.locations()).add(name, config, password);
      ctx.health.set(added.location.name, { ok: true, checkedAt: new Date().toISOString() });
      ctx.changed("locations");
      return { ...added, location: await view(added.location.name) };
    },
    "locations.verify": async ({ name }) => {
      await ctx.state.location(name);
      try {
        const verified = await (await ctx.state.locations()).verify(name);
        ctx.health.set(name, { ok: verified.validation.ok, checkedAt: new Date().toISOString(), ...(verified.validation.error ? { message: verified.validation.error.message } : {}) });
        return { ...verified, location: await view(name) };
      } catch (err) {
        ctx.health.set(name, { ok: false, checkedAt: new Date().toISOString(), message: (err as Error).message });
        throw err;
      } finally {
        ctx.changed("locations");
      }
    },
    "locations.remove": async ({ name }) => {
      await ctx.state.location(name);
      const schedules = (await ctx.state.schedules()).schedules().filter((s) => s.locations.includes(name)).map((s) => `schedule ${s.name}`);
      const pairs = (await ctx.state.dr()).pairs().filter((p) => p.location === name).map((p) => `ClusterPair ${p.name}`);
      if (schedules.length + pairs.length) throw conflict(`location "${name}" is used by ${[...schedules, ...pairs].join(", ")}; remove those first`);
      (await ctx.state.locations()).remove(name);
      ctx.health.delete(name);
      ctx.changed("locations");
      return { ok: true };
    },
  };
}
