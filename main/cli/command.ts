// The shape of a CLI command and what it runs with. Every command takes the global flags
// (-o/--output, -h/--help), validates its own input before touching the engine, and returns its
// exit code: 0 done, 1 the engine failed or the result is incomplete; bad input throws UsageError (2).
import { UsageError, type FlagSpecs, type FlagValues } from "./args";
import type { Reporter } from "./progress";
import type { State } from "../state/state";

export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export const GLOBAL_FLAGS = {
  output: { type: "string", short: "o", value: "FORMAT", help: "output format: table (default) or json; json prints one document on stdout and no progress" },
  help: { type: "boolean", short: "h", help: "show help for this command" },
} as const satisfies FlagSpecs;

export type OutputFormat = "table" | "json";

/** The request was well formed but cannot be done as things are (a name taken, a policy in use): exit 1, with a hint. */
export class CommandError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = "CommandError";
  }
}

export interface Context {
  state: State;
  output: OutputFormat;
  /** Results: what a script reads. */
  out: (text: string) => void;
  /** Messages for the person at the terminal: warnings, notes, prompts. */
  err: (text: string) => void;
  progress: Reporter;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** Whether a person can answer a question (stdin and stderr are terminals). */
  interactive: boolean;
  ask: (question: string) => Promise<string>;
}

export interface Invocation<S extends FlagSpecs> {
  args: string[];
  flags: FlagValues<S & typeof GLOBAL_FLAGS>;
}

export interface Command {
  name: string;
  summary: string;
  /** After "lifeboat GROUP NAME", e.g. "NAME --cluster C --location L [flags]". */
  usage: string;
  /** What the command does and anything an admin should know, for --help. */
  description?: string;
  args: { min: number; max: number };
  flags: FlagSpecs;
  examples?: string[];
  /** Printed on stderr at the first Ctrl-C or SIGTERM (default: interrupting…). */
  interruptNote?: string;
  run(ctx: Context, input: Invocation<FlagSpecs>): Promise<number>;
}

export interface Group {
  name: string;
  summary: string;
  commands: Command[];
  /** A group that is itself one command (`lifeboat daemon`): the words after its name are arguments. */
  command?: Command;
}

/** Keeps each command's flag types while the groups hold commands of every shape. */
export function command<S extends FlagSpecs>(def: Omit<Command, "run" | "flags"> & { flags: S; run(ctx: Context, input: Invocation<S>): Promise<number> }): Command {
  return def as unknown as Command;
}

/** Output results: JSON as one document, otherwise the table text. */
export function emit(ctx: Context, json: unknown, human: () => string): void {
  ctx.out(ctx.output === "json" ? JSON.stringify(json, null, 2) : human());
}

/** A flag that must be given (parseArgs has no notion of required options). */
export function required<T>(value: T | undefined, flag: string): T {
  if (value === undefined || value === "") throw new UsageError(`--${flag} is required`);
  return value;
}

function flagLines(flags: FlagSpecs): string {
  const rows = Object.entries(flags).map(([name, f]) => [
    `${f.short ? `-${f.short}, ` : "    "}--${name}${f.type === "string" ? ` ${f.value ?? "VALUE"}` : ""}`,
    f.help,
  ]);
  const width = Math.max(...rows.map((r) => r[0]!.length));
  return rows.map(([left, help]) => `  ${left!.padEnd(width)}   ${help}`).join("\n");
}

/** `path` is what comes after "lifeboat": "backup create", or "daemon" for a one-command group. */
export function commandHelp(path: string, cmd: Command): string {
  const parts = [`${cmd.summary}`, "", `Usage:\n  lifeboat ${path} ${cmd.usage}`];
  if (cmd.description) parts.push("", cmd.description);
  if (cmd.examples?.length) parts.push("", `Examples:\n${cmd.examples.map((e) => `  ${e}`).join("\n")}`);
  parts.push("", `Flags:\n${flagLines(cmd.flags)}`, "", `Global flags:\n${flagLines(GLOBAL_FLAGS)}`);
  return parts.join("\n");
}

export function groupHelp(group: Group): string {
  const width = Math.max(...group.commands.map((c) => c.name.length));
  const lines = group.commands.map((c) => `  ${c.name.padEnd(width)}   ${c.summary}`);
  return [group.summary, "", `Usage:\n  lifeboat ${group.name} COMMAND [flags]`, "", `Commands:\n${lines.join("\n")}`, "",
    `Run 'lifeboat ${group.name} COMMAND --help' for a command's flags.`].join("\n");
}

export function rootHelp(groups: Group[]): string {
  const width = Math.max(10, ...groups.map((g) => g.name.length + 1));
  const lines = groups.flatMap((g) => [`  ${g.name.padEnd(width)} ${g.summary}`]);
  return [
    "lifeboat backs up and restores Kubernetes applications to S3, GCS, Azure Blob or a folder, and keeps",
    "them ready on a second cluster for disaster recovery (ClusterPairs, migrations, failover, failback).",
    "",
    "Usage:\n  lifeboat GROUP COMMAND [flags]",
    "",
    `Groups:\n${lines.join("\n")}\n  ${"version".padEnd(width)} Print the version`,
    "",
    "State (clusters, locations, restore records, schedules, ClusterPairs, migrations) lives in $LIFEBOAT_HOME",
    "(default ~/.config/lifeboat).",
    "Exit codes: 0 success, 1 the operation failed or is incomplete, 2 bad input, 130 interrupted.",
    "",
    "Run 'lifeboat GROUP --help' for its commands, 'lifeboat GROUP COMMAND --help' for flags.",
  ].join("\n");
}
