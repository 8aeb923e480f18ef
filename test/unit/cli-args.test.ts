// The CLI's pure helpers: flag parsing as kubectl users type flags, list and mapping values, the
// command-word split, and the human output (tables, sizes, durations, the progress line).
import { describe, expect, test } from "vitest";
import { NAME_RULES, parseDuration, parseFlags, parseKinds, parseList, parseMappings, parseObjectRefs, UsageError } from "../../main/cli/args";
import { formatAge, formatBytes, formatDuration, table } from "../../main/cli/format";
import { isBadInput, splitCommand } from "../../main/cli/main";
import { transferLine } from "../../main/cli/progress";
import { defaultRestoreName } from "../../main/restore/records";
import { lifeboatHome } from "../../main/state/state";

const SPECS = {
  cluster: { type: "string", help: "" },
  "no-volumes": { type: "boolean", help: "" },
  "snapshot-volumes": { type: "boolean", help: "" },
  selector: { type: "string", short: "l", help: "" },
  "include-namespaces": { type: "string", multiple: true, help: "" },
  output: { type: "string", short: "o", help: "" },
} as const;

const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error("expected a UsageError");
};

describe("parseFlags", () => {
  test("kubectl forms: --f v, --f=v, -o json, -ojson, bool=false, repeated lists, positionals anywhere", () => {
    const { flags, positionals } = parseFlags(
      ["app", "--cluster", "prod", "-ojson", "--snapshot-volumes=false", "-l", "app=db", "--include-namespaces=a,b", "--include-namespaces", "c", "extra"],
      SPECS,
    );
    expect(flags).toEqual({ cluster: "prod", output: "json", "snapshot-volumes": false, selector: "app=db", "include-namespaces": ["a,b", "c"] });
    expect(positionals).toEqual(["app", "extra"]);
    expect(parseFlags(["--no-volumes", "--", "-x"], SPECS)).toMatchObject({ flags: { "no-volumes": true, "include-namespaces": [] }, positionals: ["-x"] });
  });

  test("unknown flags, missing values, bad booleans and repeats are one clear message", () => {
    expect(usage(() => parseFlags(["--clustr", "x"], SPECS))).toBe("unknown flag --clustr (did you mean --cluster?)");
    expect(usage(() => parseFlags(["-z"], SPECS))).toBe("unknown flag -z");
    expect(usage(() => parseFlags(["--cluster"], SPECS))).toBe("--cluster needs a value");
    expect(usage(() => parseFlags(["--cluster", "--no-volumes"], SPECS))).toMatch(/^--cluster needs a value \(got the flag --no-volumes/);
    expect(usage(() => parseFlags(["--no-volumes=maybe"], SPECS))).toBe('--no-volumes takes true or false, not "maybe"');
    expect(usage(() => parseFlags(["--cluster", "a", "--cluster", "b"], SPECS))).toBe("--cluster is given twice");
    // A value that starts with "-" is still possible, spelled inline.
    expect(parseFlags(["--cluster=-odd"], SPECS).flags.cluster).toBe("-odd");
  });
});

describe("values", () => {
  test("lists: commas and repeats, duplicates dropped, empty items refused", () => {
    expect(parseList("include-namespaces", ["a,b", " c ", "a"])).toEqual(["a", "b", "c"]);
    expect(usage(() => parseList("include-namespaces", ["a,,b"]))).toMatch(/empty item/);
    expect(parseKinds("include-resources", ["ConfigMap,secret", "Widget.example.com"])).toEqual(["ConfigMap", "secret", "Widget.example.com"]);
    expect(usage(() => parseKinds("include-resources", ["config maps"]))).toMatch(/is not a kind/);
  });

  test("mappings a:b,c:d with Kubernetes name rules", () => {
    expect(parseMappings("namespace-mappings", ["shop:shop-copy,db:db2"], NAME_RULES.namespace)).toEqual({ shop: "shop-copy", db: "db2" });
    expect(parseMappings("storage-class-mappings", ["fast.ssd:local-path"], NAME_RULES.storageClass)).toEqual({ "fast.ssd": "local-path" });
    expect(usage(() => parseMappings("namespace-mappings", ["shop"], NAME_RULES.namespace))).toMatch(/"shop" is not FROM:TO/);
    expect(usage(() => parseMappings("namespace-mappings", ["a:b:c"], NAME_RULES.namespace))).toMatch(/is not FROM:TO/);
    expect(usage(() => parseMappings("namespace-mappings", ["Shop:x"], NAME_RULES.namespace))).toMatch(/"Shop" is not a namespace name/);
    expect(usage(() => parseMappings("namespace-mappings", ["a:b,a:c"], NAME_RULES.namespace))).toMatch(/"a" is mapped twice/);
  });

  test("object references and durations", () => {
    expect(parseObjectRefs("objects", ["ConfigMap/shop/settings,StorageClass/fast"])).toEqual(["ConfigMap/shop/settings", "StorageClass/fast"]);
    expect(usage(() => parseObjectRefs("objects", ["settings"]))).toMatch(/not Kind\/namespace\/name/);
    expect(usage(() => parseObjectRefs("objects", ["ConfigMap//x"]))).toMatch(/not Kind\/namespace\/name/);
    expect(parseDuration("t", "90")).toBe(90_000);
    expect(parseDuration("t", "1h30m")).toBe(5_400_000);
    expect(parseDuration("t", "2.5s")).toBe(2500);
    expect(usage(() => parseDuration("t", "5 minutes"))).toMatch(/not a duration/);
    expect(usage(() => parseDuration("t", "0s"))).toMatch(/not a duration/);
  });
});

describe("command line shape", () => {
  test("command words are found before the first non-global flag", () => {
    expect(splitCommand(["-o", "json", "backup", "list", "--location", "x"])).toEqual({ words: ["backup", "list"], rest: ["-o", "json", "--location", "x"] });
    expect(splitCommand(["backup", "create", "app"])).toEqual({ words: ["backup", "create"], rest: ["app"] });
    expect(splitCommand(["backup", "--help"])).toEqual({ words: ["backup"], rest: ["--help"] });
  });

  test("bad input is told apart from engine failures", () => {
    expect(isBadInput(new UsageError("x"))).toBe(true);
    expect(isBadInput(Object.assign(new Error("x"), { name: "ClusterError", code: "malformed-kubeconfig" }))).toBe(true);
    expect(isBadInput(Object.assign(new Error("x"), { name: "ClusterError", code: "unreachable" }))).toBe(false);
    expect(isBadInput(Object.assign(new Error("x"), { name: "LocationError", code: "invalid-config" }))).toBe(true);
    expect(isBadInput(Object.assign(new Error("x"), { name: "LocationError", code: "auth" }))).toBe(false);
  });

  test("state directory and default restore names", () => {
    expect(lifeboatHome({ LIFEBOAT_HOME: "/srv/lb", HOME: "/home/a" })).toBe("/srv/lb");
    expect(lifeboatHome({ XDG_CONFIG_HOME: "/cfg", HOME: "/home/a" })).toBe("/cfg/lifeboat");
    expect(lifeboatHome({ HOME: "/home/a" })).toBe("/home/a/.config/lifeboat");
    expect(defaultRestoreName("shop", new Date("2026-03-01T12:00:05.123Z"))).toBe("shop-20260301120005");
  });
});

describe("human output", () => {
  test("tables: upper-case headers, columns three spaces apart, empty cells as -", () => {
    expect(table(["NAME", "OBJECTS", "CLUSTER"], [["shop", 12, "prod"], ["db-long-name", undefined, "dr"]])).toBe(
      ["NAME           OBJECTS   CLUSTER", "shop           12        prod", "db-long-name   -         dr"].join("\n"),
    );
    expect(table(["A", "B"], [["multi\nline", "x"]])).toBe("A            B\nmulti line   x");
  });

  test("sizes, durations, ages", () => {
    expect([0, 1023, 1024, 1536, 10 * 1024 * 1024, 5.5 * 1024 ** 3].map(formatBytes)).toEqual(["0 B", "1023 B", "1.0 KiB", "1.5 KiB", "10 MiB", "5.5 GiB"]);
    expect([0.42, 12.4, 185, 3720].map(formatDuration)).toEqual(["0.4s", "12s", "3m05s", "1h02m"]);
    const now = Date.parse("2026-03-01T12:00:00Z");
    expect(["2026-03-01T11:59:15Z", "2026-03-01T11:30:00Z", "2026-03-01T07:00:00Z", "2026-02-20T12:00:00Z"].map((t) => formatAge(t, now))).toEqual(["45s", "30m", "5h", "9d"]);
  });

  test("the progress line: bar, bytes, rate and ETA when the total is known; elapsed otherwise", () => {
    const base = { bytesNew: 0, bytesUploaded: 0, chunks: 0, newChunks: 0, packs: 0, elapsedSeconds: 65 };
    expect(transferLine("volumes", { ...base, bytesRead: 25 * 1024 ** 2, bytesTotal: 100 * 1024 ** 2, bytesPerSecond: 5 * 1024 ** 2, etaSeconds: 15 }))
      .toBe("volumes  [#####...............] 25%  25 MiB / 100 MiB  5.0 MiB/s  ETA 15s");
    expect(transferLine("resources", { ...base, bytesRead: 2048, bytesPerSecond: 1024 })).toBe("resources  2.0 KiB  1.0 KiB/s  1m05s elapsed");
  });
});
