// Child processes of the test environment. Each is started under `setpriv --pdeathsig SIGKILL`, so it
// dies with the process that started it even when that process is killed outright; its output goes
// to a log file that tests print when something fails.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";

export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
  stop(graceMs?: number): Promise<void>;
  /** Last lines of the log, for error messages. */
  tail(lines?: number): string;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run inside this network namespace (a path such as /var/run/netns/NAME). */
  netns?: string;
}

export function startProcess(name: string, command: string, args: string[], logFile: string, opts: StartOptions = {}): ManagedProcess {
  const fd = openSync(logFile, "a");
  // nsenter rather than `ip netns exec`: the latter remounts /sys and hides the cgroup hierarchies.
  const inNetns = opts.netns ? ["nsenter", `--net=${opts.netns}`, "--", command, ...args] : [command, ...args];
  const child = spawn("setpriv", ["--pdeathsig", "SIGKILL", "--", ...inNetns], {
    stdio: ["ignore", fd, fd],
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.on("error", () => resolve("spawn-error"));
  });
  const tail = (lines = 30) => tailFile(logFile, lines);
  return {
    name,
    pid: child.pid,
    logFile,
    child,
    exited,
    tail,
    async stop(graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function tailFile(file: string, lines = 30): string {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/** Polls `check` until it returns a value other than undefined/false, or fails with `what` and the last error. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, opts: { timeoutMs?: number; intervalMs?: number; process?: ManagedProcess } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    if (opts.process && opts.process.child.exitCode !== null) {
      throw new Error(`${opts.process.name} exited (${opts.process.child.exitCode}) while waiting for ${what}:\n${opts.process.tail()}`);
    }
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : "";
      const log = opts.process ? `\n--- ${opts.process.name} log ---\n${opts.process.tail()}` : "";
      throw new Error(`timed out waiting for ${what}${reason}${log}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** A port that was free on `host` a moment ago. */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export function sh(command: string, args: string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  try {
    return execFileSync(command, args, { encoding: "utf8", input: opts.input, stdio: ["pipe", "pipe", "pipe"] });
  } catch (err) {
    if (opts.allowFail) return "";
    const e = err as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")}: ${e.stderr?.trim() || e.message}`);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
