// Label selectors in kubectl syntax: `app=db`, `tier!=cache`, `env in (prod,staging)`,
// `env notin (dev)`, `release`, `!canary`, combined with commas. Parsed here so a mistake is
// reported before anything is sent, precisely (where and why), and so the UI can filter an
// inventory it already holds with the same semantics as the API server.

export type Requirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" };

export class SelectorError extends Error {
  constructor(readonly selector: string, readonly position: number, reason: string) {
    super(`invalid label selector "${selector}" at position ${position + 1}: ${reason}`);
    this.name = "SelectorError";
  }
}

// Kubernetes label keys: optional DNS-subdomain prefix and a name of at most 63 characters.
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function validKey(key: string): boolean {
  const slash = key.indexOf("/");
  if (slash < 0) return NAME.test(key);
  const prefix = key.slice(0, slash);
  return prefix.length <= 253 && PREFIX.test(prefix) && NAME.test(key.slice(slash + 1));
}

/** Splits on commas that are not inside parentheses, keeping each part's start position. */
function splitTopLevel(selector: string): Array<{ text: string; at: number }> {
  const parts: Array<{ text: string; at: number }> = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= selector.length; i++) {
    const ch = selector[i];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if ((ch === "," && depth === 0) || i === selector.length) {
      parts.push({ text: selector.slice(start, i), at: start });
      start = i + 1;
    }
  }
  return parts;
}

export function parseSelector(selector: string): Requirement[] {
  if (selector.trim() === "") return [];
  return splitTopLevel(selector).map(({ text, at }) => {
    const part = text.trim();
    const pos = at + text.indexOf(part);
    const fail = (reason: string): never => {
      throw new SelectorError(selector, pos, reason);
    };
    if (part === "") fail("empty requirement (two commas, or a trailing comma?)");
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const [, key, op, list] = set as unknown as [string, string, "in" | "notin", string];
      if (!validKey(key)) fail(`"${key}" is not a valid label key`);
      const values = list.split(",").map((v) => v.trim());
      if (values.length === 0 || values.some((v) => v === "")) fail(`"${op}" needs a non-empty list of values, e.g. ${key} ${op} (a,b)`);
      const bad = values.find((v) => !VALUE.test(v));
      if (bad !== undefined) fail(`"${bad}" is not a valid label value`);
      return { key, op, values };
    }
    if (/\s(in|notin)\b/.test(part)) fail('"in" and "notin" need their values in parentheses, e.g. env in (prod,staging)');
    const eq = /^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (eq) {
      const [, key, op, value] = eq as unknown as [string, string, string, string];
      if (!validKey(key)) fail(`"${key}" is not a valid label key`);
      if (!VALUE.test(value)) fail(`"${value}" is not a valid label value (63 characters at most: letters, digits, "-", "_", ".")`);
      return { key, op: op === "!=" ? "!=" : "=", value };
    }
    const negated = part.startsWith("!");
    const key = negated ? part.slice(1).trim() : part;
    if (!validKey(key)) fail(`"${part}" is neither a requirement (key=value, key!=value, key in (…), key notin (…)) nor a valid label key`);
    return { key, op: negated ? "!exists" : "exists" };
  });
}

export function matches(requirements: Requirement[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case "=": return has && l[r.key] === r.value;
      case "!=": return !has || l[r.key] !== r.value;
      case "in": return has && r.values.includes(l[r.key]!);
      case "notin": return !has || !r.values.includes(l[r.key]!);
      case "exists": return has;
      case "!exists": return !has;
    }
  });
}

/** The canonical text the API server is sent. */
export function formatSelector(requirements: Requirement[]): string {
  return requirements.map((r) => {
    switch (r.op) {
      case "=": case "!=": return `${r.key}${r.op}${r.value}`;
      case "in": case "notin": return `${r.key} ${r.op} (${r.values.join(",")})`;
      case "exists": return r.key;
      case "!exists": return `!${r.key}`;
    }
  }).join(",");
}
