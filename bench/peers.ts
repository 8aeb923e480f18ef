// The tools under test as commands: how each one's repository is created, backed up to, restored
// from and measured. Every measured command runs the same way (measure below): a bash pipeline
// `tar … | /usr/bin/time -f %M <tool> …`, its wall time taken around the whole pipeline, its peak
// RSS from GNU time (the kernel's ru_maxrss of the tool's process). A timed restore writes to
// /dev/null; a second, untimed one is hashed to verify the bytes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { tarArgs } from "./dataset";

export type ToolName = "lifeboat" | "restic" | "kopia";
export type TargetKind = "folder" | "minio";

export interface S3Target {
  endpoint: string; // http://127.0.0.1:PORT
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
}

/** A fresh, empty place for one tool's repository. */
export type Target = { kind: "folder"; path: string } | ({ kind: "minio" } & S3Target);

export interface Measured {
  seconds: number;
  /** Peak resident set of the measured process, bytes (GNU time's %M). */
  peakRssBytes: number;
  stdout: string;
  /** With `hashStdout`: SHA-256 of what the command wrote to stdout. */
  sha256?: string;
}

export interface MeasureOptions {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Pipe the tar stream of this directory into the command's stdin. */
  tarFrom?: string;
  /**
   * Restores: the timed run writes stdout to /dev/null, then the same command runs again, untimed,
   * into `openssl dgst -sha256` to verify the bytes. Any sink that reads the stream while the clock
   * runs costs CPU on this 2-CPU machine (hashing in the driver took most of a core, OpenSSL in the
   * pipeline or a file in the page cache about one CPU-second per GiB), and capped the fastest
   * restores instead of measuring them.
   */
  hashStdout?: boolean;
  /** Environment changes for the verification run only. */
  verifyEnv?: NodeJS.ProcessEnv;
  /** Scratch directory for the RSS file and the stderr log. */
  scratch: string;
  label: string;
}

const running = new Set<ChildProcess>();
let onStart: (pgid: number) => void = () => undefined;

/** Tells `listener` the process group of every measured command as it starts (for the reaper in run.ts). */
export function onCommandStart(listener: (pgid: number) => void): void {
  onStart = listener;
}

/** Kills every measured command still running (each runs in its own process group). */
export function killRunning(): void {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
let seq = 0;

export async function measure(opts: MeasureOptions): Promise<Measured> {
  const id = `${String(seq++).padStart(3, "0")}-${opts.label.replace(/[^a-z0-9]+/gi, "-")}`;
  const rssFile = join(opts.scratch, `${id}.rss`);
  const errFile = join(opts.scratch, `${id}.stderr`);
  const command = ["/usr/bin/time", "-f", "%M", "-o", rssFile, ...opts.argv].map(quote).join(" ");
  const tar = opts.tarFrom ? `tar ${tarArgs(opts.tarFrom).map(quote).join(" ")} | ` : "";
  const script = `set -o pipefail; ${tar}${command} 2>${quote(errFile)}${opts.hashStdout ? " >/dev/null" : ""}`;
  const started = performance.now();
  const child = spawn("bash", ["-c", script], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  running.add(child);
  if (child.pid !== undefined) onStart(child.pid);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  let stdout = "";
  for await (const piece of child.stdout! as AsyncIterable<Buffer>) stdout += piece.toString();
  const code = await exited;
  const seconds = (performance.now() - started) / 1000;
  running.delete(child);
  const log = [stderr, readIfExists(errFile)].join("\n").trim();
  if (code !== 0) throw new Error(`${opts.label} failed (exit ${code}):\n${log.split("\n").slice(-25).join("\n")}`);
  const rssLines = readIfExists(rssFile).trim().split("\n");
  const kib = Number(rssLines.at(-1));
  if (!Number.isFinite(kib) || kib <= 0) throw new Error(`${opts.label}: no peak RSS from /usr/bin/time (${rssLines.join(" | ")})`);
  if (!opts.hashStdout) return { seconds, peakRssBytes: kib * 1024, stdout };
  // OpenSSL hashes with the CPU's SHA extensions; coreutils' sha256sum is several times slower.
  const verify = `set -o pipefail; ${tar}${opts.argv.map(quote).join(" ")} 2>>${quote(errFile)} | openssl dgst -sha256 -r`;
  const digest = await new Promise<string>((resolve, reject) => {
    const check = spawn("bash", ["-c", verify], { cwd: opts.cwd, env: { ...process.env, ...opts.env, ...opts.verifyEnv }, stdio: ["ignore", "pipe", "inherit"], detached: true });
    running.add(check);
    if (check.pid !== undefined) onStart(check.pid);
    let out = "";
    check.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    check.on("error", reject);
    check.on("close", (code) => {
      running.delete(check);
      if (code === 0) resolve(out);
      else reject(new Error(`${opts.label} (verification run) failed (exit ${code}):\n${readIfExists(errFile).split("\n").slice(-25).join("\n")}`));
    });
  });
  const sha256 = /^([0-9a-f]{64}) /.exec(digest)?.[1];
  if (!sha256) throw new Error(`${opts.label}: no SHA-256 from openssl (${digest.trim()})`);
  return { seconds, peakRssBytes: kib * 1024, stdout: "", sha256 };
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Bytes of every file under `dir`; also `du -sb`, which adds the directories' own sizes. */
export async function folderSize(dir: string, scratch: string): Promise<{ bytes: number; duBytes: number }> {
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  const du = await measure({ argv: ["du", "-sb", dir], scratch, label: "du" });
  return { bytes, duBytes: Number(du.stdout.split(/\s/)[0]) };
}

export async function bucketSize(t: S3Target): Promise<{ bytes: number; objects: number }> {
  const s3 = new S3Client({ endpoint: t.endpoint, region: t.region, forcePathStyle: true, credentials: { accessKeyId: t.accessKey, secretAccessKey: t.secretKey } });
  let bytes = 0;
  let objects = 0;
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: t.bucket, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        bytes += o.Size ?? 0;
        objects++;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    s3.destroy();
  }
  return { bytes, objects };
}

export interface BackupResult extends Measured {
  /** The snapshot (restic id, kopia root object) a restore reads. */
  snapshot: string;
  /** What the tool says it added, when it says (bytes before compression for restic 0.14). */
  newBytes?: number;
  /** Lifeboat only: seconds inside the engine, from opening the repository to the commit. */
  engineSeconds?: number;
  /** Lifeboat only: the child's own process.resourceUsage().maxRSS, a cross-check of GNU time's. */
  selfReportedPeakRssBytes?: number;
}

/** One tool on one target: a fresh repository, backups of a directory's tar stream, a restore. */
export interface ToolRunner {
  readonly tool: ToolName;
  readonly target: Target;
  init(): Promise<void>;
  backup(datasetDir: string): Promise<BackupResult>;
  /** Restores the latest backup's stream; the result's sha256/stdoutBytes describe it. */
  restore(snapshot: string): Promise<Measured>;
  repositorySize(): Promise<{ bytes: number; duBytes?: number; objects?: number }>;
}

const PASSWORD = "lifeboat-bench-password";

function sizeOf(target: Target, scratch: string): Promise<{ bytes: number; duBytes?: number; objects?: number }> {
  return target.kind === "folder" ? folderSize(target.path, scratch) : bucketSize(target);
}

export const RESTIC = "/usr/bin/restic";

/**
 * restic 0.14 (Debian). Repository format v2 (`init --repository-version 2`): the format with
 * compression, whose default mode "auto" compresses with zstd; v1 would store everything raw.
 * A cache directory of its own (`--cache-dir`), so no run warms another's cache.
 */
export function restic(target: Target, home: string): ToolRunner {
  mkdirSync(home, { recursive: true });
  const scratch = home;
  const repo = target.kind === "folder" ? target.path : `s3:${target.endpoint}/${target.bucket}`;
  const env: NodeJS.ProcessEnv = {
    RESTIC_PASSWORD: PASSWORD,
    RESTIC_REPOSITORY: repo,
    ...(target.kind === "minio" ? { AWS_ACCESS_KEY_ID: target.accessKey, AWS_SECRET_ACCESS_KEY: target.secretKey, AWS_DEFAULT_REGION: target.region } : {}),
  };
  const common = ["--cache-dir", join(home, "cache")];
  return {
    tool: "restic",
    target,
    async init() {
      await measure({ argv: [RESTIC, "init", "--repository-version", "2", ...common], env, scratch, label: "restic-init" });
    },
    async backup(datasetDir) {
      const run = await measure({ argv: [RESTIC, "backup", "--stdin", "--stdin-filename", "data.tar", "--json", ...common], env, tarFrom: datasetDir, scratch, label: "restic-backup" });
      const summary = run.stdout.split("\n").filter((l) => l.includes('"summary"')).map((l) => JSON.parse(l) as { snapshot_id: string; data_added: number }).at(-1);
      if (!summary) throw new Error(`restic backup printed no summary:\n${run.stdout.slice(-2000)}`);
      return { ...run, snapshot: summary.snapshot_id, newBytes: summary.data_added };
    },
    restore(snapshot) {
      return measure({ argv: [RESTIC, "dump", ...common, snapshot, "/data.tar"], env, hashStdout: true, scratch, label: "restic-dump" });
    },
    repositorySize: () => sizeOf(target, scratch),
  };
}

export const KOPIA_COMPRESSION = "zstd";

/**
 * kopia 0.21 (built by the test environment). A config file per repository (`--config-file`), its
 * cache beside it (`--cache-directory`), logs there too (`--log-dir`, instead of ~/.cache/kopia), no
 * update checks. kopia does not compress unless a policy says so: the global policy is set to zstd
 * so its repository size is comparable. Automatic maintenance is turned off: on a new repository
 * kopia runs a full maintenance right after the first snapshot, which would land in the timing of
 * the backup (restic and Lifeboat do no such thing during a backup). A stdin snapshot (`snapshot create --stdin-file=data.tar -`)
 * records the working directory as its source, so both backups run in the same directory and the
 * second is an incremental of the first; it prints the snapshot's root directory object, and the
 * stream is `<root>/data.tar` (`kopia show` writes it to stdout).
 */
export function kopia(binary: string, target: Target, home: string): ToolRunner {
  mkdirSync(home, { recursive: true });
  const scratch = home;
  const env: NodeJS.ProcessEnv = { KOPIA_PASSWORD: PASSWORD, KOPIA_CHECK_FOR_UPDATES: "false" };
  const common = ["--config-file", join(home, "repository.config"), "--log-dir", join(home, "logs")];
  const storage = target.kind === "folder"
    ? ["filesystem", "--path", target.path]
    : ["s3", "--bucket", target.bucket, "--endpoint", new URL(target.endpoint).host, "--disable-tls", "--region", target.region, "--access-key", target.accessKey, "--secret-access-key", target.secretKey];
  return {
    tool: "kopia",
    target,
    async init() {
      await measure({ argv: [binary, "repository", "create", ...storage, "--cache-directory", join(home, "cache"), ...common], env, cwd: home, scratch, label: "kopia-create" });
      await measure({ argv: [binary, "policy", "set", "--global", `--compression=${KOPIA_COMPRESSION}`, ...common], env, cwd: home, scratch, label: "kopia-policy" });
      await measure({ argv: [binary, "maintenance", "set", "--enable-quick=false", "--enable-full=false", ...common], env, cwd: home, scratch, label: "kopia-maintenance" });
    },
    async backup(datasetDir) {
      const run = await measure({ argv: [binary, "snapshot", "create", "--stdin-file=data.tar", "-", "--json", ...common], env, cwd: home, tarFrom: datasetDir, scratch, label: "kopia-snapshot" });
      const manifest = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "{}") as { rootEntry?: { obj?: string } };
      const root = manifest.rootEntry?.obj;
      if (!root) throw new Error(`kopia snapshot create printed no root object:\n${run.stdout.slice(-2000)}`);
      return { ...run, snapshot: root };
    },
    restore(snapshot) {
      return measure({ argv: [binary, "show", `${snapshot}/data.tar`, ...common], env, cwd: home, hashStdout: true, scratch, label: "kopia-show" });
    },
    repositorySize: () => sizeOf(target, scratch),
  };
}

export async function versionOf(argv: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", () => resolve("unavailable"));
    child.on("close", () => resolve(out.trim().split("\n")[0] ?? ""));
  });
}
