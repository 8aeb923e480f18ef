// lifeboat failover MIGRATION and lifeboat failback MIGRATION: the guided switch of an application
// from a ClusterPair's source to its destination and back. Each step is shown as it completes and
// saved, so one that failed or was interrupted resumes where it stopped (--resume ID); failover
// reports the RTO (from its start to the application Ready on the destination), failback how long
// it took. Records live in $LIFEBOAT_HOME/switchovers/<id>.json.
import { existsSync, readdirSync } from "node:fs";
import type { DrStore, MigrationSpec, SwitchoverState } from "../dr/index";
import { parseDuration, UsageError } from "./args";
import { findPair } from "./clusterpair-commands";
import { command, CommandError, emit, EXIT, type Group } from "./command";
import type { StoredPair } from "./dr-view";
import { formatDuration, table } from "./format";
import { findMigration } from "./migration-commands";

type Kind = SwitchoverState["kind"];

/** Thrown from a step report to stop a failover between two steps (Ctrl-C); the steps done are saved. */
class StopAfterStep extends Error {}

/** The saved failovers (or failbacks) of a migration, newest first. */
async function records(dr: DrStore, kind: Kind, migration: string): Promise<SwitchoverState[]> {
  if (!existsSync(dr.switchoverDir)) return [];
  const { readSwitchover } = await import("./dr-view");
  return readdirSync(dr.switchoverDir)
    .filter((f) => /^[0-9a-f-]+\.json$/.test(f))
    .flatMap((f) => {
      const s = readSwitchover(dr.switchoverDir, f.slice(0, -".json".length));
      return s && s.kind === kind && s.migration === migration ? [s] : [];
    })
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

/** The failover to resume: by id or a unique prefix of one, this migration's, this kind, not done. */
async function toResume(dr: DrStore, kind: Kind, migration: string, ref: string): Promise<SwitchoverState> {
  const mine = await records(dr, kind, migration);
  const matches = mine.filter((s) => s.id.startsWith(ref));
  if (matches.length > 1) throw new UsageError(`--resume: "${ref}" matches ${matches.length} ${kind}s of "${migration}"; give more of the id`);
  const found = matches[0];
  if (!found) {
    const open = mine.filter((s) => s.status !== "done").map((s) => s.id);
    throw new UsageError(`--resume: no ${kind} "${ref}" of migration "${migration}"${open.length ? ` (unfinished: ${open.join(", ")})` : ` (it has no unfinished ${kind})`}`);
  }
  if (found.status === "done") throw new UsageError(`--resume: ${kind} ${found.id} of "${migration}" completed; there is nothing to resume`);
  return found;
}

function stepsTable(s: SwitchoverState): string {
  return table(["STEP", "STATUS", "DETAIL"], s.steps.map((step) => [step.name, step.status, step.detail]));
}

function question(kind: Kind, spec: MigrationSpec, pair: StoredPair, resume?: SwitchoverState): string {
  if (resume) {
    const at = resume.steps.find((s) => s.status === "pending" || s.status === "failed");
    return `Resume ${kind} ${resume.id} of "${spec.name}" at step ${at?.name ?? "(none left)"}? [y/N] `;
  }
  return kind === "failover"
    ? `Fail over "${spec.name}" to ${pair.destination}: switch it off on ${pair.source} (when it can be reached), sync once more, switch it on at ${pair.destination}? [y/N] `
    : `Fail back "${spec.name}" to ${pair.source}: sync ${pair.destination}'s state back, switch it off on ${pair.destination}, switch it on at ${pair.source}? [y/N] `;
}

function switchover(kind: Kind) {
  const Kind = kind === "failover" ? "Failover" : "Failback";
  return command({
    name: kind,
    summary: kind === "failover"
      ? "Fail a migration's application over to the ClusterPair's destination, with its RTO measured"
      : "Fail a failed-over application back to the ClusterPair's source",
    usage: "MIGRATION [--resume ID] [--confirm] [--ready-timeout DURATION] [flags]",
    description: (kind === "failover"
      ? [
        "Steps: deactivate-source (skipped when the source cannot be reached), last-sync (only when the source",
        "was switched off: a sync from a running source could miss its last writes), activate-destination,",
        "wait-ready. The RTO printed is the time from the start of the failover to the application Ready on",
        "the destination. While failed over the migration does not run; `lifeboat failback` brings it back.",
      ]
      : [
        "Steps: resync-back (the destination's state staged onto the source, incrementally), deactivate-",
        "destination, final-sync-back (now that nothing writes), activate-source, wait-ready-source. The",
        "migration then runs again on its policy.",
      ]).concat([
      "Each step is shown as it completes and saved. When one fails, the command exits 1 naming it; once the",
      `cause is fixed, \`lifeboat ${kind} MIGRATION --resume ID\` continues at that step (every step is safe to`,
      "repeat). Ctrl-C stops after the current step, also resumable. Asks for confirmation at a terminal;",
      "elsewhere (scripts, -o json) --confirm is required.",
    ]).join("\n"),
    args: { min: 1, max: 1 },
    flags: {
      resume: { type: "string", value: "ID", help: `continue the ${kind} ID (or a unique prefix) at its first step not done` },
      confirm: { type: "boolean", short: "y", help: `${kind === "failover" ? "fail over" : "fail back"} without asking` },
      "ready-timeout": { type: "string", value: "DURATION", help: "how long to wait for the workloads to be Ready (default 5m)" },
    },
    examples: [`lifeboat ${kind} shop`, `lifeboat ${kind} shop -y -o json`, `lifeboat ${kind} shop --resume 3f2a9c1e -y`],
    interruptNote: `\nstopping after the current step (it is saved: --resume continues; Ctrl-C again quits at once)`,
    async run(ctx, { args, flags }) {
      const readyTimeoutMs = flags["ready-timeout"] !== undefined ? parseDuration("ready-timeout", flags["ready-timeout"]) : undefined;
      const canAsk = ctx.interactive && ctx.output !== "json";
      if (!flags.confirm && !canAsk) throw new UsageError(`a ${kind} needs --confirm (or -y) when no one can be asked`);
      const dr = await ctx.state.dr();
      const spec = findMigration(dr, args[0]!);
      const pair = findPair(dr, spec.pair);
      const resume = flags.resume !== undefined ? await toResume(dr, kind, spec.name, flags.resume) : undefined;
      const active = dr.state(spec.name).active;
      if (!resume && kind === "failover" && active === "destination") {
        throw new CommandError(`migration "${spec.name}" is already failed over: the application runs on ${pair.destination}`, `\`lifeboat failback ${spec.name}\` brings it back to ${pair.source}`);
      }
      if (!resume && kind === "failback" && active !== "destination") {
        const open = (await records(dr, "failover", spec.name)).find((s) => s.status !== "done");
        throw new CommandError(`migration "${spec.name}" is not failed over: the application runs on ${pair.source}; there is nothing to fail back`,
          open ? `its failover ${open.id} did not complete; continue it with \`lifeboat failover ${spec.name} --resume ${open.id}\`` : undefined);
      }
      if (!flags.confirm) {
        const answer = await ctx.ask(question(kind, spec, pair, resume));
        if (!/^y(es)?$/i.test(answer.trim())) {
          ctx.err(`Nothing done.`);
          return EXIT.failed;
        }
      }

      const { failbackMigration, failoverMigration } = await import("../dr/index");
      const { commandRuntime } = await import("./dr-runtime");
      const v = await import("./dr-view");
      const runtime = await commandRuntime(ctx.state);
      const started = Date.now();
      let result: SwitchoverState;
      try {
        const go = kind === "failover" ? failoverMigration : failbackMigration;
        result = await go(runtime.ctx, dr, spec.name, {
          resume: resume?.id,
          readyTimeoutMs,
          onStep: (step) => {
            ctx.progress.step(step.name, v.stepText(step));
            // The engine takes no signal: a step report is the one place to stop between two steps.
            if (ctx.signal.aborted && step.status !== "failed") throw new StopAfterStep();
          },
        });
      } catch (err) {
        if (!(err instanceof StopAfterStep)) throw err;
        // The engine tells no id before it ends: a new one is the one this command started.
        const saved = await records(dr, kind, spec.name);
        const last = resume ? saved.find((s) => s.id === resume.id) : saved.find((s) => s.status === "running" && Date.parse(s.startedAt) >= started - 1000);
        const done = last?.steps.filter((s) => s.status !== "pending").at(-1);
        ctx.err(`interrupted: ${kind} of "${spec.name}" stopped${done ? ` after step ${done.name}` : ""}`);
        if (last) {
          const warning = v.halfDoneWarning(last, pair);
          if (warning) ctx.err(`warning: ${warning}`);
          ctx.err(`hint: continue it with \`lifeboat ${kind} ${spec.name} --resume ${last.id}\``);
        }
        return EXIT.interrupted;
      } finally {
        await runtime.close();
      }

      const nowActive = dr.state(spec.name).active;
      emit(ctx, { ...result, active: nowActive }, () => {
        const failed = v.failedStep(result);
        const where = kind === "failover" ? pair.destination : pair.source;
        const head = result.status === "done"
          ? kind === "failover"
            ? `Failover of "${spec.name}" done: it runs on ${where} (failover ${result.id}).\nRTO: ${formatDuration(result.rtoSeconds ?? 0)} (from the start of the failover to the application Ready on ${where})`
            : `Failback of "${spec.name}" done in ${formatDuration(result.rtoSeconds ?? 0)}: it runs on ${where} again, and its migration resumes (failback ${result.id}).`
          : `${Kind} of "${spec.name}" FAILED at step ${failed?.name ?? "?"} (${kind} ${result.id}).`;
        return `${head}\n${stepsTable(result)}`;
      });
      if (result.status === "done") return EXIT.ok;
      const failed = v.failedStep(result);
      ctx.err(`error: ${kind} of "${spec.name}" failed at step ${failed?.name ?? "?"}: ${failed?.detail ?? "unknown"}`);
      const warning = v.halfDoneWarning(result, pair);
      if (warning) ctx.err(`warning: ${warning}`);
      ctx.err(`hint: once the cause is fixed, continue it: lifeboat ${kind} ${spec.name} --resume ${result.id}`);
      return EXIT.failed;
    },
  });
}

export const failoverGroup: Group = { name: "failover", summary: "Fail a migration's application over to its destination (RTO measured)", commands: [], command: switchover("failover") };
export const failbackGroup: Group = { name: "failback", summary: "Fail a failed-over application back to its source", commands: [], command: switchover("failback") };
