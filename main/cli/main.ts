// The `lifeboat` command: finds the command, parses its flags, runs it against the engine, and turns
// the outcome into an exit code — 0 done, 1 failed or incomplete, 2 bad input, 130 interrupted.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { SelectorError } from "../clusters/label-selector";
import { parseFlags, UsageError } from "./args";
import { backupGroup } from "./backup-commands";
import { clusterGroup } from "./cluster-commands";
import { clusterPairGroup } from "./clusterpair-commands";
import { commandHelp, EXIT, GLOBAL_FLAGS, groupHelp, rootHelp, type Command, type Context, type Group, type OutputFormat } from "./command";
import { locationGroup } from "./location-commands";
import { daemonGroup } from "./daemon-command";
import { migrationGroup } from "./migration-commands";
import { createReporter } from "./progress";
import { restoreGroup } from "./restore-commands";
import { scheduleGroup } from "./schedule-commands";
import { serveGroup } from "./serve-command";
import { schedulePolicyGroup } from "./schedule-policy-commands";
import { lifeboatHome, State } from "../state/state";
import { failbackGroup, failoverGroup } from "./switchover-commands";

const GROUPS: Group[] = [
  clusterGroup, locationGroup, backupGroup, restoreGroup, schedulePolicyGroup, scheduleGroup,
  clusterPairGroup, migrationGroup, failoverGroup, failbackGroup, daemonGroup, serveGroup,
];

/** The command words (group, verb) before the first flag other than the global ones, and the rest. */
export function splitCommand(argv: string[]): { words: string[]; rest: string[] } {
  const words: string[] = [];
  const rest = [...argv];
  for (let i = 0; i < rest.length && words.length < 2;) {
    const token = rest[i]!;
    if (token === "-o" || token === "--output") i += 2;
    else if (/^(-o.|--output=|-h$|--help$)/.test(token)) i += 1;
    else if (token.startsWith("-")) break;
    else words.push(...rest.splice(i, 1));
  }
  return { words, rest };
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * Input that is wrong as given (before anything was attempted) is a usage error, exit 2. Engine
 * errors are told by name and code: importing their classes would load the Kubernetes client.
 */
export function isBadInput(err: unknown): boolean {
  if (err instanceof UsageError || err instanceof SelectorError || ["RuleValidationError", "NotFoundError"].includes((err as Error | undefined)?.name ?? "")) return true;
  const { name, code } = (err ?? {}) as { name?: string; code?: string };
  return (name === "ClusterError" && (code === "malformed-kubeconfig" || code === "unknown-context" || code === "unknown-namespace" || code === "unknown-kind"))
    || (name === "LocationError" && code === "invalid-config")
    || (name === "RepositoryError" && code === "no-such-backup");
}

function checkArgs(cmd: Command, args: string[]): void {
  const names = cmd.usage.split(" ").filter((w) => /^\[?[A-Z][A-Z|]*\]?$/.test(w));
  if (args.length < cmd.args.min) throw new UsageError(`missing ${names.filter((n) => !n.startsWith("["))[args.length] ?? "argument"}`);
  if (args.length > cmd.args.max) throw new UsageError(`unexpected argument "${args[cmd.args.max]}"`);
}

interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
}

const flush = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write("", () => resolve()));

async function ask(io: Io, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

/** Runs one command line; resolves with the exit code once output is flushed. */
export async function runCli(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }): Promise<number> {
  // The AWS SDK warns on every run under Node 20 about its releases of 2027; Lifeboat pins its SDK
  // and supports Node 20, so the warning would only bury the command's own messages.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const out = (text: string) => void io.stdout.write(`${text}\n`);
  const err = (text: string) => void io.stderr.write(`${text}\n`);
  const controller = new AbortController();
  const meta: Meta = { helpFor: "lifeboat --help", interruptNote: "\ninterrupting… (press Ctrl-C again to quit at once)" };
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    controller.abort();
    if (meta.interruptNote) err(meta.interruptNote);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let code: number;
  try {
    code = await dispatch(argv, io, out, err, controller.signal, meta);
  } catch (e) {
    code = report(e, err, meta.helpFor, controller.signal.aborted, io.env);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  // The transfer engine's worker threads would keep the process alive.
  await (await import("../transfer/pool")).closeTransferPool();
  await Promise.all([flush(io.stdout), flush(io.stderr)]);
  return code;
}

function report(e: unknown, err: (text: string) => void, helpFor: string, interrupted: boolean, env: NodeJS.ProcessEnv): number {
  const message = e instanceof Error ? e.message : String(e);
  if (isBadInput(e)) {
    err(`error: ${message}`);
    const hint = (e as { hint?: string }).hint;
    if (hint) err(`hint: ${hint}`);
    err(`See '${helpFor}' for usage.`);
    return EXIT.usage;
  }
  if (interrupted) {
    err(`interrupted: ${message}`);
    return EXIT.interrupted;
  }
  err(`error: ${message}`);
  const hint = (e as { hint?: string }).hint;
  if (hint) err(`hint: ${hint}`);
  if (env.LIFEBOAT_DEBUG && e instanceof Error && e.stack) err(e.stack);
  return EXIT.failed;
}

/** What the signal handler and the error report need to know about the command being run. */
interface Meta {
  helpFor: string;
  interruptNote: string;
}

async function dispatch(argv: string[], io: Io, out: (t: string) => void, err: (t: string) => void, signal: AbortSignal, meta: Meta): Promise<number> {
  const { words, rest } = splitCommand(argv);
  const [groupName, verb] = words;
  const wantsHelp = rest.some((t) => t === "-h" || t === "--help");
  if (!groupName || groupName === "help") {
    out(rootHelp(GROUPS));
    return EXIT.ok;
  }
  if (groupName === "version") {
    const { flags } = parseFlags(rest, GLOBAL_FLAGS);
    out(flags.output === "json" ? JSON.stringify({ version: version() }) : `lifeboat ${version()}`);
    return EXIT.ok;
  }
  const group = GROUPS.find((g) => g.name === groupName);
  if (!group) throw new UsageError(`unknown command "${groupName}" (commands: ${GROUPS.map((g) => g.name).join(", ")}, version)`);
  meta.helpFor = `lifeboat ${group.name} --help`;
  // A one-command group (lifeboat daemon) takes the word after its name as an argument.
  if (group.command && verb !== undefined) rest.unshift(verb);
  if (!verb && !group.command) {
    out(groupHelp(group));
    return EXIT.ok;
  }
  const cmd = group.command ?? group.commands.find((c) => c.name === verb);
  if (!cmd) throw new UsageError(`unknown command "${group.name} ${verb}" (${group.name} commands: ${group.commands.map((c) => c.name).join(", ")})`);
  const path = group.command ? group.name : `${group.name} ${cmd.name}`;
  meta.helpFor = `lifeboat ${path} --help`;
  if (cmd.interruptNote !== undefined) meta.interruptNote = cmd.interruptNote;
  if (wantsHelp) {
    out(commandHelp(path, cmd));
    return EXIT.ok;
  }
  const { flags, positionals } = parseFlags(rest, { ...cmd.flags, ...GLOBAL_FLAGS });
  const output = (flags.output ?? "table") as OutputFormat;
  if (output !== "table" && output !== "json") throw new UsageError(`-o must be table or json, not "${String(flags.output)}"`);
  checkArgs(cmd, positionals);
  const ctx: Context = {
    state: new State(lifeboatHome(io.env)),
    output,
    out,
    err,
    progress: createReporter(io.stderr, { steps: output !== "json" }),
    signal,
    interactive: Boolean(io.stdin.isTTY && io.stderr.isTTY),
    ask: (q) => ask(io, q),
  };
  return cmd.run(ctx, { args: positionals, flags });
}
