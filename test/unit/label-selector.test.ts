// Label selectors in kubectl syntax: parsing, precise errors, matching and canonical text.
import { describe, expect, test } from "vitest";
import { formatSelector, matches, parseSelector, SelectorError } from "../../main/clusters/label-selector";

describe("label selectors", () => {
  test("parse every kubectl form", () => {
    expect(parseSelector("app=db, tier != cache,env in (prod, staging),team notin(x),release,!canary,app.kubernetes.io/name==pg")).toEqual([
      { key: "app", op: "=", value: "db" },
      { key: "tier", op: "!=", value: "cache" },
      { key: "env", op: "in", values: ["prod", "staging"] },
      { key: "team", op: "notin", values: ["x"] },
      { key: "release", op: "exists" },
      { key: "canary", op: "!exists" },
      { key: "app.kubernetes.io/name", op: "=", value: "pg" },
    ]);
    expect(parseSelector("  ")).toEqual([]);
  });

  test("say where and why a selector is wrong", () => {
    const cases: Array<[string, RegExp]> = [
      ["app=db,,tier=x", /position 8: empty requirement/],
      ["env in prod", /need their values in parentheses/],
      ["env in ()", /needs a non-empty list/],
      ["app=has space", /"has space" is not a valid label value/],
      ["-bad=1", /"-bad" is not a valid label key/],
      ["a b c", /neither a requirement .* nor a valid label key/],
      ["Bad.Prefix/x=1", /not a valid label key/],
    ];
    for (const [selector, reason] of cases) {
      expect(() => parseSelector(selector), selector).toThrow(SelectorError);
      expect(() => parseSelector(selector), selector).toThrow(reason);
    }
  });

  test("an empty value is valid, as in Kubernetes", () => {
    expect(parseSelector("app=")).toEqual([{ key: "app", op: "=", value: "" }]);
  });

  test("match labels as the API server does", () => {
    const labels = { app: "db", env: "prod" };
    const m = (s: string) => matches(parseSelector(s), labels);
    expect(m("app=db")).toBe(true);
    expect(m("app!=db")).toBe(false);
    expect(m("tier!=cache")).toBe(true); // absent keys satisfy !=
    expect(m("env in (prod,staging)")).toBe(true);
    expect(m("env notin (prod)")).toBe(false);
    expect(m("tier notin (x)")).toBe(true);
    expect(m("app,!canary")).toBe(true);
    expect(m("canary")).toBe(false);
    expect(matches(parseSelector("app=db"), undefined)).toBe(false);
  });

  test("format canonically, and parse what it formats", () => {
    const text = formatSelector(parseSelector("env in ( a , b ),!x, app == db"));
    expect(text).toBe("env in (a,b),!x,app=db");
    expect(formatSelector(parseSelector(text))).toBe(text);
  });
});
