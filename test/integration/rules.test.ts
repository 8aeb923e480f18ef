// Backup rules against a real cluster: commands exec'd in real pods (a two-replica busybox
// Deployment with two containers, and PostgreSQL 15), their files and processes checked from
// outside with the harness's own exec, the PostgreSQL template's backup mode observed from a second
// session, and a Lifeboat killed outright while it holds a lock.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Deployment } from "@kubernetes/client-node";
import { IMAGE_NAMES } from "../../scripts/testenv/pins";
import { SelectorError } from "../../main/clusters/label-selector";
import { RuleError, ruleTemplate, startRules, WAIT_CMD, type ActionResult, type BackupRules } from "../../main/rules";
import { postgresStatefulSet } from "../support/apps";
import { startCluster, type TestCluster } from "../support/cluster";
import { execInPod, execOk, waitForReadyPods } from "../support/kube";
import { waitFor } from "../support/proc";

const APPS = "apps";
const DB = "db";

function webDeployment(): V1Deployment {
  const container = (name: string) => ({ name, image: IMAGE_NAMES.busybox, imagePullPolicy: "Never", command: ["sh", "-c", "exec sleep 3600"] });
  return {
    metadata: { name: "web", labels: { app: "web" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web", tier: "front" } },
        spec: { terminationGracePeriodSeconds: 1, containers: [container("main"), container("sidecar")] },
      },
    },
  };
}

/** A hex LSN ("0/3000028") as a number to compare. */
const lsn = (text: string) => {
  const [hi, lo] = text.trim().split("/");
  return BigInt(`0x${hi}`) * 2n ** 32n + BigInt(`0x${lo}`);
};

describe("backup rules", () => {
  let cluster: TestCluster;
  let kc: KubeConfig;
  let web: string[];
  let pg: string;

  const sh = (pod: string, script: string, container = "main", ns = APPS) => execOk(kc, ns, pod, container, ["sh", "-c", script]);
  /** Our wrapper's processes in a container: none must outlive an action. */
  const leftovers = async (pod: string, container = "main", ns = APPS) =>
    (await sh(pod, "ps -o pid,args | grep -e lifeboat-rule -e 'lifeboat-.*/wait' | grep -v grep || true", container, ns)).trim();
  const clean = (script = "rm -rf /tmp/rules-*") => Promise.all(web.flatMap((pod) => [sh(pod, script), sh(pod, script, "sidecar")]));
  const rejection = async (p: Promise<unknown>): Promise<RuleError> => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(RuleError);
    return err as RuleError;
  };

  beforeAll(async () => {
    cluster = await startCluster({ name: "rules", node: true, images: ["postgres"] });
    kc = cluster.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    await Promise.all([APPS, DB].map((name) => core.createNamespace({ body: { metadata: { name } } })));
    await apps.createNamespacedDeployment({ namespace: APPS, body: webDeployment() });
    await apps.createNamespacedStatefulSet({ namespace: DB, body: postgresStatefulSet({ name: "pg", terminationGracePeriodSeconds: 5 }) });
    const [webPods, pgPods] = await Promise.all([waitForReadyPods(kc, APPS, "app=web", 2), waitForReadyPods(kc, DB, "app=pg", 1, 180_000)]);
    web = webPods.map((p) => p.metadata!.name!).sort();
    pg = pgPods[0]!.metadata!.name!;
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  test("pre and post actions run in every matching pod, or in one, in the container chosen", async () => {
    await clean();
    const seen: ActionResult[] = [];
    const rules: BackupRules = {
      pre: [
        { name: "all", podSelector: "app=web", command: "hostname > /tmp/rules-all" },
        { name: "one", podSelector: "app=web,tier in (front)", command: ["sh", "-c", "hostname > /tmp/rules-one"], runIn: "one" },
        { name: "sidecar", podSelector: "app=web", container: "sidecar", command: "echo side > /tmp/rules-side" },
      ],
      post: [{ name: "post", podSelector: "app=web", command: "cat /tmp/rules-all; echo post > /tmp/rules-post" }],
    };
    const run = await startRules(kc, rules, [APPS], { onResult: (r) => seen.push(r) });
    expect(run.results.map((r) => [r.action, r.pod, r.container, r.ok])).toEqual([
      ["all", web[0], "main", true], ["all", web[1], "main", true],
      ["one", web[0], "main", true],
      ["sidecar", web[0], "sidecar", true], ["sidecar", web[1], "sidecar", true],
    ]);
    const all = await run.finish();
    expect(all).toHaveLength(7);
    expect(seen).toEqual(all);
    expect(all.slice(5).map((r) => [r.phase, r.pod, r.exitCode, r.output])).toEqual(web.map((pod) => ["post", pod, 0, `${pod}\n`]));
    expect(await run.finish()).toBe(all); // once only

    for (const pod of web) {
      expect(await sh(pod, "cat /tmp/rules-all /tmp/rules-post")).toBe(`${pod}\npost\n`);
      // Containers have their own /tmp: the sidecar action wrote only in the sidecar.
      expect(await sh(pod, "cat /tmp/rules-side", "sidecar")).toBe("side\n");
      expect(await sh(pod, "test -e /tmp/rules-side && echo yes || echo no")).toBe("no\n");
      expect(await leftovers(pod)).toBe("");
    }
    // "one" takes the first ready pod by name, so the same pod every time.
    expect(await sh(web[0]!, "cat /tmp/rules-one")).toBe(`${web[0]}\n`);
    expect(await sh(web[1]!, "test -e /tmp/rules-one && echo yes || echo no")).toBe("no\n");
  });

  test("an action that matches no pod fails, naming the namespace and selector; post actions still run", async () => {
    await clean();
    const err = await rejection(startRules(kc, {
      pre: [{ podSelector: "app=web", command: "touch /tmp/rules-pre" }, { podSelector: "app=nothing", command: "true" }, { podSelector: "app=web", command: "touch /tmp/rules-never" }],
      post: [{ podSelector: "app=web", command: "touch /tmp/rules-post" }],
    }, [APPS]));
    expect(err.message).toContain(`no pod matches the selector "app=nothing" in namespace ${APPS}`);
    const failed = err.results.find((r) => !r.ok)!;
    expect(failed).toMatchObject({ phase: "pre", pod: "", namespace: APPS, ok: false });
    for (const pod of web) expect(await sh(pod, "ls /tmp | grep rules- | sort")).toBe("rules-post\nrules-pre\n");

    // Pods that match but cannot run it are named, with the reason.
    const noContainer = await rejection(startRules(kc, { pre: [{ podSelector: "app=web", container: "db", command: "true", namespace: APPS }], post: [] }, []));
    expect(noContainer.message).toMatch(new RegExp(`2 pod\\(s\\) match the selector "app=web" in namespace ${APPS}, but none can run it: ${APPS}/${web[0]}: no container "db" \\(it has main, sidecar\\)`));
  });

  test("an invalid selector is a SelectorError before anything runs", async () => {
    await clean();
    const err = await startRules(kc, {
      pre: [{ podSelector: "app=web", command: "touch /tmp/rules-pre" }],
      post: [{ name: "unlock", podSelector: "app in (web", command: "touch /tmp/rules-post" }],
    }, [APPS]).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(SelectorError);
    expect((err as SelectorError).message).toMatch(/^post\[0\] "unlock": podSelector: invalid label selector "app in \(web" at position 1/);
    for (const pod of web) expect(await sh(pod, "ls /tmp | grep -c rules- || true")).toBe("0\n");
  });

  test("failure policy: fail stops the pre actions (post actions still run); continue records and goes on", async () => {
    await clean();
    const rules = (onFailure: "fail" | "continue"): BackupRules => ({
      pre: [
        { name: "first", podSelector: "app=web", command: "touch /tmp/rules-first" },
        { name: "broken", podSelector: "app=web", command: "echo 'cannot lock' >&2; exit 3", onFailure },
        { name: "third", podSelector: "app=web", command: "touch /tmp/rules-third" },
      ],
      post: [{ name: "unlock", podSelector: "app=web", command: "touch /tmp/rules-unlock" }],
    });
    const err = await rejection(startRules(kc, rules("fail"), [APPS]));
    expect(err.results.map((r) => [r.phase, r.action, r.ok, r.exitCode])).toEqual([
      ["pre", "first", true, 0], ["pre", "first", true, 0],
      ["pre", "broken", false, 3], ["pre", "broken", false, 3],
      ["post", "unlock", true, 0], ["post", "unlock", true, 0],
    ]);
    expect(err.results[2]!.message).toBe("exited with code 3: cannot lock");
    expect(err.message).toContain(`pre action "broken" in ${APPS}/${web[0]} (main): exited with code 3: cannot lock`);
    for (const pod of web) expect(await sh(pod, "ls /tmp | grep rules- | sort")).toBe("rules-first\nrules-unlock\n");

    await clean();
    const run = await startRules(kc, rules("continue"), [APPS]);
    expect(run.results.map((r) => [r.action, r.ok])).toEqual([["first", true], ["first", true], ["broken", false], ["broken", false], ["third", true], ["third", true]]);
    expect((await run.finish()).filter((r) => r.phase === "post" && r.ok)).toHaveLength(2);
    for (const pod of web) expect(await sh(pod, "ls /tmp | grep rules- | sort")).toBe("rules-first\nrules-third\nrules-unlock\n");
  });

  test("a hanging command is stopped at its timeout, leaving no process behind", async () => {
    const started = Date.now();
    const err = await rejection(startRules(kc, {
      pre: [{ name: "hang", podSelector: "app=web", runIn: "one", command: "sleep 300; echo never", timeoutSeconds: 2 }], post: [],
    }, [APPS]));
    const took = Date.now() - started;
    expect(err.results[0]).toMatchObject({ action: "hang", pod: web[0], ok: false, exitCode: 143, message: "timed out after 2 s; stopped (exit code 143)" });
    // The script did not go on after its step was stopped.
    expect(err.results[0]!.output).toBe("");
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(8000);
    expect(await sh(web[0]!, "ps -o args | grep 'sleep 300' | grep -v grep || true")).toBe("");
    expect(await leftovers(web[0]!)).toBe("");
  
    // Cancelling the backup stops the running action the same way; post actions still run.
    await clean();
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 500);
    const cancelled = await rejection(startRules(kc, {
      pre: [{ name: "long", podSelector: "app=web", runIn: "one", command: "sleep 300" }, { podSelector: "app=web", command: "touch /tmp/rules-never" }],
      post: [{ name: "unlock", podSelector: "app=web", runIn: "one", command: "touch /tmp/rules-unlock" }],
    }, [APPS], { signal: cancel.signal }));
    expect(cancelled.message).toMatch(/^the backup rules were cancelled:/);
    expect(cancelled.results.map((r) => [r.action, r.ok, r.message])).toEqual([["long", false, "cancelled; stopped (exit code 143)"], ["unlock", true, undefined]]);
    expect(await sh(web[0]!, "ls /tmp | grep rules-")).toBe("rules-unlock\n");
    expect(await leftovers(web[0]!)).toBe("");
  });

  test("a background action holds while the backup runs and is released after; post actions follow", async () => {
    await clean();
    const run = await startRules(kc, {
      pre: [{ name: "hold", podSelector: "app=web", background: true, command: `echo $$ > /tmp/rules-holder; ${WAIT_CMD}; date +%s > /tmp/rules-released` }],
      post: [{ name: "after", podSelector: "app=web", command: "cat /tmp/rules-released" }],
    }, [APPS]);
    try {
      expect(run.results.map((r) => [r.phase, r.pod, r.ok])).toEqual(web.map((pod) => ["pre", pod, true]));
      expect(run.results[0]!.message).toMatch(/^holding: reached \$\{WAIT_CMD\} after \d+(\.\d)? s$/);
      // "The backup": the holder is alive and has not passed ${WAIT_CMD}, for as long as it runs.
      for (let i = 0; i < 3; i++) {
        for (const pod of web) expect(await sh(pod, "kill -0 $(cat /tmp/rules-holder) && ls /tmp/rules-released 2>&1 || true")).toMatch(/No such file/);
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      await run.finish().catch(() => undefined);
    }
    const all = await run.finish();
    const ends = all.filter((r) => r.phase === "background-end");
    expect(ends.map((r) => [r.pod, r.ok, r.exitCode])).toEqual(web.map((pod) => [pod, true, 0]));
    expect(ends[0]!.message).toMatch(/^held \d+(\.\d)? s; ended \d+(\.\d)? s after the release$/);
    // Post actions ran after the release: they saw its file.
    expect(all.filter((r) => r.phase === "post").every((r) => r.ok && /^\d+\n$/.test(r.output ?? ""))).toBe(true);
    for (const pod of web) {
      expect(await sh(pod, "kill -0 $(cat /tmp/rules-holder) 2>/dev/null && echo alive || echo gone")).toBe("gone\n");
      expect(await leftovers(pod)).toBe("");
      expect(await sh(pod, "ls -d /tmp/lifeboat-* 2>/dev/null || true")).toBe("");
    }
  });

  test("a background action that ends early is reported at finish: the lock was not held throughout", async () => {
    const run = await startRules(kc, {
      pre: [{ name: "session", podSelector: "app=web", runIn: "one", background: true, command: `${WAIT_CMD}; echo 'session lost' >&2; exit 4` }], post: [],
    }, [APPS]);
    try {
      // The session dies mid-backup (an admin, the OOM killer, a database restart...).
      await sh(web[0]!, `ps -o pid,args | while read -r pid args; do case "$args" in "sh /tmp/lifeboat-"*/wait) kill $pid;; esac; done`);
      await waitFor("the background command to end", async () => (await leftovers(web[0]!)) === "" || undefined, { timeoutMs: 10_000 });
    } finally {
      await run.finish().catch(() => undefined);
    }
    const err = await rejection(run.finish());
    const end = err.results.find((r) => r.phase === "background-end")!;
    expect(end).toMatchObject({ action: "session", pod: web[0], ok: false, exitCode: 4 });
    expect(end.message).toMatch(/^it ended on its own by \S+ with exit code 4: [\s\S]*session lost, after reaching \$\{WAIT_CMD\} and before the backup finished: the lock was not held for the whole backup$/);
    expect(end.output).toBe(""); // the wrapper's own line is not the command's output
    expect(err.message).toContain("the lock was not held for the whole backup");
  });

  test("a background action that does not reach ${WAIT_CMD} in time fails and is stopped", async () => {
    const err = await rejection(startRules(kc, {
      pre: [{ name: "slow", podSelector: "app=web", runIn: "one", background: true, command: `sleep 300; ${WAIT_CMD}`, timeoutSeconds: 2 }], post: [],
    }, [APPS]));
    expect(err.results[0]).toMatchObject({ action: "slow", ok: false });
    expect(err.results[0]!.message).toMatch(/^did not reach \$\{WAIT_CMD\} within 2 s; stopped/);
    expect(await leftovers(web[0]!)).toBe("");
  });

  test("a Lifeboat killed while holding releases the hold (its exec stream ends)", async () => {
    await clean();
    const code = `
      import { KubeConfig } from "@kubernetes/client-node";
      import { startRules } from ${JSON.stringify(new URL("../../main/rules/index.ts", import.meta.url).pathname)};
      const kc = new KubeConfig();
      kc.loadFromFile(process.env.KUBECONFIG);
      await startRules(kc, { pre: [{ podSelector: "app=web", runIn: "one", background: true, command: "\${WAIT_CMD}; touch /tmp/rules-released" }], post: [] }, ["${APPS}"]);
      process.stdout.write("holding\\n");
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath }, stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      await waitFor("the child to hold", () => out.includes("holding") || undefined, { timeoutMs: 30_000 });
      expect(await sh(web[0]!, "ls /tmp/rules-released 2>&1 || true")).toMatch(/No such file/);
      child.kill("SIGKILL");
      await waitFor("the hold to be released", async () => (await execInPod(kc, APPS, web[0]!, "main", ["test", "-e", "/tmp/rules-released"])).status.status === "Success" || undefined, { timeoutMs: 15_000 });
      await waitFor("the wrapper to exit", async () => (await leftovers(web[0]!)) === "" || undefined, { timeoutMs: 10_000 });
    } finally {
      child.kill("SIGKILL");
    }
  });

  describe("PostgreSQL 15", () => {
    const psql = (sql: string) => execOk(kc, DB, pg, "postgres", ["psql", "-U", "postgres", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql]).then((s) => s.trim());
    // A postmaster that took one of our processes for a crashed backend logs this and restarts every session.
    const restarts = async () => (await kc.makeApiClient(CoreV1Api).readNamespacedPodLog({ namespace: DB, name: pg, container: "postgres" })).split("\n").filter((l) => l.includes("reinitializing")).length;
    const holders = `SELECT pid FROM pg_stat_activity WHERE query = 'SELECT pg_backup_start(''lifeboat'', true)' AND state = 'idle' AND pid <> pg_backend_pid()`;

    test("the template holds backup mode in one session for the whole backup, then stops it", async () => {
      const before = await restarts();
      await psql("CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, item text NOT NULL)");
      const run = await startRules(kc, ruleTemplate("postgresql", { podSelector: "app=pg", namespace: DB }), []);
      let during: string;
      try {
        expect(run.results).toMatchObject([{ phase: "pre", pod: pg, container: "postgres", ok: true }]);
        // While held: the session that ran pg_backup_start is still open (backup mode ends with it)...
        const holder = await psql(holders);
        expect(holder).toMatch(/^\d+$/);
        // ...and "the backup" writes while it holds.
        await psql("INSERT INTO orders (item) SELECT 'item-' || g FROM generate_series(1, 1000) g");
        during = await psql("SELECT pg_current_wal_insert_lsn()");
        expect(await psql(holders)).toBe(holder);
      } finally {
        await run.finish().catch(() => undefined);
      }
      const all = await run.finish();
      const end = all.find((r) => r.phase === "background-end")!;
      expect(end).toMatchObject({ pod: pg, ok: true, exitCode: 0 });
      // pg_backup_stop succeeded in the same session (with ON_ERROR_STOP it would have exited 3
      // had backup mode been lost) and its label spans the writes made while holding.
      expect(end.output).toContain("LABEL: lifeboat");
      const start = /START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/.exec(end.output!)![1]!;
      const stop = /^\s*([0-9A-F]+\/[0-9A-F]+)\s*\|/m.exec(end.output!)![1]!;
      expect(lsn(start) <= lsn(during)).toBe(true);
      expect(lsn(during) <= lsn(stop)).toBe(true);

      expect(await psql(holders)).toBe("");
      expect(await leftovers(pg, "postgres", DB)).toBe("");
      expect(await restarts()).toBe(before);
    });

    test("stopping a timed-out psql does not make PostgreSQL restart", async () => {
      const before = await restarts();
      const err = await rejection(startRules(kc, {
        pre: [{ name: "stuck", podSelector: "app=pg", namespace: DB, command: "psql -U postgres -c 'SELECT pg_sleep(300)'", timeoutSeconds: 2 }], post: [],
      }, []));
      expect(err.results[0]).toMatchObject({ ok: false, message: "timed out after 2 s; stopped (exit code 143)" });
      expect(await leftovers(pg, "postgres", DB)).toBe("");
      await new Promise((r) => setTimeout(r, 1000));
      expect(await restarts()).toBe(before);
      expect(await psql("SELECT 1")).toBe("1");
    });
  });
});
