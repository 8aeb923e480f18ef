// Named rule sets, kept so that backups and schedules can refer to them ("postgres-lock") and the
// console can show where each is used. rules.json in the engine's state directory.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { validateRules, type BackupRules } from "./schema";

export class RuleStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuleStoreError";
  }
}

export interface SavedRules {
  name: string;
  rules: BackupRules;
  /** The template it started from, if any. */
  template?: string;
  savedAt: string;
}

export class RuleStore {
  private readonly file: string;

  constructor(dir: string) {
    this.file = join(dir, "rules.json");
  }

  list(): SavedRules[] {
    if (!existsSync(this.file)) return [];
    try {
      return (JSON.parse(readFileSync(this.file, "utf8")) as { rules: SavedRules[] }).rules;
    } catch (err) {
      throw new RuleStoreError(`${this.file} is not valid JSON (${(err as Error).message}); fix or remove it`);
    }
  }

  get(name: string): SavedRules {
    const found = this.list().find((r) => r.name === name);
    if (!found) throw new RuleStoreError(`no rules named "${name}" (there are: ${this.list().map((r) => r.name).join(", ") || "none"})`);
    return found;
  }

  /** Adds or replaces a rule set by name, after validating every action. */
  save(name: string, rules: unknown, template?: string): SavedRules {
    validateRules(rules);
    const input = rules as Partial<BackupRules>;
    const saved: SavedRules = { name, rules: { pre: input.pre ?? [], post: input.post ?? [] }, ...(template ? { template } : {}), savedAt: new Date().toISOString() };
    this.write([...this.list().filter((r) => r.name !== name), saved].sort((a, b) => a.name.localeCompare(b.name)));
    return saved;
  }

  remove(name: string, usedBy: string[]): void {
    this.get(name);
    if (usedBy.length) throw new RuleStoreError(`rules "${name}" are used by ${usedBy.join(", ")}; change or remove those first`);
    this.write(this.list().filter((r) => r.name !== name));
  }

  private write(rules: SavedRules[]): void {
    mkdirSync(join(this.file, ".."), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ version: 1, rules }, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
