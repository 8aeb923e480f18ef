// jobs.*: what runs now and what ran recently, with logs, and cancellation.
import type { EngineContext } from "../context";
import { notFound } from "../errors";
import type { Handlers } from "./types";

export function jobCalls(ctx: EngineContext): Handlers<"jobs.list" | "jobs.log" | "jobs.cancel"> {
  return {
    "jobs.list": async () => ctx.jobs.list(),
    "jobs.log": async ({ id }) => {
      const found = ctx.jobs.get(id);
      if (!found) throw notFound(`no job ${id} (jobs are kept while the engine runs)`);
      return found;
    },
    "jobs.cancel": async ({ id }) => {
      if (!ctx.jobs.get(id)) throw notFound(`no job ${id}`);
      ctx.jobs.cancel(id);
      return { ok: true };
    },
  };
}
