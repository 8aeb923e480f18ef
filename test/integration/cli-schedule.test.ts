// Schedule policies, backup schedules and `lifeboat daemon` as an admin runs them: the CLI as a child
// process, its state in a temporary LIFEBOAT_HOME, against a real API server (control plane only: a
// namespace of ConfigMaps, --no-volumes backups), a folder location and MinIO. Checks that bad input
// names the flag and stores nothing, that a run writes to every location and applies the policy's
// retention, that `daemon --once` makes up a missed slot exactly once, and that the daemon stops
// cleanly on SIGTERM.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { startCluster, type TestCluster } from "../support/cluster";
import { startMinio, type MinioServer } from "../support/objectstores";
import { CLI, cliRunner, REPO_ROOT as root } from "../support/cli";
import { waitFor } from "../support/proc";

let cluster: TestCluster;
let minio: MinioServer;
let dir: string;
let home: string;

const { lb, lbJson } = cliRunner(() => home);

interface LogLine { time: string; schedule: string; event: string; message?: string; results?: Array<{ location: string; ok: boolean; snapshot?: string }> }
/** The daemon's JSON lines: every line of stdout must be one JSON object with an ISO time. */
const logLines = (stdout: string): LogLine[] => stdout.trim().split("\n").map((l) => {
  const line = JSON.parse(l) as LogLine;
  expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  return line;
});

interface BackupList { backups: Array<{ id: string; name: string }> }
const backups = async (name: string, location: string) => (await lbJson<BackupList>(["backup", "list", name, "--location", location])).backups;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lifeboat-cli-sched-"));
  home = join(dir, "home");
  [cluster, minio] = await Promise.all([startCluster({ name: "cli-sched" }), startMinio()]);
  const s3 = new S3Client({ endpoint: minio.endpoint, region: minio.region, forcePathStyle: true, credentials: { accessKeyId: minio.accessKey, secretAccessKey: minio.secretKey } });
  await s3.send(new CreateBucketCommand({ Bucket: "sched" }));
  s3.destroy();
  cluster.kubectl(["create", "namespace", "shop"]);
  cluster.kubectl(["create", "configmap", "settings", "-n", "shop", "--from-literal=mode=prod"]);
  cluster.kubectl(["create", "configmap", "features", "-n", "shop", "--from-literal=search=on"]);
  const kubeconfig = join(dir, "admin.yaml");
  writeFileSync(kubeconfig, cluster.kubeconfig);
  const env = { MINIO_SECRET: minio.secretKey, REPO_PASSWORD: "correct horse battery staple" };
  // The cluster and the first location at once (two files); the second location after the first (the same file).
  const [added, nas] = await Promise.all([
    lb(["cluster", "add", "src", "--kubeconfig", kubeconfig]),
    lb(["location", "add", "nas", "--provider", "folder", "--path", mkdtempSync(join(dir, "nas-")), "--password-env", "REPO_PASSWORD"], env),
  ]);
  const s3Location = await lb(["location", "add", "minio", "--provider", "s3", "--endpoint", minio.endpoint, "--region", minio.region, "--bucket", "sched",
    "--access-key-id", minio.accessKey, "--secret-access-key-env", "MINIO_SECRET", "--password-env", "REPO_PASSWORD"], env);
  for (const r of [added, nas, s3Location]) expect(r.code, r.stderr).toBe(0);
});

afterAll(async () => {
  await Promise.all([cluster?.stop(), minio?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("schedule policies", () => {
  test("each kind is created; describe gives the next five times in the policy's zone; bad values exit 2 naming the flag", async () => {
    // One after the other: each command rewrites schedule-policies.json.
    const created = [];
    for (const args of [
      ["hourly", "--interval", "1h", "--keep", "2"],
      ["nightly", "--daily", "14:00,2:00", "--keep", "7", "--time-zone", "Europe/Paris"],
      ["weekdays", "--weekly", "mon-fri@22:30", "--keep", "5"],
      ["monthly", "--monthly", "1,15@01:00", "--keep", "12", "--time-zone", "America/New_York"],
    ]) created.push((await lbJson<{ policy: Record<string, unknown> }>(["schedule-policy", "create", ...args])).policy);
    expect(created).toEqual([
      { name: "hourly", kind: "interval", minutes: 60, keep: 2 },
      { name: "nightly", kind: "daily", times: ["02:00", "14:00"], keep: 7, timeZone: "Europe/Paris" },
      { name: "weekdays", kind: "weekly", days: ["mon", "tue", "wed", "thu", "fri"], time: "22:30", keep: 5 },
      { name: "monthly", kind: "monthly", dates: [1, 15], time: "01:00", keep: 12, timeZone: "America/New_York" },
    ]);

    // (The parsing itself is covered in test/unit/cli-schedule.test.ts; here, what an admin sees.)
    const bad: Array<[string[], RegExp]> = [
      [["x", "--daily", "25:00", "--keep", "2"], /^error: --daily: "25:00" is not a time of day \(HH:MM/],
      [["x", "--interval", "90s", "--keep", "2"], /^error: --interval: "90s" is not an interval/],
      [["x", "--interval", "1h", "--keep", "0"], /^error: --keep: "0" is not a number of backups from 1 to 1000/],
      [["x", "--weekly", "mon,funday@23:00", "--keep", "2"], /^error: --weekly: "funday" is not a day/],
      [["x", "--monthly", "32@01:00", "--keep", "2"], /^error: --monthly: "32" is not a day of the month/],
      [["x", "--daily", "01:00", "--keep", "2", "--time-zone", "Mars/Olympus"], /^error: --time-zone: "Mars\/Olympus": an IANA time zone/],
      [["x", "--interval", "1h", "--keep", "2", "--time-zone", "UTC"], /^error: --time-zone applies to --daily, --weekly and --monthly/],
      [["x", "--keep", "2"], /^error: one of --interval, --daily, --weekly or --monthly is required/],
      [["x", "--daily", "01:00"], /^error: --keep is required/],
      [["Not_A_Name", "--daily", "01:00", "--keep", "2"], /^error: "Not_A_Name" is not a valid policy name/],
    ];
    const [runs, list, described, describedText, again, unknown] = await Promise.all([
      Promise.all(bad.map(([args]) => lb(["schedule-policy", "create", ...args]))),
      lbJson<{ policies: Array<{ name: string; usedBy: string[] }> }>(["schedule-policy", "list"]),
      lbJson<{ nextRuns: string[]; description: string }>(["schedule-policy", "describe", "nightly"]),
      lb(["schedule-policy", "describe", "weekdays"]),
      lb(["schedule-policy", "create", "hourly", "--interval", "2h", "--keep", "3"]),
      lb(["schedule-policy", "describe", "nope"]),
    ]);
    runs.forEach((r, i) => {
      expect(r.code, `${bad[i]![0].join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(bad[i]![1]);
      expect(r.stderr).toMatch(/See 'lifeboat schedule-policy create --help' for usage\.\n$/);
      expect(r.stdout).toBe("");
    });
    expect(list.policies.map((p) => [p.name, p.usedBy])).toEqual([["hourly", []], ["monthly", []], ["nightly", []], ["weekdays", []]]);

    // Five times, increasing, each 02:00 or 14:00 on the wall clock in Paris whatever the season.
    expect(described.description).toBe("daily at 02:00, 14:00 (Europe/Paris), keeping 7 copies");
    expect(described.nextRuns).toHaveLength(5);
    const paris = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    expect(new Set(described.nextRuns.map((t) => paris.format(new Date(t))))).toEqual(new Set(["02:00", "14:00"]));
    expect([...described.nextRuns].sort()).toEqual(described.nextRuns);
    expect(Date.parse(described.nextRuns[0]!)).toBeGreaterThan(Date.now() - 60_000);

    expect(describedText.code, describedText.stderr).toBe(0);
    expect(describedText.stdout).toMatch(/^When: +weekly on mon, tue, wed, thu, fri at 22:30/m);
    expect(describedText.stdout.match(/^ +(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 22:30 +\d{4}-\d\d-\d\d \d\d:\d\d:00 UTC$/gm)).toHaveLength(5);
    // A name taken is a refusal (1), with what to do instead; an unknown name is bad input (2).
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: a schedule policy named "hourly" already exists\nhint: change it with `lifeboat schedule-policy update hourly/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: no schedule policy named "nope" \(known: hourly, nightly, weekdays, monthly\)/);
  });
});

describe("schedules", () => {
  let catchupId: string;

  test("create to two locations; bad references and values exit 2 and store nothing; a used policy cannot be deleted", async () => {
    const base = ["--policy", "hourly", "--cluster", "src", "--location", "nas,minio", "--include-namespaces", "shop", "--no-volumes"];
    const bad: Array<[string[], RegExp]> = [
      [["shop", ...base.map((a) => (a === "hourly" ? "every-hour" : a))], /^error: no schedule policy named "every-hour" \(known: /],
      [["shop", ...base.map((a) => (a === "src" ? "prod" : a))], /^error: no cluster named "prod" \(known: src\)/],
      [["shop", ...base.map((a) => (a === "nas,minio" ? "nas,tape" : a))], /^error: no location named "tape" \(known: nas, minio\)/],
      [["shop", ...base.map((a) => (a === "shop" ? "shopp" : a))], /^error: unknown namespace shopp on https:/],
      [["shop", ...base, "--include-resources", "Widget"], /^error: unknown kind "Widget"/],
      [["shop", ...base, "-l", "app in (a"], /^error: --selector: invalid label selector/],
      [["shop", ...base, "--rules-template", "oracle"], /^error: --rules-template must be one of postgresql, /],
      [["shop", "--policy", "hourly", "--cluster", "src"], /^error: --location is required/],
      [["Shop!", ...base], /^error: "Shop!" is not a valid schedule name/],
    ];
    const runs = await Promise.all(bad.map(([args]) => lb(["schedule", "create", ...args])));
    runs.forEach((r, i) => {
      expect(r.code, `${bad[i]![0].join(" ")}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(bad[i]![1]);
      expect(r.stdout).toBe("");
    });
    expect(existsSync(join(home, "schedules.json"))).toBe(false);

    const created = await lbJson<{ schedule: { id: string; name: string; locations: string[]; createdAt: string; request: unknown }; nextRun: string }>(["schedule", "create", "shop", ...base]);
    expect(created.schedule).toMatchObject({ name: "shop", policy: "hourly", cluster: "src", locations: ["nas", "minio"], request: { spec: { namespaces: ["shop"] }, volumes: false } });
    // The first run: an hour after creation, plus this schedule's fixed spread (at most 5 minutes).
    const first = Date.parse(created.nextRun) - Date.parse(created.schedule.createdAt);
    expect(first).toBeGreaterThanOrEqual(60 * 60_000);
    expect(first).toBeLessThan(65 * 60_000);

    const [list, table, policies, inUse, twice] = await Promise.all([
      lbJson<{ schedules: Array<{ name: string; status: string; lastRun: string; nextRun: string }> }>(["schedule", "list"]),
      lb(["schedule", "list"]),
      lbJson<{ policies: Array<{ name: string; usedBy: string[] }> }>(["schedule-policy", "list"]),
      lb(["schedule-policy", "delete", "hourly"]),
      lb(["schedule", "create", "shop", ...base]),
    ]);
    expect(list.schedules).toEqual([expect.objectContaining({ name: "shop", status: "Enabled", lastRun: "never run", nextRun: created.nextRun })]);
    expect(table.stdout).toMatch(/^NAME +STATUS +POLICY +CLUSTER +LOCATIONS +LAST RUN +RESULT +NEXT RUN\nshop +Enabled +hourly +src +nas,minio +never +- +\d{4}-/);
    expect(table.stderr).toMatch(/^note: no `lifeboat daemon` is running for .*; schedules run only while one does/m);
    expect(policies.policies.find((p) => p.name === "hourly")!.usedBy).toEqual(["shop"]);
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/^error: schedule policy "hourly" is used by shop\nhint: /);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^error: a schedule named "shop" already exists/);
  });

  test("schedule run writes a backup to both locations and records the run; with --keep 2, three runs leave two in each", async () => {
    interface RunJson { ok: boolean; message: string; results: Array<{ location: string; ok: boolean; snapshot: string; forgotten: string[] }> }
    const first = await lbJson<RunJson>(["schedule", "run", "shop"]);
    expect(first).toMatchObject({ ok: true, message: "backed up to nas, minio" });
    expect(first.results.map((r) => [r.location, r.ok, r.forgotten])).toEqual([["nas", true, []], ["minio", true, []]]);
    const [nas, s3, described] = await Promise.all([
      backups("shop", "nas"), backups("shop", "minio"),
      lbJson<{ lastRun: string; state: { lastResult: string; lastStartedAt: string; lastEndedAt: string } }>(["schedule", "describe", "shop"]),
    ]);
    expect(nas.map((b) => b.id)).toEqual([first.results[0]!.snapshot]);
    expect(s3.map((b) => b.id)).toEqual([first.results[1]!.snapshot]);
    expect(described).toMatchObject({ lastRun: "succeeded", state: { lastResult: "succeeded" } });
    expect(described.state.lastEndedAt >= described.state.lastStartedAt).toBe(true);

    // For people: the steps of each location on stderr, the outcome on stdout.
    const second = await lb(["schedule", "run", "shop"]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/^location: nas \(1 of 2\)\n(.*\n)*resources: shop\n(.*\n)*commit\n(.*\n)*retention: keeping the newest 2 backup\(s\) of "shop"\nlocation: minio \(2 of 2\)\n/m);
    expect(second.stdout).toMatch(/^Schedule "shop" ran: backed up to nas, minio\.\nLOCATION +RESULT +SNAPSHOT +READ +NEW +DELETED \(KEEP 2\)\nnas +ok +[0-9a-f]{8} /);

    const third = await lbJson<RunJson>(["schedule", "run", "shop"]);
    expect(third.results.map((r) => [r.location, r.ok, r.forgotten])).toEqual([["nas", true, [first.results[0]!.snapshot]], ["minio", true, [first.results[1]!.snapshot]]]);
    const [nasAfter, s3After] = await Promise.all([backups("shop", "nas"), backups("shop", "minio")]);
    expect(nasAfter).toHaveLength(2);
    expect(s3After).toHaveLength(2);
    expect(nasAfter.map((b) => b.id)).toContain(third.results[0]!.snapshot);
    expect(s3After.map((b) => b.id)).not.toContain(first.results[1]!.snapshot);
  });

  test("daemon --once makes up a slot missed while no daemon ran, exactly once; a second --once runs nothing", async () => {
    const created = await lbJson<{ schedule: { id: string } }>(["schedule", "create", "catchup", "--policy", "hourly", "--cluster", "src", "--location", "nas", "--include-namespaces", "shop", "--no-volumes"]);
    catchupId = created.schedule.id;
    // Created 2h30m ago, hourly: the slots of 1h30m and 30m ago passed while nothing ran (the next is in
    // 30 minutes, beyond any spread). One run covers both.
    const file = join(home, "schedules.json");
    const createdAt = new Date(Date.now() - 150 * 60_000);
    const schedules = JSON.parse(readFileSync(file, "utf8")) as Array<{ id: string; createdAt: string }>;
    schedules.find((s) => s.id === catchupId)!.createdAt = createdAt.toISOString();
    writeFileSync(file, JSON.stringify(schedules, null, 2));

    const once = await lb(["daemon", "--once", "-o", "json"]);
    expect(once.code, once.stderr).toBe(0);
    const lines = logLines(once.stdout);
    expect(lines.map((l) => [l.schedule, l.event])).toEqual([["catchup", "started"], ["catchup", "succeeded"], ["-", "done"]]);
    expect(lines[0]!.message).toMatch(/^slot \S+; 1 earlier slot\(s\) passed while Lifeboat was not running; this run covers them$/);
    expect(lines[1]).toMatchObject({ message: "backed up to nas", results: [{ location: "nas", ok: true }] });

    const [described, made] = await Promise.all([
      lbJson<{ lastRun: string; state: { lastDueAt: string; lastResult: string }; nextRuns: string[] }>(["schedule", "describe", "catchup"]),
      backups("catchup", "nas"),
    ]);
    expect(described).toMatchObject({ lastRun: "succeeded", state: { lastResult: "succeeded", lastDueAt: new Date(createdAt.getTime() + 120 * 60_000).toISOString() } });
    expect(made.map((b) => b.id)).toEqual([lines[1]!.results![0]!.snapshot]);

    const again = await lb(["daemon", "--once", "-o", "json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(logLines(again.stdout).map((l) => [l.schedule, l.event])).toEqual([["-", "nothing-due"]]);
  });

  test("the daemon logs its start, refuses a second daemon, and on SIGTERM stops promptly with exit 0", async () => {
    const child = spawn(process.execPath, [CLI, "daemon"], { cwd: root, env: { ...process.env, LIFEBOAT_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor("the daemon to start", () => stdout.includes(" daemon-started "), { timeoutMs: 30_000 });
      expect(stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ - daemon-started pid \d+, state in .*; 2 schedule\(s\); next: /);
      const [second, list] = await Promise.all([lb(["daemon", "--once"]), lb(["schedule", "list"])]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(new RegExp(`^error: another lifeboat daemon \\(pid ${child.pid}\\) is running the schedules of `));
      expect(list.stderr).not.toMatch(/no `lifeboat daemon` is running/);
      expect(readFileSync(join(home, "daemon.pid"), "utf8").trim()).toBe(String(child.pid));

      const stopAt = Date.now();
      child.kill("SIGTERM");
      expect(await exited, stderr).toBe(0);
      expect(Date.now() - stopAt).toBeLessThan(10_000);
      expect(stdout).toMatch(/ - daemon-stopping no backup running\n.* - daemon-stopped\n$/);
      expect(existsSync(join(home, "daemon.pid"))).toBe(false);
    } finally {
      child.kill("SIGKILL");
    }
  });

  test("pause, resume, delete; --help at every level", async () => {
    const paused = await lbJson<{ schedule: { paused: boolean } }>(["schedule", "pause", "catchup"]);
    expect(paused.schedule.paused).toBe(true);
    const [list, help, groupHelp, daemonHelp, refused] = await Promise.all([
      lbJson<{ schedules: Array<{ name: string; status: string; nextRun: string | null }> }>(["schedule", "list"]),
      lb(["schedule", "create", "--help"]),
      lb(["schedule-policy"]),
      lb(["daemon", "-h"]),
      lb(["schedule", "delete", "catchup"]),
    ]);
    expect(list.schedules.find((s) => s.name === "catchup")).toMatchObject({ status: "Paused", nextRun: null });
    expect(help.stdout).toMatch(/^Usage:\n {2}lifeboat schedule create NAME --policy POLICY --cluster CLUSTER --location LOCATION\[,LOCATION…\]/m);
    expect(help.stdout).toMatch(/--rules-template APP/);
    expect(groupHelp.stdout).toMatch(/^ +describe +Show a schedule policy/m);
    expect(daemonHelp.stdout).toMatch(/^Usage:\n {2}lifeboat daemon \[--once\] \[flags\]/m);
    expect(daemonHelp.stdout).toMatch(/systemd/);
    expect([help.code, groupHelp.code, daemonHelp.code]).toEqual([0, 0, 0]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: deleting a schedule needs --confirm/);

    const resumed = await lbJson<{ schedule: { paused: boolean }; nextRun: string }>(["schedule", "resume", "catchup"]);
    expect(resumed.schedule.paused).toBe(false);
    expect(Date.parse(resumed.nextRun)).toBeGreaterThan(Date.now());
    await lbJson(["schedule", "delete", "catchup", "--confirm"]);
    const [after, kept] = await Promise.all([lbJson<{ schedules: Array<{ name: string }> }>(["schedule", "list"]), backups("catchup", "nas")]);
    expect(after.schedules.map((s) => s.name)).toEqual(["shop"]);
    expect(kept).toHaveLength(1); // a schedule's backups outlive it
    expect(catchupId).toBeTruthy();
  });
});
