// Ready-made rules for common databases, in the commands an admin would write by hand. Credentials
// come from the container's environment as the official (and Bitnami) images set them, so nothing
// secret is stored in the rules. Only the PostgreSQL template is exercised against a real server
// in our tests; the others are checked for shape.
import type { BackupRules, RuleAction } from "./schema";

export type TemplateName = "mongodb" | "postgresql" | "mysql" | "redis" | "cassandra";

export interface RuleTemplate {
  title: string;
  description: string;
  defaultSelector: string;
  rules: BackupRules;
}

// Each template's actions use this selector until ruleTemplate() replaces it.
const SELECTOR = "<selector>";

const POSTGRESQL = [
  'export PGPASSWORD="${PGPASSWORD:-${POSTGRES_PASSWORD:-}}";',
  'psql -X -v ON_ERROR_STOP=1 -U "${POSTGRES_USER:-postgres}" -d postgres',
  "-c 'CHECKPOINT'",
  `-c "SELECT pg_backup_start('lifeboat', true)"`,
  "-c '\\! ${WAIT_CMD}'",
  "-c 'SELECT * FROM pg_backup_stop()'",
].join(" ");

// mongosh since MongoDB 6, the legacy shell before (which reports a failed command without
// failing, hence the check); root credentials from the official or the Bitnami image.
const mongo = (call: string) => [
  "set --;",
  'if [ -n "${MONGO_INITDB_ROOT_USERNAME:-}" ]; then set -- -u "$MONGO_INITDB_ROOT_USERNAME" -p "$MONGO_INITDB_ROOT_PASSWORD" --authenticationDatabase admin;',
  'elif [ -n "${MONGODB_ROOT_PASSWORD:-}" ]; then set -- -u "${MONGODB_ROOT_USER:-root}" -p "$MONGODB_ROOT_PASSWORD" --authenticationDatabase admin; fi;',
  "if command -v mongosh >/dev/null 2>&1; then m=mongosh; else m=mongo; fi;",
  `"$m" --quiet "$@" --eval 'var r = ${call}; printjson(r); if (!r || !r.ok) quit(1)'`,
].join(" ");

// The lock lives as long as this client's session, hence a background action; `system` runs
// ${WAIT_CMD} from inside the session. While it waits the session is idle to the server, which
// would close it (and drop the lock unseen) after wait_timeout, 8 h by default. MariaDB 11 ships
// only the `mariadb` client.
const MYSQL = [
  'pw="${MYSQL_ROOT_PASSWORD:-${MARIADB_ROOT_PASSWORD:-}}";',
  'if [ -n "$pw" ]; then set -- -p"$pw"; else set --; fi;',
  "if command -v mysql >/dev/null 2>&1; then m=mysql; else m=mariadb; fi;",
  `"$m" -uroot "$@" -e 'SET SESSION wait_timeout = 86400; FLUSH TABLES WITH READ LOCK; system \${WAIT_CMD}; UNLOCK TABLES;'`,
].join(" ");

// redis-cli exits 0 even on an error reply, so the reply is checked.
const REDIS = [
  'if [ -n "${REDIS_PASSWORD:-}" ]; then set -- -a "$REDIS_PASSWORD" --no-auth-warning; else set --; fi;',
  'out=$(redis-cli "$@" SAVE) || exit 1;',
  'if [ "$out" != OK ]; then echo "redis-cli SAVE: $out" >&2; exit 1; fi',
].join(" ");

const action = (a: Omit<RuleAction, "podSelector">): RuleAction => ({ podSelector: SELECTOR, ...a });

export const RULE_TEMPLATES: Record<TemplateName, RuleTemplate> = {
  postgresql: {
    title: "PostgreSQL (15 and later)",
    description:
      "Runs CHECKPOINT, then holds a non-exclusive backup (pg_backup_start) in one psql session for as long as the backup runs, " +
      "and ends it with pg_backup_stop, whose backup label is kept in the result's output: restoring the copy with point-in-time " +
      "recovery needs it as backup_label. Runs in every matching pod (standbys included). Connects over the local socket as " +
      "$POSTGRES_USER (default postgres), with $POSTGRES_PASSWORD when set.",
    defaultSelector: "app.kubernetes.io/name=postgresql",
    rules: {
      pre: [action({ name: "PostgreSQL: checkpoint and hold backup mode", command: POSTGRESQL, background: true, timeoutSeconds: 300 })],
      post: [],
    },
  },
  mongodb: {
    title: "MongoDB",
    description:
      "Flushes and locks every matching mongod against writes with db.fsyncLock() before the backup, and unlocks it with " +
      "db.fsyncUnlock() after. Authenticates as the root user of the official image (MONGO_INITDB_ROOT_USERNAME/PASSWORD) or of " +
      "Bitnami's (MONGODB_ROOT_USER/PASSWORD) when set. Writes wait while the backup runs.",
    defaultSelector: "app.kubernetes.io/name=mongodb",
    rules: {
      pre: [action({ name: "MongoDB: fsyncLock", command: mongo("db.fsyncLock()"), timeoutSeconds: 120 })],
      post: [action({ name: "MongoDB: fsyncUnlock", command: mongo("db.fsyncUnlock()") })],
    },
  },
  mysql: {
    title: "MySQL / MariaDB",
    description:
      "Holds FLUSH TABLES WITH READ LOCK in one client session for as long as the backup runs (up to a day: the session's " +
      "wait_timeout is raised to 86400 s so that the server does not close it while it waits). " +
      "Connects as root with $MYSQL_ROOT_PASSWORD (or $MARIADB_ROOT_PASSWORD). Writes wait while the backup runs; the lock " +
      "itself waits for running statements, hence the 5-minute timeout.",
    defaultSelector: "app.kubernetes.io/name=mysql",
    rules: {
      pre: [action({ name: "MySQL: FLUSH TABLES WITH READ LOCK", command: MYSQL, background: true, timeoutSeconds: 300 })],
      post: [],
    },
  },
  redis: {
    title: "Redis",
    description:
      "Writes a fresh RDB snapshot with SAVE before the backup (Redis answers no other client while it saves). Uses " +
      "$REDIS_PASSWORD when set.",
    defaultSelector: "app.kubernetes.io/name=redis",
    rules: {
      pre: [action({ name: "Redis: SAVE", command: REDIS, timeoutSeconds: 300 })],
      post: [],
    },
  },
  cassandra: {
    title: "Cassandra",
    description: "Flushes every node's memtables to SSTables with nodetool flush before the backup.",
    defaultSelector: "app.kubernetes.io/name=cassandra",
    rules: {
      pre: [action({ name: "Cassandra: nodetool flush", command: ["nodetool", "flush"], timeoutSeconds: 600 })],
      post: [],
    },
  },
};

export interface TemplateOptions {
  podSelector?: string;
  namespace?: string;
  container?: string;
}

/** A template's rules for the given pods (a fresh copy each time). */
export function ruleTemplate(name: TemplateName, opts: TemplateOptions = {}): BackupRules {
  const template = RULE_TEMPLATES[name];
  if (!template) throw new Error(`unknown rule template "${String(name)}"; known: ${Object.keys(RULE_TEMPLATES).join(", ")}`);
  const fill = (a: RuleAction): RuleAction => ({
    ...structuredClone(a),
    podSelector: opts.podSelector ?? template.defaultSelector,
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    ...(opts.container ? { container: opts.container } : {}),
  });
  return { pre: template.rules.pre.map(fill), post: template.rules.post.map(fill) };
}
