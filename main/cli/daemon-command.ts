// lifeboat daemon [--once]: the protection scheduler and the migration scheduler, headless, over the
// CLI's state. Both read their schedules again at every check (at least once a minute), so a
// schedule or migration created, paused or deleted from another shell is followed without a
// restart. One line per event on stdout (JSON lines with -o json) for journald or a log file.
// SIGTERM or Ctrl-C stops it: running backups (nothing of them committed) and migrations are
// cancelled, and it exits 0 once they have stopped.
import type { Repository } from "../repo/repository";
import type { SchedulePolicy } from "../schedule/policy";
import type { BackupSchedule, LocationRunResult, ProtectionContext } from "../schedule/protect";
import type { Schedule, SchedulerEvent, ScheduleState } from "../schedule/scheduler";
import { command, CommandError, EXIT, type Context, type Group } from "./command";
import type { Closeable } from "./dr-runtime";
import { DaemonLock } from "../schedule/daemon-lock";

interface LogEntry {
  /** The schedule's name, migration/NAME for a migration, or "-" for the daemon itself. */
  schedule: string;
  event: string;
  message?: string;
  [extra: string]: unknown;
}

/** One line per event: "TIME SCHEDULE EVENT MESSAGE", or one JSON object per line. */
function logger(ctx: Context, iso: (d?: Date) => string): (entry: LogEntry) => void {
  return ({ schedule, event, message, ...extra }) => {
    const time = iso();
    if (ctx.output === "json") {
      ctx.out(JSON.stringify({ time, schedule, event, ...(message !== undefined ? { message } : {}), ...extra }));
      return;
    }
    ctx.out(`${time} ${schedule} ${event}${message ? ` ${message}` : ""}`);
  };
}

const daemon = command({
  name: "daemon",
  summary: "Run the backup schedules and migrations: until stopped, or what is due now with --once",
  usage: "[--once] [flags]",
  description: [
    "Runs each backup schedule and each migration when its policy says, never two runs of one at once. Slots",
    "missed while no daemon ran are made up by one run (not one per slot). Both are read again at every check",
    "(at least once a minute): `lifeboat schedule|migration …` in another shell needs no restart. A migration",
    "does not run while its application is failed over. One daemon per $LIFEBOAT_HOME (daemon.pid holds its",
    "pid); a second one refuses to start.",
    "",
    "Logs one line per event on stdout: ISO time, schedule (migration/NAME for a migration, - for the daemon),",
    "event (started, succeeded, failed, skipped, cancelled; daemon-started, daemon-stopping, daemon-stopped,",
    "nothing-due, done, error), message. -o json writes the same as one JSON object per line.",
    "",
    "SIGTERM or Ctrl-C stops it: running backups and migrations are cancelled (nothing of a backup is",
    "committed; the next start runs their slot again) and it exits 0. With --once it runs what is due now,",
    "waits for those runs and exits:",
    "0 if all succeeded, 1 if any failed, 130 if interrupted. See docs/lifeboat-daemon.md for systemd units.",
  ].join("\n"),
  args: { min: 0, max: 0 },
  flags: {
    once: { type: "boolean", help: "run what is due now (including one catch-up run for missed slots), wait for it, exit (for cron or a systemd timer)" },
  },
  examples: ["lifeboat daemon", "lifeboat daemon --once -o json >> /var/log/lifeboat.log"],
  // The daemon logs its own stop on stdout.
  interruptNote: "",
  async run(ctx, { flags }) {
    const lock = new DaemonLock(ctx.state.home);
    const held = lock.acquire();
    if (!held.ok) {
      throw new CommandError(`another lifeboat daemon${held.pid > 0 ? ` (pid ${held.pid})` : ""} is running the schedules of ${ctx.state.home}`,
        "two daemons would run every backup twice; stop that one first (systemctl --user stop lifeboat, or kill PID)");
    }
    try {
      return await serve(ctx, Boolean(flags.once));
    } finally {
      lock.release();
    }
  },
});

async function serve(ctx: Context, once: boolean): Promise<number> {
  const store = await ctx.state.schedules();
  const [clusters, locations, dr] = await Promise.all([ctx.state.clusters(), ctx.state.locations(), ctx.state.dr()]);
  const { Scheduler, runScheduledBackup } = await import("../schedule/index");
  const { migrationScheduler, migrationScheduleId } = await import("../dr/index");
  const { drContext } = await import("./dr-runtime");
  const { AsyncLocalStorage } = await import("node:async_hooks");
  const v = await import("./schedule-view");
  const log = logger(ctx, v.isoSecond);

  // The schedules as the scheduler sees them, read again at each check. A file that cannot be read
  // (edited by hand, half-copied) keeps the last good list rather than stopping the daemon; a
  // schedule whose policy is missing does not run. Each problem is logged once, when it appears.
  const names = new Map<string, string>();
  let current: Array<{ backup: BackupSchedule; schedule: Schedule }> = [];
  let problems = new Set<string>();
  const report = (now: Set<string>) => {
    for (const p of now) if (!problems.has(p)) log({ schedule: "-", event: "error", message: p });
    problems = now;
  };
  const read = (): Schedule[] => {
    const found = new Set<string>();
    try {
      const policies = new Map<string, SchedulePolicy>(store.policies().map((p) => [p.name, p]));
      current = store.schedules().flatMap((backup) => {
        names.set(backup.id, backup.name);
        const policy = policies.get(backup.policy);
        if (!policy) {
          found.add(`schedule ${backup.name} names the policy "${backup.policy}", which does not exist; it does not run`);
          return [];
        }
        return [{ backup, schedule: { id: backup.id, policy, createdAt: backup.createdAt, paused: backup.paused } }];
      });
      // The migration scheduler leaves out a migration whose policy is gone: say so here, once.
      try {
        for (const m of dr.migrations()) if (!policies.has(m.policy)) found.add(`migration ${m.name} names the policy "${m.policy}", which does not exist; it does not run`);
      } catch (err) {
        found.add(`${(err as Error).message}; migrations do not run until it is fixed`);
      }
    } catch (err) {
      found.add(`${(err as Error).message}; the schedules read before are kept`);
    }
    report(found);
    return current.map((c) => c.schedule);
  };

  const nextRunOf = (id: string): Date | undefined => {
    const s = current.find((c) => c.schedule.id === id)?.schedule;
    return s && !s.paused ? v.nextStart(s, s.policy, store.get(id), new Date()) : undefined;
  };

  // The slot each schedule's last run was for, before the scheduler moved it to the run it starts now:
  // a run cancelled by a stop gives its slot back, so that the next start makes it up.
  const dueBefore = new Map<string, string | undefined>();
  const state = {
    get: (id: string) => store.get(id),
    set: (id: string, next: ScheduleState) => {
      const previous = store.get(id).lastDueAt;
      if (next.lastDueAt !== previous) dueBefore.set(id, previous);
      store.set(id, next);
    },
  };

  // Repositories are opened for one run and closed when it ends.
  let running = 0;
  const results = new Map<string, LocationRunResult[]>();
  const run = async (schedule: Schedule, _dueAt: Date, signal: AbortSignal) => {
    const backup = store.schedules().find((s) => s.id === schedule.id);
    if (!backup) return { ok: false, message: "the schedule was deleted" };
    const slotBefore = dueBefore.get(schedule.id);
    running++;
    const opened: Repository[] = [];
    const protection: ProtectionContext = {
      kubeConfig: (name) => clusters.kubeConfigByName(name),
      async openRepository(name) {
        const repo = await locations.openRepository(name);
        opened.push(repo);
        return repo;
      },
    };
    try {
      const r = await runScheduledBackup(protection, backup, schedule.policy, signal);
      results.set(schedule.id, r.results);
      if (!signal.aborted || r.ok) return r;
      store.set(schedule.id, { ...store.get(schedule.id), lastDueAt: slotBefore });
      const done = r.results.filter((l) => l.ok).map((l) => l.location);
      const notDone = backup.locations.filter((l) => !done.includes(l));
      return {
        ok: false,
        message: `cancelled: the daemon stopped; nothing was committed in ${notDone.join(", ")}${done.length ? ` (backed up to ${done.join(", ")} before)` : ""}, and its next start runs this slot again`,
      };
    } finally {
      running--;
      await Promise.allSettled(opened.map((repo) => repo.location.close()));
    }
  };

  // Migrations: the engine's scheduler over the same state store (slots under migration-NAME). The
  // engine opens a run's repository inside the run and never closes it; the run's "started" event
  // comes just before the run is called, so the async context entered there tells which run opened
  // what, and it is closed when that run ends.
  const migrationName = (id: string) => id.slice("migration-".length);
  const runContext = new AsyncLocalStorage<string>();
  const openedBy = new Map<string, Closeable[]>();
  const unowned: Closeable[] = [];
  const closing = new Set<Promise<unknown>>();
  const closeAll = (items: Closeable[]) => {
    const p = Promise.allSettled(items.map((c) => c.close()));
    closing.add(p);
    void p.then(() => closing.delete(p));
  };
  const migrationCtx = drContext(clusters, locations, (opened) => {
    const id = runContext.getStore();
    const owner = id !== undefined ? openedBy.get(id) : undefined;
    if (owner) owner.push(opened);
    else unowned.push(opened);
  });
  const nextMigrationRun = (name: string): Date | undefined => {
    try {
      const m = dr.migrations().find((x) => x.name === name);
      const policy = m && store.policies().find((p) => p.name === m.policy);
      if (!m || !policy || m.paused || dr.state(name).active === "destination") return undefined;
      const id = migrationScheduleId(name);
      return v.nextStart({ id, createdAt: m.createdAt }, policy, store.get(id), new Date());
    } catch {
      return undefined;
    }
  };
  /** Active migrations (not paused, not failed over, with a policy) as schedules, for the summary lines. */
  const activeMigrations = (): Array<{ name: string; at: Date }> => {
    try {
      return dr.migrations().flatMap((m) => {
        const at = nextMigrationRun(m.name);
        return at ? [{ name: `migration/${m.name}`, at }] : [];
      });
    } catch {
      return [];
    }
  };
  const migrationCount = () => {
    try {
      return dr.migrations().length;
    } catch {
      return 0;
    }
  };
  let migrationsRunning = 0;

  const counts: Record<SchedulerEvent["type"], number> = { started: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0, error: 0 };
  const onEvent = (e: SchedulerEvent) => {
    counts[e.type]++;
    const schedule = names.get(e.id) ?? e.id;
    if (e.type === "started") {
      log({ schedule, event: e.type, message: [`slot ${v.isoSecond(new Date(e.dueAt))}`, e.message].filter(Boolean).join("; "), dueAt: e.dueAt });
      return;
    }
    const next = nextRunOf(e.id);
    const locationResults = results.get(e.id);
    results.delete(e.id);
    log({
      schedule, event: e.type, message: [e.message, next && !once && !ctx.signal.aborted ? `next run ${v.isoSecond(next)}` : ""].filter(Boolean).join("; "),
      dueAt: e.dueAt, ...(next ? { nextRun: next.toISOString() } : {}), ...(locationResults ? { results: locationResults } : {}),
    });
  };

  const onMigrationEvent = (e: SchedulerEvent) => {
    counts[e.type]++;
    if (e.id === "-" || !e.id.startsWith("migration-")) {
      log({ schedule: "-", event: e.type, message: e.message });
      return;
    }
    const name = migrationName(e.id);
    const schedule = `migration/${name}`;
    if (e.type === "started") {
      migrationsRunning++;
      openedBy.set(e.id, []);
      runContext.enterWith(e.id);
      log({ schedule, event: e.type, message: [`slot ${v.isoSecond(new Date(e.dueAt))}`, e.message].filter(Boolean).join("; "), dueAt: e.dueAt, migration: name });
      return;
    }
    if (e.type !== "skipped") {
      migrationsRunning--;
      closeAll(openedBy.get(e.id) ?? []);
      openedBy.delete(e.id);
    }
    const next = nextMigrationRun(name);
    log({
      schedule, event: e.type, message: [e.message, next && !once && !ctx.signal.aborted ? `next run ${v.isoSecond(next)}` : ""].filter(Boolean).join("; "),
      dueAt: e.dueAt, migration: name, ...(next ? { nextRun: next.toISOString() } : {}),
    });
  };

  const scheduler = new Scheduler({ schedules: read, state, run, onEvent });
  const migrations = migrationScheduler(dr, store, migrationCtx, { onEvent: onMigrationEvent });
  // The context each migration run enters stays inside this call.
  const inRunContext = (fn: () => void) => runContext.run("-", fn);
  const stopped = new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  const stop = async () => {
    const cancelling = [running ? `${running} running backup(s); nothing of them is committed` : "", migrationsRunning ? `${migrationsRunning} running migration(s)` : ""].filter(Boolean);
    log({
      schedule: "-", event: "daemon-stopping",
      message: cancelling.length ? `cancelling ${cancelling.join(", and ")}${ctx.interactive ? " (Ctrl-C again quits at once)" : ""}` : "no backup running",
    });
    await Promise.all([scheduler.stop(), migrations.stop()]);
    closeAll([...openedBy.values()].flat().concat(unowned.splice(0)));
    openedBy.clear();
    await Promise.all(closing);
  };
  const summary = () => {
    const all = read();
    const active = all.filter((s) => !s.paused);
    const starts = active.map((s) => ({ name: names.get(s.id)!, at: v.nextStart(s, s.policy, store.get(s.id), new Date()) })).concat(activeMigrations());
    const soonest = starts.sort((a, b) => a.at.getTime() - b.at.getTime())[0];
    const next = soonest && `; next: ${soonest.name} ${soonest.at.getTime() <= Date.now() ? "(due now)" : `at ${v.isoSecond(soonest.at)}`}`;
    const migrationsCount = migrationCount();
    return { count: all.length, paused: all.length - active.length, migrations: migrationsCount, soonest, next: next ?? "" };
  };
  const migrationsText = (n: number) => (n ? `, ${n} migration(s)` : "");

  if (once) {
    scheduler.tick();
    inRunContext(() => {
      try {
        migrations.tick();
      } catch (err) {
        log({ schedule: "-", event: "error", message: `migrations: ${(err as Error).message}` });
      }
    });
    if (!counts.started) {
      const { count, migrations: m, soonest, next } = summary();
      log({ schedule: "-", event: "nothing-due", message: `${count} schedule(s)${migrationsText(m)}${next}`, ...(soonest ? { nextRun: soonest.at.toISOString() } : {}) });
      return EXIT.ok;
    }
    await Promise.race([Promise.all([scheduler.idle(), migrations.idle()]), stopped]);
    if (ctx.signal.aborted) {
      await stop();
      log({ schedule: "-", event: "daemon-stopped" });
      return EXIT.interrupted;
    }
    await Promise.all(closing);
    log({ schedule: "-", event: "done", message: `${counts.started} run(s): ${counts.succeeded} succeeded, ${counts.failed} failed`, ...counts });
    return counts.failed ? EXIT.failed : EXIT.ok;
  }

  const { count, paused, migrations: migrationsCount, next } = summary();
  log({
    schedule: "-", event: "daemon-started",
    message: `pid ${process.pid}, state in ${ctx.state.home}; ${count} schedule(s)${paused ? ` (${paused} paused)` : ""}${migrationsText(migrationsCount)}${next}`,
    pid: process.pid, home: ctx.state.home, schedules: count, paused, migrations: migrationsCount,
  });
  scheduler.start();
  inRunContext(() => migrations.start());
  await stopped;
  await stop();
  log({ schedule: "-", event: "daemon-stopped" });
  return EXIT.ok;
}

export const daemonGroup: Group = { name: "daemon", summary: "Run the backup schedules and migrations (for systemd, cron or a terminal)", commands: [], command: daemon };
