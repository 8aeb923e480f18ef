// lifeboat location add|list|verify|remove: backup locations and their repositories.
// Secrets (storage keys, the repository password) are read from a file or an environment variable,
// never from a flag's value: values on the command line land in shell history and in `ps` output.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { LocationError, type ValidationResult } from "../locations/types";
import { oneOf, UsageError, type FlagValues } from "./args";
import { command, emit, required, type Group } from "./command";
import { fields, formatAge, shortId, table } from "./format";

const secretFlags = <N extends string>(name: N, what: string) => ({
  [`${name}-file`]: { type: "string", value: "FILE", help: `read the ${what} from FILE` },
  [`${name}-env`]: { type: "string", value: "VAR", help: `read the ${what} from the environment variable VAR` },
}) as Record<`${N}-file` | `${N}-env`, { type: "string"; value: string; help: string }>;

const ADD_FLAGS = {
  provider: { type: "string", value: "PROVIDER", help: "s3 (AWS, MinIO, FlashBlade and other S3-compatible stores), gcs, azure or folder" },
  ...secretFlags("password", "repository password (required)"),
  bucket: { type: "string", value: "BUCKET", help: "s3, gcs: the bucket" },
  container: { type: "string", value: "CONTAINER", help: "azure: the blob container" },
  prefix: { type: "string", value: "PREFIX", help: "s3, gcs, azure: key prefix inside the bucket or container (several repositories can share a bucket)" },
  endpoint: { type: "string", value: "URL", help: "s3: the endpoint of a non-AWS store (MinIO, FlashBlade); gcs, azure: a non-default endpoint" },
  region: { type: "string", value: "REGION", help: "s3: the region (default us-east-1; MinIO and FlashBlade accept any)" },
  "access-key-id": { type: "string", value: "ID", help: "s3: the access key id" },
  ...secretFlags("secret-access-key", "s3 secret access key"),
  ...secretFlags("session-token", "s3 session token (temporary credentials)"),
  "ca-bundle": { type: "string", value: "FILE", help: "s3: PEM file of the CA that signed the endpoint's certificate" },
  "insecure-skip-tls-verify": { type: "boolean", help: "s3: do not verify the endpoint's certificate (tests only)" },
  "force-path-style": { type: "boolean", help: "s3: path-style addressing (default: on with --endpoint, off for AWS)" },
  "hmac-access-id": { type: "string", value: "ID", help: "gcs: the HMAC key's access id" },
  ...secretFlags("hmac-secret", "gcs HMAC secret"),
  "account-name": { type: "string", value: "NAME", help: "azure: the storage account (with an account key)" },
  ...secretFlags("account-key", "azure account key"),
  ...secretFlags("sas-token", "azure SAS token (with --endpoint)"),
  ...secretFlags("connection-string", "azure connection string"),
  path: { type: "string", value: "DIR", help: "folder: the directory (a local disk or an NFS/SMB mount; must exist)" },
} as const;

type AddFlags = FlagValues<typeof ADD_FLAGS>;
type Provider = "s3" | "gcs" | "azure" | "folder";

/** Which provider each provider-specific flag belongs to, so a flag that does nothing is an error. */
const FLAG_PROVIDERS: Partial<Record<keyof AddFlags, Provider[]>> = {
  bucket: ["s3", "gcs"], container: ["azure"], prefix: ["s3", "gcs", "azure"], endpoint: ["s3", "gcs", "azure"], region: ["s3"],
  "access-key-id": ["s3"], "secret-access-key-file": ["s3"], "secret-access-key-env": ["s3"], "session-token-file": ["s3"], "session-token-env": ["s3"],
  "ca-bundle": ["s3"], "insecure-skip-tls-verify": ["s3"], "force-path-style": ["s3"], "hmac-access-id": ["gcs"], "hmac-secret-file": ["gcs"], "hmac-secret-env": ["gcs"],
  "account-name": ["azure"], "account-key-file": ["azure"], "account-key-env": ["azure"], "sas-token-file": ["azure"], "sas-token-env": ["azure"],
  "connection-string-file": ["azure"], "connection-string-env": ["azure"], path: ["folder"],
};

/** A secret from --NAME-file or --NAME-env; undefined when neither is given. */
export function readSecret(flags: Record<string, unknown>, name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const file = flags[`${name}-file`] as string | undefined;
  const variable = flags[`${name}-env`] as string | undefined;
  if (file !== undefined && variable !== undefined) throw new UsageError(`give only one of --${name}-file or --${name}-env`);
  if (variable !== undefined) {
    const value = env[variable];
    if (!value) throw new UsageError(`--${name}-env: the environment variable ${variable} is not set or empty`);
    return value;
  }
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new UsageError(`--${name}-file: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  // Files written with `echo` end with a newline that is not part of the secret.
  const value = text.replace(/\r?\n$/, "");
  if (!value) throw new UsageError(`--${name}-file: ${file} is empty`);
  return value;
}

const needSecret = (flags: AddFlags, name: string) => {
  const value = readSecret(flags, name);
  if (value === undefined) throw new UsageError(`--${name}-file or --${name}-env is required`);
  return value;
};

function readCaBundle(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`--ca-bundle: cannot read ${file}: ${(err as Error).message}`);
  }
}

/** The location settings (as parseLocationConfig takes them) from the flags. */
export function locationSettings(provider: Provider, flags: AddFlags): Record<string, unknown> {
  for (const [flag, providers] of Object.entries(FLAG_PROVIDERS)) {
    if (flags[flag as keyof AddFlags] !== undefined && !providers.includes(provider)) throw new UsageError(`--${flag} does not apply to --provider ${provider} (it is for ${providers.join(", ")})`);
  }
  switch (provider) {
    case "s3":
      return {
        kind: "s3", bucket: required(flags.bucket, "bucket"), prefix: flags.prefix, endpoint: flags.endpoint, region: flags.region ?? "us-east-1",
        accessKeyId: required(flags["access-key-id"], "access-key-id"), secretAccessKey: needSecret(flags, "secret-access-key"),
        sessionToken: readSecret(flags, "session-token"), caBundle: flags["ca-bundle"] && readCaBundle(flags["ca-bundle"]),
        insecureSkipTlsVerify: flags["insecure-skip-tls-verify"], forcePathStyle: flags["force-path-style"],
      };
    case "gcs":
      return { kind: "gcs", bucket: required(flags.bucket, "bucket"), prefix: flags.prefix, endpoint: flags.endpoint, hmacAccessId: required(flags["hmac-access-id"], "hmac-access-id"), hmacSecret: needSecret(flags, "hmac-secret") };
    case "azure":
      return { kind: "azure", container: required(flags.container, "container"), prefix: flags.prefix, auth: azureAuth(flags) };
    case "folder":
      return { kind: "folder", path: resolve(required(flags.path, "path")) };
  }
}

function azureAuth(flags: AddFlags): Record<string, unknown> {
  const given = { "account-key": readSecret(flags, "account-key"), "sas-token": readSecret(flags, "sas-token"), "connection-string": readSecret(flags, "connection-string") };
  const which = oneOf(given, ["account-key", "sas-token", "connection-string"]);
  if (which === "account-key") return { type: "account-key", accountName: required(flags["account-name"], "account-name"), accountKey: given["account-key"], endpoint: flags.endpoint };
  if (flags["account-name"] !== undefined) throw new UsageError(`--account-name goes with an account key, not a ${which}`);
  if (which === "sas-token") return { type: "sas", endpoint: required(flags.endpoint, "endpoint"), sasToken: given["sas-token"] };
  if (flags.endpoint !== undefined) throw new UsageError("--endpoint does not apply with a connection string (it names its endpoints)");
  return { type: "connection-string", connectionString: given["connection-string"] };
}

const FIELD_FLAGS: Array<[RegExp, string]> = [
  [/\bauth\.accountName\b/g, "--account-name"], [/\bauth\.accountKey\b/g, "the account key"], [/\bauth\.sasToken\b/g, "the SAS token"],
  [/\bauth\.connectionString\b/g, "the connection string"], [/\bauth\.endpoint\b/g, "--endpoint"], [/\baccessKeyId\b/g, "--access-key-id"],
  [/\bcaBundle\b/g, "--ca-bundle"], [/\bhmacAccessId\b/g, "--hmac-access-id"],
];

/** The engine's settings errors name settings fields; here the user typed flags. */
function inFlagTerms(err: unknown): unknown {
  if (!(err instanceof LocationError && err.code === "invalid-config")) return err;
  const message = FIELD_FLAGS.reduce((m, [re, flag]) => m.replace(re, flag), err.message);
  return new UsageError(message.replace(/^The location settings are invalid:/, "invalid location flags:"));
}

function probeSummary(v: ValidationResult): string {
  return v.steps.map((s) => `${s.step} ${s.ok ? `${s.ms} ms` : "FAILED"}`).join(", ");
}

const add = command({
  name: "add",
  summary: "Add a backup location (tested, and its repository opened or created)",
  usage: "NAME --provider s3|gcs|azure|folder [provider flags] (--password-file FILE | --password-env VAR)",
  description: [
    "The location is probed (write, read, list, delete of a small object); then the repository in it is",
    "opened with the password, or created when the location holds none. Nothing is stored if any of it fails.",
    "",
    "Secrets are read from a file (--X-file, - for stdin) or an environment variable (--X-env), never from",
    "a flag's value, which would land in shell history and be visible to every user in `ps`. The repository",
    "password encrypts every backup: without it they cannot be restored, so keep a copy somewhere safe.",
    "The password and storage keys are kept in $LIFEBOAT_HOME/locations.json (mode 0600), encrypted with",
    "the key in $LIFEBOAT_HOME/vault.key, or with LIFEBOAT_PASSPHRASE when that is set.",
  ].join("\n"),
  args: { min: 1, max: 1 },
  flags: ADD_FLAGS,
  examples: [
    "lifeboat location add minio --provider s3 --endpoint http://10.0.0.5:9000 --bucket backups \\\n      --access-key-id lifeboat --secret-access-key-env AWS_SECRET_ACCESS_KEY --password-file ~/.lifeboat-pw",
    "lifeboat location add nas --provider folder --path /mnt/backups --password-env LIFEBOAT_PASSWORD",
    "lifeboat location add blob --provider azure --container backups --account-name acme --account-key-env AZURE_STORAGE_KEY --password-file pw.txt",
  ],
  async run(ctx, { args, flags }) {
    const provider = required(flags.provider, "provider");
    if (!["s3", "gcs", "azure", "folder"].includes(provider)) throw new UsageError(`--provider must be s3, gcs, azure or folder, not "${provider}"`);
    const settings = locationSettings(provider as Provider, flags);
    const password = needSecret(flags, "password");
    const added = await (await ctx.state.locations()).add(args[0]!, settings, password).catch((err: unknown) => {
      throw inFlagTerms(err);
    });
    const { location, validation, created } = added;
    emit(ctx, { location, created, validation }, () =>
      `Location "${location.name}" added: ${location.address}; repository ${shortId(location.repositoryId)} ${created ? "created" : "opened"}` +
      ` (probe: ${probeSummary(validation)}${validation.objectLock ? "; object lock available" : ""}).`);
    if (created && ctx.output !== "json") ctx.err("note: keep a copy of the repository password: without it these backups cannot be restored.");
    return 0;
  },
});

const list = command({
  name: "list",
  summary: "List the backup locations",
  usage: "[flags]",
  args: { min: 0, max: 0 },
  flags: {},
  async run(ctx) {
    const locations = (await ctx.state.locations()).list();
    emit(ctx, { locations }, () =>
      locations.length
        ? table(["NAME", "PROVIDER", "ADDRESS", "REPOSITORY", "AGE"], locations.map((l) => [l.name, l.kind, l.address, shortId(l.repositoryId), formatAge(l.addedAt)]))
        : "No locations. Add one with: lifeboat location add NAME --provider …");
    return 0;
  },
});

const verify = command({
  name: "verify",
  summary: "Probe a location again and open its repository with the stored password",
  usage: "NAME [flags]",
  description: "Exits 1 when a probe step fails or the repository does not open (password changed elsewhere, repository replaced).",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    const result = await (await ctx.state.location(args[0]!)).verify(args[0]!);
    const { location, validation, repository } = result;
    emit(ctx, result, () => [
      fields([["Location", location.name], ["Address", location.address], ["Object lock", validation.objectLock ? "available" : "no"],
        ["Repository", repository ? `${repository.id} (${repository.snapshots} snapshot${repository.snapshots === 1 ? "" : "s"})` : "not checked"]]),
      "",
      table(["STEP", "RESULT", "TIME"], validation.steps.map((s) => [s.step, s.ok ? "ok" : "FAILED", `${s.ms} ms`])),
    ].join("\n"));
    if (!validation.ok) {
      const e = validation.error!;
      throw new LocationError(e.code, e.message, e.hint);
    }
    return 0;
  },
});

const remove = command({
  name: "remove",
  summary: "Forget a location (its backups stay where they are; add it again to see them)",
  usage: "NAME [flags]",
  args: { min: 1, max: 1 },
  flags: {},
  async run(ctx, { args }) {
    (await ctx.state.location(args[0]!)).remove(args[0]!);
    emit(ctx, { removed: args[0] }, () => `Location "${args[0]}" removed; its backups were not touched.`);
    return 0;
  },
});

export const locationGroup: Group = { name: "location", summary: "Add, list, verify and remove backup locations", commands: [add, list, verify, remove] };
