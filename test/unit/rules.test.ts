// Backup rules without a cluster: validation, ${WAIT_CMD} substitution, template expansion, and the
// templates' shell text run by this machine's /bin/sh against stand-in clients (no database images
// here but PostgreSQL's, which the integration test uses).
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { SelectorError } from "../../main/clusters/label-selector";
import {
  RULE_TEMPLATES, ruleTemplate, RuleValidationError, substituteWaitCmd, validateRules, WAIT_CMD, waitCommand,
  type BackupRules, type TemplateName,
} from "../../main/rules";
import { commandArgv, wrapCommand } from "../../main/rules/shell";

const problemsOf = (rules: unknown): string[] => {
  try {
    validateRules(rules);
  } catch (err) {
    if (err instanceof RuleValidationError) return err.problems;
    throw err;
  }
  throw new Error("the rules were accepted");
};

describe("rule validation", () => {
  test("applies defaults, canonicalises the selector and names actions", () => {
    const v = validateRules({ pre: [{ podSelector: "app = db , tier in (a,b)", command: "echo  hello\n  world" }], post: [] });
    expect(v.pre[0]).toMatchObject({
      podSelector: "app=db,tier in (a,b)", runIn: "all", background: false, timeoutSeconds: 60, onFailure: "fail",
      phase: "pre", label: "echo hello world",
    });
    expect(validateRules({ pre: [] }).post).toEqual([]);
    const long = validateRules({ pre: [{ name: "lock", podSelector: "a", command: ["x".repeat(100)] }] }).pre[0]!;
    expect(long.label).toBe("lock");
    expect(validateRules({ pre: [{ podSelector: "a", command: ["x".repeat(100)] }] }).pre[0]!.label).toHaveLength(60);
  });

  test("lists every problem at once, each with where it is", () => {
    const problems = problemsOf({
      pre: [
        { podSelector: " ", command: "x" },
        { podSelector: "app=db", command: "psql -c 'select 1'", background: true },
        { podSelector: "app=db", command: `echo ${WAIT_CMD}` },
        { podSelector: "app=db", command: [], namespace: "Bad_NS", container: "x/y", runIn: "some", timeoutSeconds: 0, onFailure: "ignore" },
        { podSelector: "app=db", command: "x", colour: "red" },
      ],
      post: [{ podSelector: "app=db", command: `echo ${WAIT_CMD}`, background: true }],
    });
    const expected = [
      /^pre\[0\]\.podSelector: podSelector must not be empty/,
      /^pre\[1\]\.command: a background command must contain \$\{WAIT_CMD\}/,
      /^pre\[2\]\.background: the command contains \$\{WAIT_CMD\}, which only background actions use/,
      /^pre\[3\]\.namespace: namespace must be a DNS label/,
      /^pre\[3\]\.container: container must be a DNS label/,
      /^pre\[3\]\.command: command must not be an empty list/,
      /^pre\[3\]\.runIn: runIn must be "all" or "one"/,
      /^pre\[3\]\.timeoutSeconds: timeoutSeconds must be positive/,
      /^pre\[3\]\.onFailure: onFailure must be "fail" or "continue"/,
      /^pre\[4\]: unknown setting\(s\) colour/,
      /^post\[0\]\.background: background actions are pre actions/,
    ];
    for (const re of expected) expect(problems.some((p) => re.test(p)), `${re} in\n${problems.join("\n")}`).toBe(true);
    expect(problemsOf({ pre: [{ command: "x" }] })).toEqual(['pre[0].podSelector: podSelector is required, e.g. "app=postgres"']);
    expect(problemsOf({ pre: "x" })[0]).toMatch(/^pre: pre must be a list/);
  });

  test("a bad selector is a SelectorError naming the action, with its position", () => {
    let caught: unknown;
    try {
      validateRules({ pre: [{ podSelector: "app=db", command: "true" }, { name: "lock", podSelector: "app=db,env in prod", command: "true" }] });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SelectorError);
    const err = caught as SelectorError;
    expect(err.position).toBe(7);
    expect(err.message).toMatch(/^pre\[1\] "lock": podSelector: invalid label selector "app=db,env in prod" at position 8: .*parentheses/);
  });
});

describe("${WAIT_CMD}", () => {
  test("is replaced in every argument, every time it appears", () => {
    expect(substituteWaitCmd(["sh", "-c", `a ${WAIT_CMD}; b ${WAIT_CMD}`], "abc")).toEqual(["sh", "-c", "a sh /tmp/lifeboat-abc/wait; b sh /tmp/lifeboat-abc/wait"]);
    expect(substituteWaitCmd(["psql", "-c", `\\! ${WAIT_CMD}`, "x"], "abc")).toEqual(["psql", "-c", "\\! sh /tmp/lifeboat-abc/wait", "x"]);
  });

  test("becomes text that survives any quoting, psql's \\! and mysql's system", () => {
    const text = waitCommand("0123456789ab");
    // No quote, `$`, backslash, `;` (mysql ends `system` there), `#` or `--` (mysql comments), nor newline.
    expect(text).toMatch(/^[A-Za-z0-9 /._-]+$/);
    expect(text).not.toContain("--");
  });

  test("the wrapper and the commands are valid sh", () => {
    const argv = wrapCommand(commandArgv(`echo ${WAIT_CMD}`), "abc", "hold", 5);
    expect(argv.slice(0, 2)).toEqual(["sh", "-c"]);
    // A string command runs in a shell that exits when told to stop, instead of going on with its script.
    expect(argv.slice(3)).toEqual(["lifeboat-rule", "abc", "hold", "5", "1", "sh", "-c", `trap 'exit 143' TERM\necho ${WAIT_CMD}`]);
    execFileSync("/bin/sh", ["-n", "-c", argv[2]!]);
    expect(commandArgv(["nodetool", "flush"])).toEqual(["nodetool", "flush"]);
    expect(wrapCommand(["sh", "-c", "sleep 1"], "abc", "plain", 0).slice(3, 8)).toEqual(["lifeboat-rule", "abc", "plain", "0", "0"]);
    // The trap line cannot change how a command parses, e.g. one starting with a heredoc.
    const heredoc = commandArgv("cat <<EOF\nhello\nEOF");
    expect(execFileSync(heredoc[0]!, heredoc.slice(1), { encoding: "utf8" })).toBe("hello\n");
  });
});

/**
 * Runs a template's shell text with stand-in clients on PATH (name → sh script body), as the
 * container's shell would; `args` prints a client's argv, one argument a line.
 */
function runTemplate(rules: BackupRules, phase: "pre" | "post", clients: Record<string, string>, env: Record<string, string> = {}): { out: string[]; status: number; stderr: string } {
  const bin = mkdtempSync(join(tmpdir(), "lifeboat-rules-"));
  try {
    for (const [name, body] of Object.entries(clients)) {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    }
    const [, , script] = substituteWaitCmd(commandArgv(rules[phase][0]!.command), "0123456789ab");
    const res = spawnSync("/bin/sh", ["-c", script!], { env: { PATH: bin, ...env }, encoding: "utf8" });
    return { out: res.stdout.split("\n").filter(Boolean), status: res.status ?? -1, stderr: res.stderr };
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
}

const args = `printf '%s\\n' "$@"`;

describe("rule templates", () => {
  test("every template is valid rules, for its default selector and for the one given", () => {
    for (const name of Object.keys(RULE_TEMPLATES) as TemplateName[]) {
      const t = RULE_TEMPLATES[name];
      expect(t.title.length, name).toBeGreaterThan(0);
      expect(t.description.length, name).toBeGreaterThan(40);
      const v = validateRules(ruleTemplate(name));
      for (const a of [...v.pre, ...v.post]) expect(a.podSelector, name).toBe(t.defaultSelector);
      const custom = validateRules(ruleTemplate(name, { podSelector: "app=x", namespace: "shop", container: "db" }));
      for (const a of [...custom.pre, ...custom.post]) expect(a, name).toMatchObject({ podSelector: "app=x", namespace: "shop", container: "db" });
    }
  });

  test("ruleTemplate returns a fresh copy each time", () => {
    const a = ruleTemplate("mongodb");
    a.pre[0]!.command = "changed";
    expect(ruleTemplate("mongodb").pre[0]!.command).not.toBe("changed");
    expect(RULE_TEMPLATES.mongodb.rules.pre[0]!.command).not.toBe("changed");
    expect(() => ruleTemplate("oracle" as TemplateName)).toThrow(/unknown rule template "oracle"/);
  });

  test("PostgreSQL: one psql session checkpoints, starts the backup, holds at ${WAIT_CMD}, stops it", () => {
    const rules = ruleTemplate("postgresql");
    expect(rules.pre[0]).toMatchObject({ background: true });
    expect(rules.post).toEqual([]);
    const run = runTemplate(rules, "pre", { psql: args }, { POSTGRES_USER: "admin" });
    expect(run.status).toBe(0);
    expect(run.out).toEqual([
      "-X", "-v", "ON_ERROR_STOP=1", "-U", "admin", "-d", "postgres",
      "-c", "CHECKPOINT",
      "-c", "SELECT pg_backup_start('lifeboat', true)",
      "-c", "\\! sh /tmp/lifeboat-0123456789ab/wait",
      "-c", "SELECT * FROM pg_backup_stop()",
    ]);
    expect(runTemplate(rules, "pre", { psql: args }).out.slice(3, 5)).toEqual(["-U", "postgres"]);
    const pw = runTemplate(rules, "pre", { psql: 'echo "$PGPASSWORD"' }, { POSTGRES_PASSWORD: "s3cret" });
    expect(pw.out).toEqual(["s3cret"]);
  });

  test("MySQL/MariaDB: FLUSH TABLES WITH READ LOCK held by `system ${WAIT_CMD}` in one session", () => {
    const rules = ruleTemplate("mysql");
    expect(rules.pre[0]).toMatchObject({ background: true });
    const withPw = runTemplate(rules, "pre", { mysql: args }, { MYSQL_ROOT_PASSWORD: "pw 1" });
    expect(withPw.out).toEqual(["-uroot", "-ppw 1", "-e", "SET SESSION wait_timeout = 86400; FLUSH TABLES WITH READ LOCK; system sh /tmp/lifeboat-0123456789ab/wait; UNLOCK TABLES;"]);
    // mysql's `system` takes its command up to the next `;`: the whole wait command must be there.
    const system = withPw.out[3]!.split(";").map((s) => s.trim()).find((s) => s.startsWith("system "));
    expect(system).toBe(`system ${waitCommand("0123456789ab")}`);
    // No password: no -p (which would prompt); MariaDB's own variable and binary name.
    expect(runTemplate(rules, "pre", { mysql: args }).out.slice(0, 2)).toEqual(["-uroot", "-e"]);
    expect(runTemplate(rules, "pre", { mariadb: args }, { MARIADB_ROOT_PASSWORD: "m" }).out.slice(0, 2)).toEqual(["-uroot", "-pm"]);
  });

  test("MongoDB: fsyncLock before, fsyncUnlock after, as root when the image has one", () => {
    const rules = ruleTemplate("mongodb");
    expect(rules.pre).toHaveLength(1);
    expect(rules.post).toHaveLength(1);
    const lock = runTemplate(rules, "pre", { mongosh: args }, { MONGO_INITDB_ROOT_USERNAME: "root", MONGO_INITDB_ROOT_PASSWORD: "pw" });
    expect(lock.out).toEqual(["--quiet", "-u", "root", "-p", "pw", "--authenticationDatabase", "admin", "--eval", "var r = db.fsyncLock(); printjson(r); if (!r || !r.ok) quit(1)"]);
    expect(runTemplate(rules, "post", { mongosh: args }).out).toEqual(["--quiet", "--eval", "var r = db.fsyncUnlock(); printjson(r); if (!r || !r.ok) quit(1)"]);
    // Bitnami's variables; the legacy shell when mongosh is missing.
    expect(runTemplate(rules, "pre", { mongo: args }, { MONGODB_ROOT_PASSWORD: "b" }).out.slice(0, 7)).toEqual(["--quiet", "-u", "root", "-p", "b", "--authenticationDatabase", "admin"]);
  });

  test("Redis: SAVE, failing on an error reply (redis-cli itself exits 0 on one)", () => {
    const rules = ruleTemplate("redis");
    const saving = { "redis-cli": `${args} >&2; echo OK` };
    expect(runTemplate(rules, "pre", saving, { REDIS_PASSWORD: "pw" })).toMatchObject({ status: 0, stderr: "-a\npw\n--no-auth-warning\nSAVE\n" });
    expect(runTemplate(rules, "pre", saving)).toMatchObject({ status: 0, stderr: "SAVE\n" });
    const failed = runTemplate(rules, "pre", { "redis-cli": 'echo "NOAUTH Authentication required."' });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("redis-cli SAVE: NOAUTH Authentication required.");
  });

  test("Cassandra: nodetool flush, as an argv", () => {
    expect(ruleTemplate("cassandra").pre[0]).toMatchObject({ command: ["nodetool", "flush"] });
    expect(validateRules(ruleTemplate("cassandra")).pre[0]).toMatchObject({ runIn: "all", timeoutSeconds: 600 });
  });
});
