// Flag parsing for the CLI, kubectl style: `--flag value`, `--flag=value`, `-o json`, `-ojson`,
// booleans as `--flag` or `--flag=false`, lists as `a,b` or the flag repeated. node:util parseArgs
// does the tokenising; its strict mode rejects `--bool=false` and takes `--next-flag` as a value, so
// tokens are checked here instead, with messages that name the flag as the user typed it.
import { parseArgs } from "node:util";

/** Bad input on the command line: exit code 2, with a pointer to the command's help. */
export class UsageError extends Error {
  constructor(message: string, readonly helpFor?: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  /** Placeholder shown in help, e.g. FILE. */
  value?: string;
  help: string;
  /** May be repeated; the values accumulate (lists also accept commas). */
  multiple?: boolean;
}

export type FlagSpecs = Record<string, FlagSpec>;

type ValueOf<F extends FlagSpec> = F["type"] extends "boolean" ? boolean | undefined : F extends { multiple: true } ? string[] : string | undefined;
export type FlagValues<S extends FlagSpecs> = { -readonly [K in keyof S]: ValueOf<S[K]> };

export interface ParsedArgs<S extends FlagSpecs> {
  flags: FlagValues<S>;
  positionals: string[];
}

function parseBoolean(raw: string, value: string): boolean {
  if (/^(true|yes|1)$/i.test(value)) return true;
  if (/^(false|no|0)$/i.test(value)) return false;
  throw new UsageError(`${raw} takes true or false, not "${value}"`);
}

/** The closest known flag, for "did you mean". */
function suggestion(name: string, specs: FlagSpecs): string | undefined {
  const known = Object.keys(specs);
  return known.find((k) => k.startsWith(name) || name.startsWith(k)) ?? known.find((k) => distance(k, name) <= 2);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = next;
    }
  }
  return row[b.length]!;
}

export function parseFlags<S extends FlagSpecs>(argv: string[], specs: S): ParsedArgs<S> {
  const options = Object.fromEntries(Object.entries(specs).map(([name, s]) => [name, { type: s.type, ...(s.short ? { short: s.short } : {}) }]));
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const flags: Record<string, string | boolean | string[] | undefined> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") positionals.push(token.value);
    if (token.kind !== "option") continue;
    const spec = specs[token.name];
    if (!spec) {
      const near = suggestion(token.name, specs);
      throw new UsageError(`unknown flag ${token.rawName}${near ? ` (did you mean --${near}?)` : ""}`);
    }
    const raw = token.rawName;
    if (spec.type === "boolean") {
      flags[token.name] = token.value === undefined ? true : parseBoolean(raw, token.value);
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.length > 1 && value.startsWith("-"))) {
      throw new UsageError(`${raw} needs a value${value ? ` (got the flag ${value}; write ${raw}=VALUE for a value starting with -)` : ""}`);
    }
    if (spec.multiple) flags[token.name] = [...((flags[token.name] as string[] | undefined) ?? []), value];
    else if (flags[token.name] !== undefined) throw new UsageError(`${raw} is given twice`);
    else flags[token.name] = value;
  }
  for (const [name, spec] of Object.entries(specs)) if (spec.multiple && flags[name] === undefined) flags[name] = [];
  return { flags: flags as FlagValues<S>, positionals };
}

/** "a,b" and repeated flags as one list; empty items are errors (a stray comma hides a typo). */
export function parseList(flag: string, values: string[]): string[] {
  const items = values.flatMap((v) => v.split(",")).map((s) => s.trim());
  if (items.some((s) => !s)) throw new UsageError(`--${flag} has an empty item in "${values.join(",")}"`);
  return [...new Set(items)];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Kubernetes name rules for what a mapping may name. */
export const NAME_RULES = {
  namespace: { test: (s: string) => DNS_LABEL.test(s), what: "a namespace name (lowercase letters, digits and '-', at most 63)" },
  storageClass: { test: (s: string) => DNS_SUBDOMAIN.test(s), what: "a storage class name (lowercase letters, digits, '-' and '.')" },
} as const;

/** "a:b,c:d" as { a: "b", c: "d" }; each side must be a valid name, each source mapped once. */
export function parseMappings(flag: string, values: string[], rule: { test: (s: string) => boolean; what: string }): Record<string, string> {
  const map: Record<string, string> = {};
  for (const item of parseList(flag, values)) {
    const parts = item.split(":");
    if (parts.length !== 2) throw new UsageError(`--${flag}: "${item}" is not FROM:TO (e.g. prod:prod-copy)`);
    const [from, to] = parts.map((p) => p.trim()) as [string, string];
    for (const name of [from, to]) if (!rule.test(name)) throw new UsageError(`--${flag}: "${name}" is not ${rule.what}`);
    if (from in map && map[from] !== to) throw new UsageError(`--${flag}: "${from}" is mapped twice`);
    map[from] = to;
  }
  return map;
}

/** Kinds as the engine matches them: "ConfigMap", "configmap" or "Widget.example.com". */
export function parseKinds(flag: string, values: string[]): string[] {
  const kinds = parseList(flag, values);
  for (const k of kinds) {
    if (!/^[A-Za-z][A-Za-z0-9]*(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(k)) throw new UsageError(`--${flag}: "${k}" is not a kind (e.g. ConfigMap, or Widget.example.com for a custom resource)`);
  }
  return kinds;
}

/** Object references "Kind/namespace/name" (or "Kind/name" for cluster-scoped objects). */
export function parseObjectRefs(flag: string, values: string[]): string[] {
  const refs = parseList(flag, values);
  for (const r of refs) {
    const parts = r.split("/");
    if (parts.length < 2 || parts.length > 3 || parts.some((p) => !p)) throw new UsageError(`--${flag}: "${r}" is not Kind/namespace/name or Kind/name`);
  }
  return refs;
}

/** "90s", "5m", "1h30m", or plain seconds, as milliseconds. */
export function parseDuration(flag: string, value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  const unit = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * unit[m[2] as keyof typeof unit];
    end = re.lastIndex;
  }
  if (!text || end !== text.length || total <= 0) throw new UsageError(`--${flag}: "${value}" is not a duration (e.g. 90s, 5m, 1h30m)`);
  return Math.round(total);
}

/** Exactly one of some flags, e.g. --kubeconfig or --from-default. */
export function oneOf(given: Record<string, unknown>, names: string[]): string {
  const present = names.filter((n) => given[n] !== undefined && given[n] !== false);
  if (present.length === 1) return present[0]!;
  const list = names.map((n) => `--${n}`).join(" or ");
  throw new UsageError(present.length ? `give only one of ${list}` : `one of ${list} is required`);
}
