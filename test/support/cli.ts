// Running the `lifeboat` CLI as a child process, as an admin would, with its own state directory.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const CLI = join(REPO_ROOT, "bin", "lifeboat.mjs");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `lb` runs the CLI and never throws on a non-zero exit (the exit code is what is tested); `lbJson` adds -o json and expects success. */
export function cliRunner(home: () => string) {
  const lb = (args: string[], env: Record<string, string> = {}): Promise<CliRun> =>
    new Promise((resolve) => {
      execFile(process.execPath, [CLI, ...args], {
        cwd: REPO_ROOT, env: { ...process.env, LIFEBOAT_HOME: home(), ...env }, timeout: 120_000, maxBuffer: 16 << 20,
      }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }));
    });
  const lbJson = async <T>(args: string[], env: Record<string, string> = {}): Promise<T> => {
    const r = await lb([...args, "-o", "json"], env);
    expect(r.code, `lifeboat ${args.join(" ")}\n${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  return { lb, lbJson };
}
