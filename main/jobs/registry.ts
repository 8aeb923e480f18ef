// The engine's running and recent jobs. A job is anything long an admin starts and watches (a
// backup, a restore, a migration run, a failover): the registry gives it an id, a cancel switch,
// progress and a short log, and keeps the recent ones, so a window that reloads (or a second
// window) lists them and resubscribes to live progress instead of losing sight of them.
import { randomBytes } from "node:crypto";
import type { JobKind, JobLogLine, JobProgress, JobView } from "../../shared/api";

const MAX_LOG_LINES = 500;
const MAX_FINISHED_JOBS = 100;
/** Progress events at most this often per job; state changes and the end always go out. */
const PROGRESS_INTERVAL_MS = 250;

export interface JobHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  progress(change: Partial<JobProgress>): void;
  log(message: string, level?: JobLogLine["level"]): void;
  warn(message: string): void;
  setResultRef(ref: string): void;
}

export type JobListener = (event: { type: "job.updated"; job: JobView } | { type: "job.log"; line: JobLogLine }) => void;

interface Entry {
  view: JobView;
  log: JobLogLine[];
  controller: AbortController;
  done: Promise<void>;
  lastEmit: number;
  pending?: ReturnType<typeof setTimeout>;
}

export class JobCancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "JobCancelled";
  }
}

const emptyProgress = (): JobProgress => ({ step: "starting", percent: 0, bytesRead: 0, bytesNew: 0, bytesUploaded: 0, bytesPerSecond: 0 });

export class JobRegistry {
  private readonly jobs = new Map<string, Entry>();
  private readonly listeners = new Set<JobListener>();

  subscribe(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): JobView[] {
    return [...this.jobs.values()].map((e) => e.view).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  get(id: string): { job: JobView; log: JobLogLine[] } | undefined {
    const e = this.jobs.get(id);
    return e && { job: e.view, log: [...e.log] };
  }

  running(): JobView[] {
    return this.list().filter((j) => j.state === "running");
  }

  cancel(id: string): boolean {
    const e = this.jobs.get(id);
    if (!e || e.view.state !== "running") return false;
    e.controller.abort(new JobCancelled());
    this.appendLog(e, "cancel requested", "warn");
    return true;
  }

  /** Cancels every running job and waits for them to stop (on quit). */
  async stopAll(timeoutMs = 10_000): Promise<void> {
    const running = [...this.jobs.values()].filter((e) => e.view.state === "running");
    for (const e of running) e.controller.abort(new JobCancelled());
    await Promise.race([Promise.allSettled(running.map((e) => e.done)), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
  }

  /**
   * Starts `work` as a job and returns its id at once. The job succeeds when work resolves, ends
   * cancelled when its signal was aborted, and fails with the error's message otherwise.
   */
  start(kind: JobKind, title: string, work: (job: JobHandle) => Promise<void>, subject?: string): string {
    const id = `${kind}-${randomBytes(5).toString("hex")}`;
    const controller = new AbortController();
    const entry: Entry = {
      view: { id, kind, title, ...(subject !== undefined ? { subject } : {}), state: "running", startedAt: new Date().toISOString(), progress: emptyProgress(), warnings: [] },
      log: [],
      controller,
      done: Promise.resolve(),
      lastEmit: 0,
    };
    this.jobs.set(id, entry);
    const handle: JobHandle = {
      id,
      signal: controller.signal,
      progress: (change) => {
        if (entry.view.state !== "running") return;
        entry.view = { ...entry.view, progress: { ...entry.view.progress, ...change } };
        this.emitThrottled(entry, change.step !== undefined);
      },
      log: (message, level = "info") => this.appendLog(entry, message, level),
      warn: (message) => {
        entry.view = { ...entry.view, warnings: [...entry.view.warnings, message] };
        this.appendLog(entry, message, "warn");
      },
      setResultRef: (ref) => {
        entry.view = { ...entry.view, resultRef: ref };
      },
    };
    this.appendLog(entry, `started: ${title}`, "info");
    this.emit(entry);
    entry.done = (async () => {
      try {
        await work(handle);
        this.finish(entry, "succeeded");
      } catch (err) {
        if (controller.signal.aborted) this.finish(entry, "cancelled", "Cancelled; nothing was committed.");
        else this.finish(entry, "failed", err instanceof Error ? err.message : String(err));
      }
    })();
    this.forgetOld();
    return id;
  }

  /** Resolves when the job has ended (tests and the CLI wait on it). */
  async wait(id: string): Promise<JobView> {
    const e = this.jobs.get(id);
    if (!e) throw new Error(`no job ${id}`);
    await e.done;
    return e.view;
  }

  private finish(entry: Entry, state: JobView["state"], error?: string): void {
    const progress = state === "succeeded" ? { ...entry.view.progress, step: "done", detail: undefined, percent: 100, bytesPerSecond: 0, etaSeconds: undefined } : { ...entry.view.progress, bytesPerSecond: 0, etaSeconds: undefined };
    entry.view = { ...entry.view, state, finishedAt: new Date().toISOString(), progress, ...(error ? { error } : {}) };
    this.appendLog(entry, state === "succeeded" ? "succeeded" : `${state}${error ? `: ${error}` : ""}`, state === "failed" ? "error" : state === "cancelled" ? "warn" : "info");
    if (entry.pending) clearTimeout(entry.pending);
    this.emit(entry);
  }

  private appendLog(entry: Entry, message: string, level: JobLogLine["level"]): void {
    const line: JobLogLine = { jobId: entry.view.id, at: new Date().toISOString(), level, message };
    entry.log.push(line);
    if (entry.log.length > MAX_LOG_LINES) entry.log.splice(0, entry.log.length - MAX_LOG_LINES);
    for (const l of this.listeners) l({ type: "job.log", line });
  }

  private emitThrottled(entry: Entry, now: boolean): void {
    const wait = PROGRESS_INTERVAL_MS - (Date.now() - entry.lastEmit);
    if (now || wait <= 0) {
      if (entry.pending) clearTimeout(entry.pending);
      entry.pending = undefined;
      this.emit(entry);
    } else {
      entry.pending ??= setTimeout(() => {
        entry.pending = undefined;
        this.emit(entry);
      }, wait);
    }
  }

  private emit(entry: Entry): void {
    entry.lastEmit = Date.now();
    for (const l of this.listeners) l({ type: "job.updated", job: entry.view });
  }

  private forgetOld(): void {
    const finished = this.list().filter((j) => j.state !== "running");
    for (const j of finished.slice(MAX_FINISHED_JOBS)) this.jobs.delete(j.id);
  }
}
