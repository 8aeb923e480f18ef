// Running backup rules: pre actions in order (background ones left holding), then, when the backup
// is done, background actions ended and post actions run. Post actions run whenever the pre
// phase began — also after a pre action failed — because unlocking a database that was not locked
// is harmless and leaving one locked is not.
import { CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { execStream, type ExecHandle, type ExecOutcome, type ExecTarget } from "../clusters/exec";
import { RuleValidationError, validateRules, WAIT_CMD, type BackupRules, type ValidAction } from "./schema";
import { commandArgv, holdingMarker, newActionId, NO_TMP_EXIT, STOP_SECONDS, substituteWaitCmd, unreleasedMarker, wrapCommand } from "./shell";

export interface ActionResult {
  /** "pre" also covers starting a background action; "background-end" is its release. */
  phase: "pre" | "post" | "background-end";
  action: string;
  namespace: string;
  /** Empty when the action found no pod to run in. */
  pod: string;
  container: string;
  ok: boolean;
  exitCode?: number;
  message?: string;
  /** The end of stdout (for a background action: what it printed after ${WAIT_CMD}, e.g. pg_backup_stop's label). */
  output?: string;
  startedAt: string;
  endedAt: string;
}

export class RuleError extends Error {
  constructor(message: string, readonly results: ActionResult[]) {
    super(message);
    this.name = "RuleError";
  }
}

export interface RulesRun {
  /** Every result so far, in the order they were reached. */
  readonly results: ActionResult[];
  /**
   * Ends background actions (last started first), then runs post actions in order. Resolves with all
   * results; rejects with RuleError (holding all results) when an action with onFailure "fail"
   * failed here, after everything ran. Calling it again returns the same promise.
   */
  finish(): Promise<ActionResult[]>;
}

export interface StartOptions {
  /** Aborting stops the running pre action and runs no further ones; post actions still run. */
  signal?: AbortSignal;
  onResult?(result: ActionResult): void;
}

const OUTPUT_KEEP = 4096;
// A line the wrapper ignores, so that kubelet does not end a held stream as idle
// (--streaming-connection-idle-timeout, 4 h by default): that would release the lock mid-backup.
const KEEPALIVE_MS = 60_000;
const DETAIL_KEEP = 600;

interface Target extends ExecTarget {
  container: string;
}

/** Stdin of the wrapper: lines sent on demand, then its end. */
class Control implements AsyncIterable<Uint8Array> {
  private queue: Uint8Array[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  send(line: string): void {
    if (this.ended) return;
    this.queue.push(Buffer.from(`${line}\n`));
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}

interface Ended {
  outcome?: ExecOutcome;
  error?: Error;
  at: Date;
}

/** One command running under the wrapper in one container. */
class Session {
  readonly ended: Promise<Ended>;
  private partial = "";
  private tail = "";
  private markerSeen = false;
  private onMarker: (() => void) | undefined;
  /** A background command ended before its release (the wrapper said so). */
  unreleased = false;

  private constructor(readonly control: Control, private readonly handle: ExecHandle, private readonly markers?: { holding: string; unreleased: string }) {
    handle.output.on("data", (chunk: Buffer) => this.take(chunk.toString("utf8")));
    handle.output.on("error", () => undefined); // reported through `ended`
    this.ended = handle.done.then(
      (outcome) => ({ outcome, at: new Date() }),
      (error: Error) => ({ error, at: new Date() }),
    ).then((e) => {
      this.control.end();
      return e;
    });
  }

  static async open(kc: KubeConfig, target: Target, argv: string[], markers?: { holding: string; unreleased: string }): Promise<Session> {
    const control = new Control();
    const handle = await execStream(kc, target, argv, { stdin: control });
    return new Session(control, handle, markers);
  }

  /** Resolves when the marker line appears on stdout. */
  marked(): Promise<void> {
    if (this.markerSeen) return Promise.resolve();
    return new Promise((resolve) => (this.onMarker = resolve));
  }

  /** stdout's end; after the marker only, when there is one. */
  output(): string {
    return (this.tail + this.partial).slice(-OUTPUT_KEEP);
  }

  close(): void {
    this.handle.close();
  }

  private take(text: string): void {
    const lines = (this.partial + text).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      const bare = line.replace(/\r$/, "");
      if (this.markers && !this.markerSeen && bare === this.markers.holding) {
        this.markerSeen = true;
        this.tail = "";
        this.onMarker?.();
        continue;
      }
      if (this.markers && bare === this.markers.unreleased) {
        this.unreleased = true;
        continue;
      }
      this.tail = `${this.tail}${line}\n`.slice(-OUTPUT_KEEP);
    }
    if (this.partial.length > OUTPUT_KEEP) {
      this.tail = (this.tail + this.partial).slice(-OUTPUT_KEEP);
      this.partial = "";
    }
  }
}

const sleep = (ms: number) => new Promise<"slept">((resolve) => setTimeout(() => resolve("slept"), ms).unref());
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** The last lines of stderr (or stdout) worth quoting in a message. */
function detailOf(ended: Ended, stdout: string): string {
  const text = (ended.outcome?.stderr.trim() || stdout.trim() || ended.outcome?.status.message?.trim() || "").slice(-DETAIL_KEEP);
  return text ? `: ${text}` : "";
}

function describeEnd(ended: Ended, stdout: string): { exitCode?: number; message: string } {
  if (ended.error) return { message: `the exec stream broke: ${ended.error.message}` };
  const outcome = ended.outcome!;
  if (outcome.exitCode === -1) {
    const status = outcome.status.message ?? "no exit status";
    const hint = /executable file not found|no such file/i.test(status) ? " (rule commands run under /bin/sh: the container needs a shell)" : "";
    return { message: `could not run the command: ${status}${hint}` };
  }
  if (outcome.exitCode === NO_TMP_EXIT && /lifeboat: cannot create/.test(outcome.stderr)) return { exitCode: outcome.exitCode, message: outcome.stderr.trim() };
  return { exitCode: outcome.exitCode, message: `exited with code ${outcome.exitCode}${detailOf(ended, stdout)}` };
}

interface Held {
  action: ValidAction;
  target: Target;
  session: Session;
  heldAt: Date;
}

class Runner {
  readonly results: ActionResult[] = [];
  private readonly held: Held[][] = [];
  private readonly core: CoreV1Api;
  private finishing: Promise<ActionResult[]> | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly rules: { pre: ValidAction[]; post: ValidAction[] },
    private readonly namespaces: string[],
    private readonly opts: StartOptions,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Records an action's results in pod order, whatever order they completed in. */
  private record(results: ActionResult[]): ActionResult[] {
    for (const r of results) {
      this.results.push(r);
      try {
        this.opts.onResult?.(r);
      } catch { /* a listener's bug must not stop an unlock */ }
    }
    return results;
  }

  /** Runs pre actions; false when one with onFailure "fail" failed or the signal aborted. */
  async runPre(): Promise<"ok" | "failed" | "cancelled"> {
    for (const action of this.rules.pre) {
      if (this.opts.signal?.aborted) return "cancelled";
      const results = action.background ? await this.startBackground(action) : await this.runAction(action, "pre", this.opts.signal);
      if (this.opts.signal?.aborted) return "cancelled";
      if (action.onFailure === "fail" && results.some((r) => !r.ok)) return "failed";
    }
    return "ok";
  }

  finish(): Promise<ActionResult[]> {
    this.finishing ??= this.doFinish();
    return this.finishing;
  }

  private async doFinish(): Promise<ActionResult[]> {
    const failed: ActionResult[] = [];
    for (const group of [...this.held].reverse()) {
      const results = this.record(await Promise.all(group.map((h) => this.endBackground(h))));
      failed.push(...results.filter((r, i) => !r.ok && group[i]!.action.onFailure === "fail"));
    }
    for (const action of this.rules.post) {
      const results = await this.runAction(action, "post");
      if (action.onFailure === "fail") failed.push(...results.filter((r) => !r.ok));
    }
    if (failed.length > 0) throw new RuleError(summarize("finishing the backup rules failed", failed), [...this.results]);
    return [...this.results];
  }

  private async targets(action: ValidAction): Promise<Target[] | string> {
    const namespaces = action.namespace ? [action.namespace] : this.namespaces;
    const found: Target[] = [];
    const skipped: string[] = [];
    let matched = 0;
    for (const namespace of namespaces) {
      let pods: V1Pod[];
      try {
        pods = (await this.core.listNamespacedPod({ namespace, labelSelector: action.podSelector })).items;
      } catch (err) {
        return `could not list pods in namespace ${namespace}: ${(err as Error).message}`;
      }
      matched += pods.length;
      pods.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
      const ready: Target[] = [];
      for (const pod of pods) {
        const name = pod.metadata?.name ?? "";
        const container = action.container ?? pod.spec?.containers[0]?.name ?? "";
        const why = unready(pod, container);
        if (why) skipped.push(`${namespace}/${name}: ${why}`);
        else ready.push({ namespace, pod: name, container });
      }
      found.push(...(action.runIn === "one" ? ready.slice(0, 1) : ready));
    }
    if (found.length > 0) return found;
    const where = namespaces.length === 1 ? `namespace ${namespaces[0]}` : `namespaces ${namespaces.join(", ")}`;
    if (matched === 0) return `no pod matches the selector "${action.podSelector}" in ${where}`;
    return `${matched} pod(s) match the selector "${action.podSelector}" in ${where}, but none can run it: ${skipped.slice(0, 5).join("; ")}`;
  }

  private noTarget(action: ValidAction, phase: "pre" | "post", message: string, startedAt: Date): ActionResult[] {
    return this.record([{
      phase, action: action.label, namespace: action.namespace ?? this.namespaces.join(","), pod: "", container: action.container ?? "",
      ok: false, message, startedAt: startedAt.toISOString(), endedAt: new Date().toISOString(),
    }]);
  }

  /** A plain action in each of its pods, in parallel. */
  private async runAction(action: ValidAction, phase: "pre" | "post", signal?: AbortSignal): Promise<ActionResult[]> {
    const startedAt = new Date();
    const targets = await this.targets(action);
    if (typeof targets === "string") return this.noTarget(action, phase, targets, startedAt);
    return this.record(await Promise.all(targets.map((t) => this.runIn(action, phase, t, signal))));
  }

  private async runIn(action: ValidAction, phase: "pre" | "post", target: Target, signal?: AbortSignal): Promise<ActionResult> {
    const startedAt = new Date();
    const base = { phase, action: action.label, namespace: target.namespace, pod: target.pod, container: target.container, startedAt: startedAt.toISOString() };
    const id = newActionId();
    let session: Session;
    try {
      session = await Session.open(this.kc, target, wrapCommand(commandArgv(action.command), id, "plain", 0));
    } catch (err) {
      return { ...base, ok: false, message: `could not run the command: ${(err as Error).message}`, endedAt: new Date().toISOString() };
    }
    const stopped = new AbortController();
    const cancel = () => stopped.abort();
    signal?.addEventListener("abort", cancel, { once: true });
    const timer = setTimeout(cancel, action.timeoutSeconds * 1000);
    const stopping = new Promise<"stop">((resolve) => stopped.signal.addEventListener("abort", () => resolve("stop"), { once: true }));
    try {
      const first = await Promise.race([session.ended, stopping]);
      if (first !== "stop") {
        const end = describeEnd(first, session.output());
        const ok = first.outcome?.exitCode === 0;
        return { ...base, ok, exitCode: end.exitCode, ...(ok ? {} : { message: end.message }), output: session.output(), endedAt: first.at.toISOString() };
      }
      const why = signal?.aborted ? "cancelled" : `timed out after ${action.timeoutSeconds} s`;
      const ended = await this.stop(session);
      const message = ended
        ? `${why}; stopped${ended.outcome ? ` (exit code ${ended.outcome.exitCode})` : ""}`
        : `${why} and did not stop within ${STOP_SECONDS} s; the stream was closed and the command may still be running in the pod`;
      return { ...base, ok: false, exitCode: ended?.outcome?.exitCode, message, output: session.output(), endedAt: new Date().toISOString() };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", cancel);
    }
  }

  /** Asks the wrapper to stop its command; closes the stream when that takes too long. */
  private async stop(session: Session): Promise<Ended | undefined> {
    session.control.send("stop");
    session.control.end();
    const ended = await Promise.race([session.ended, sleep(STOP_SECONDS * 1000)]);
    if (ended !== "slept") return ended;
    session.close();
    return undefined;
  }

  private async startBackground(action: ValidAction): Promise<ActionResult[]> {
    const startedAt = new Date();
    const targets = await this.targets(action);
    if (typeof targets === "string") return this.noTarget(action, "pre", targets, startedAt);
    const group: Held[] = [];
    this.held.push(group);
    const results = this.record(await Promise.all(targets.map((t) => this.startBackgroundIn(action, t, group))));
    group.sort((a, b) => a.target.namespace.localeCompare(b.target.namespace) || a.target.pod.localeCompare(b.target.pod));
    return results;
  }

  private async startBackgroundIn(action: ValidAction, target: Target, group: Held[]): Promise<ActionResult> {
    const startedAt = new Date();
    const base = { phase: "pre" as const, action: action.label, namespace: target.namespace, pod: target.pod, container: target.container, startedAt: startedAt.toISOString() };
    const id = newActionId();
    const argv = wrapCommand(substituteWaitCmd(commandArgv(action.command), id), id, "hold", action.timeoutSeconds);
    let session: Session;
    try {
      session = await Session.open(this.kc, target, argv, { holding: holdingMarker(id), unreleased: unreleasedMarker(id) });
    } catch (err) {
      return { ...base, ok: false, message: `could not start the command: ${(err as Error).message}`, endedAt: new Date().toISOString() };
    }
    const signal = this.opts.signal;
    const stopped = new AbortController();
    const cancel = () => stopped.abort();
    signal?.addEventListener("abort", cancel, { once: true });
    const timer = setTimeout(cancel, action.timeoutSeconds * 1000);
    const stopping = new Promise<"stop">((resolve) => stopped.signal.addEventListener("abort", () => resolve("stop"), { once: true }));
    try {
      const first = await Promise.race([session.marked().then(() => "held" as const), session.ended, stopping]);
      if (first === "held") {
        const heldAt = new Date();
        const keepalive = setInterval(() => session.control.send("keepalive"), KEEPALIVE_MS);
        keepalive.unref();
        void session.ended.then(() => clearInterval(keepalive));
        group.push({ action, target, session, heldAt });
        return { ...base, ok: true, message: `holding: reached ${WAIT_CMD} after ${seconds(heldAt.getTime() - startedAt.getTime())}`, endedAt: heldAt.toISOString() };
      }
      if (first !== "stop") {
        const end = describeEnd(first, session.output());
        return { ...base, ok: false, exitCode: end.exitCode, message: `ended before reaching ${WAIT_CMD} (${end.message})`, output: session.output(), endedAt: first.at.toISOString() };
      }
      const why = signal?.aborted ? "cancelled" : `did not reach ${WAIT_CMD} within ${action.timeoutSeconds} s`;
      const ended = await this.stop(session);
      const message = ended
        ? `${why}; stopped${ended.outcome ? ` (exit code ${ended.outcome.exitCode})` : ""}`
        : `${why}, and did not stop within ${STOP_SECONDS} s; the stream was closed and the command may still be running in the pod`;
      return { ...base, ok: false, exitCode: ended?.outcome?.exitCode, message, output: session.output(), endedAt: new Date().toISOString() };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", cancel);
    }
  }

  /** Releases a background action (end of its stdin) and waits for it to end. */
  private async endBackground(h: Held): Promise<ActionResult> {
    const startedAt = new Date();
    const base = { phase: "background-end" as const, action: h.action.label, namespace: h.target.namespace, pod: h.target.pod, container: h.target.container, startedAt: startedAt.toISOString() };
    h.session.control.end();
    const allowed = h.action.timeoutSeconds * 1000;
    const ended = await Promise.race([h.session.ended, sleep(allowed + STOP_SECONDS * 1000)]);
    if (ended === "slept") {
      h.session.close();
      return {
        ...base, ok: false, message: `held ${seconds(startedAt.getTime() - h.heldAt.getTime())}; after the release it did not end within ${h.action.timeoutSeconds} s nor when stopped; the stream was closed and the command may still be running in the pod`,
        output: h.session.output(), endedAt: new Date().toISOString(),
      };
    }
    // Ended before the release: the wrapper said so, or the stream broke before we released.
    const broke = ended.error !== undefined && ended.at.getTime() <= startedAt.getTime();
    if (h.session.unreleased || broke) {
      const how = ended.error
        ? `its exec stream broke by ${ended.at.toISOString()} (${ended.error.message}), which releases ${WAIT_CMD}`
        : `it ended on its own by ${ended.at.toISOString()} with exit code ${ended.outcome!.exitCode}${detailOf(ended, h.session.output())}`;
      return {
        ...base, ok: false, exitCode: ended.outcome?.exitCode,
        message: `${how}, after reaching ${WAIT_CMD} and before the backup finished: the lock was not held for the whole backup`,
        output: h.session.output(), endedAt: new Date().toISOString(),
      };
    }
    const heldFor = seconds(startedAt.getTime() - h.heldAt.getTime());
    const took = ended.at.getTime() - startedAt.getTime();
    const ok = ended.outcome?.exitCode === 0;
    const end = describeEnd(ended, h.session.output());
    const late = took > allowed ? `did not end within ${h.action.timeoutSeconds} s after the release and was stopped; ` : "";
    return {
      ...base, ok: ok && !late, exitCode: end.exitCode,
      message: ok && !late ? `held ${heldFor}; ended ${seconds(took)} after the release` : `held ${heldFor}; ${late}${end.message}`,
      output: h.session.output(), endedAt: ended.at.toISOString(),
    };
  }
}

function unready(pod: V1Pod, container: string): string | undefined {
  if (pod.metadata?.deletionTimestamp) return "terminating";
  if (pod.status?.phase !== "Running") return `not running (${pod.status?.phase ?? "unknown"})`;
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (!names.includes(container)) return `no container "${container}" (it has ${names.join(", ")})`;
  const status = pod.status.containerStatuses?.find((s) => s.name === container);
  if (!status?.ready) return `container "${container}" is not ready`;
  return undefined;
}

function summarize(what: string, failed: ActionResult[]): string {
  const lines = failed.slice(0, 5).map((r) => `${r.phase} action "${r.action}"${r.pod ? ` in ${r.namespace}/${r.pod} (${r.container})` : ""}: ${r.message ?? "failed"}`);
  const more = failed.length > 5 ? `\n- and ${failed.length - 5} more` : "";
  return `${what}:\n${lines.map((l) => `- ${l}`).join("\n")}${more}`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Validates the rules (nothing runs when they are invalid: RuleValidationError, or SelectorError
 * for a bad selector), runs the pre actions in order and starts the background ones. When an action
 * with onFailure "fail" fails, or the signal aborts, the remaining pre actions are skipped, background
 * actions ended and post actions run; then RuleError is thrown with every result.
 */
export async function startRules(kc: KubeConfig, rules: BackupRules, namespaces: string[], opts: StartOptions = {}): Promise<RulesRun> {
  const valid = validateRules(rules);
  const problems: string[] = [];
  for (const ns of namespaces) if (!DNS_LABEL.test(ns)) problems.push(`the backup's namespace "${ns}" is not a valid namespace name`);
  for (const phase of ["pre", "post"] as const) {
    valid[phase].forEach((a, i) => {
      if (!a.namespace && namespaces.length === 0) problems.push(`${phase}[${i}] "${a.label}": no namespace, and the backup names none`);
    });
  }
  if (problems.length > 0) throw new RuleValidationError(problems);

  const runner = new Runner(kc, valid, namespaces, opts);
  const state = await runner.runPre();
  if (state === "ok") return { results: runner.results, finish: () => runner.finish() };

  let finishError: RuleError | undefined;
  await runner.finish().catch((err: unknown) => {
    if (err instanceof RuleError) finishError = err;
    else throw err;
  });
  const failed = runner.results.filter((r) => !r.ok);
  const what = state === "cancelled" ? "the backup rules were cancelled" : "a pre action failed";
  const message = `${failed.length ? summarize(what, failed) : what}\n(background actions were ended and post actions ran${finishError ? "; see the results" : ""})`;
  throw new RuleError(message, [...runner.results]);
}
