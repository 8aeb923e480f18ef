// Backup rules as an admin writes them, validated once up front: a typo in a selector or a background
// action without ${WAIT_CMD} must stop the backup before any command runs in a pod, not halfway
// through with a database already locked.
import { z } from "zod";
import { formatSelector, parseSelector, SelectorError } from "../clusters/label-selector";

/** Placeholder a background command contains where it must block while the backup runs (Portworx's convention). */
export const WAIT_CMD = "${WAIT_CMD}";

/** One pre or post action, as an admin writes it. */
export interface RuleAction {
  /** Shown in results; defaults to the command's beginning. */
  name?: string;
  /** Default: each namespace of the backup. */
  namespace?: string;
  /** Pods to run in, in kubectl syntax (`app=db,tier in (primary)`); must not be empty. */
  podSelector: string;
  /** Default: the pod's first container. */
  container?: string;
  /** A string runs under `sh -c`; an array is the exact argv. */
  command: string | string[];
  /** "all" matching pods (in parallel) or "one" (per namespace: the first ready pod by name). Default "all". */
  runIn?: "all" | "one";
  /** Pre actions only: the command keeps running while the backup runs and contains ${WAIT_CMD}. */
  background?: boolean;
  /** Default 60. For background actions: time allowed to reach ${WAIT_CMD}, and to end after release. */
  timeoutSeconds?: number;
  /** "fail" stops the backup (after post actions ran); "continue" only records the failure. Default "fail". */
  onFailure?: "fail" | "continue";
}

export interface BackupRules {
  pre: RuleAction[];
  post: RuleAction[];
}

// DNS-1123 labels: what namespace and container names are.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

const dnsLabel = (field: string, example: string) =>
  z.string({ error: `${field} must be text, e.g. ${example}` }).regex(DNS_LABEL, {
    error: `${field} must be a DNS label (lowercase letters, digits and "-", at most 63), e.g. ${example}`,
  });

export const RuleActionSchema = z.strictObject({
  name: z.string({ error: "name must be text" }).trim().min(1, { error: "name must not be empty" }).max(120).optional(),
  namespace: dnsLabel("namespace", "shop").optional(),
  podSelector: z
    .string({ error: 'podSelector is required, e.g. "app=postgres"' })
    .refine((s) => s.trim() !== "", { error: 'podSelector must not be empty (it would match every pod), e.g. "app=postgres"' }),
  container: dnsLabel("container", "postgres").optional(),
  command: z.union([
    z.string().refine((s) => s.trim() !== "", { error: "command must not be empty" }),
    z.array(z.string()).min(1, { error: "command must not be an empty list" }),
  ], { error: 'command must be a shell command (text) or an argv list, e.g. ["nodetool", "flush"]' }),
  runIn: z.enum(["all", "one"], { error: 'runIn must be "all" or "one"' }).default("all"),
  background: z.boolean({ error: "background must be true or false" }).default(false),
  timeoutSeconds: z
    .number({ error: "timeoutSeconds must be a number of seconds" })
    .positive({ error: "timeoutSeconds must be positive" })
    .max(86_400, { error: "timeoutSeconds must be at most 86400 (a day)" })
    .default(60),
  onFailure: z.enum(["fail", "continue"], { error: 'onFailure must be "fail" or "continue"' }).default("fail"),
}).superRefine((a, ctx) => {
  const text = typeof a.command === "string" ? a.command : a.command.join(" ");
  if (a.background && !text.includes(WAIT_CMD)) {
    ctx.addIssue({ code: "custom", path: ["command"], message: `a background command must contain ${WAIT_CMD} where it holds while the backup runs, e.g. psql -c '\\! ${WAIT_CMD}'` });
  }
  if (!a.background && text.includes(WAIT_CMD)) {
    ctx.addIssue({ code: "custom", path: ["background"], message: `the command contains ${WAIT_CMD}, which only background actions use: set background: true` });
  }
});

export const BackupRulesSchema = z.strictObject({
  pre: z.array(RuleActionSchema, { error: "pre must be a list of actions" }).default([]),
  post: z.array(
    RuleActionSchema.refine((a) => !a.background, { path: ["background"], error: "background actions are pre actions (they are ended before the post actions run)" }),
    { error: "post must be a list of actions" },
  ).default([]),
});

/** A validated action, with defaults applied and its selector in canonical form. */
export type ValidAction = z.output<typeof RuleActionSchema> & { phase: "pre" | "post"; label: string };
export interface ValidRules {
  pre: ValidAction[];
  post: ValidAction[];
}

export class RuleValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`The backup rules are invalid:\n${problems.map((p) => `- ${p}`).join("\n")}`);
    this.name = "RuleValidationError";
  }
}

function labelOf(a: z.output<typeof RuleActionSchema>): string {
  if (a.name) return a.name;
  const text = typeof a.command === "string" ? a.command : a.command.join(" ");
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}

/**
 * Validates rules and applies defaults. Throws RuleValidationError listing every shape problem, or the
 * first invalid selector's SelectorError (its message prefixed with the action, its position kept).
 */
export function validateRules(input: unknown): ValidRules {
  const parsed = BackupRulesSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const where = issue.path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i ? "." : ""}${String(p)}`)).join("");
      if (issue.code === "unrecognized_keys") return `${where ? `${where}: ` : ""}unknown setting(s) ${issue.keys.join(", ")} (check the spelling)`;
      return where ? `${where}: ${issue.message}` : issue.message;
    });
    throw new RuleValidationError([...new Set(problems)]);
  }
  const out: ValidRules = { pre: [], post: [] };
  for (const phase of ["pre", "post"] as const) {
    parsed.data[phase].forEach((a, i) => {
      const label = labelOf(a);
      let selector: string;
      try {
        selector = formatSelector(parseSelector(a.podSelector));
      } catch (err) {
        if (err instanceof SelectorError) err.message = `${phase}[${i}] "${label}": podSelector: ${err.message}`;
        throw err;
      }
      out[phase].push({ ...a, podSelector: selector, phase, label });
    });
  }
  return out;
}
