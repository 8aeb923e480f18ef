// One scheduler per state directory (a `lifeboat daemon`, or the app while it is open).
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * One `lifeboat daemon` per state directory: two would run every schedule twice. daemon.pid holds
 * the running daemon's process id; a file left by a daemon that died (kill -9, a crash) names a
 * process that no longer exists and is taken over.
 */
export class DaemonLock {
  private readonly file: string;

  constructor(home: string) {
    this.file = join(home, "daemon.pid");
  }

  /** The pid of the daemon running on this state directory, if one is. */
  holder(): number | undefined {
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(this.file, "utf8"), 10);
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch (err) {
      // EPERM: it exists, as another user's process.
      return (err as NodeJS.ErrnoException).code === "EPERM" ? pid : undefined;
    }
  }

  /** Takes the lock, or returns the pid of the daemon that holds it. */
  acquire(): { ok: true } | { ok: false; pid: number } {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.file, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
        return { ok: true };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const pid = this.holder();
      if (pid !== undefined && pid !== process.pid) return { ok: false, pid };
      try {
        unlinkSync(this.file); // stale
      } catch {
        // another daemon starting at the same moment removed it first; try again
      }
    }
    const pid = this.holder();
    return pid === undefined ? { ok: false, pid: -1 } : { ok: false, pid };
  }

  release(): void {
    try {
      if (Number.parseInt(readFileSync(this.file, "utf8"), 10) === process.pid) unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}
