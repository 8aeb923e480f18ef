// The settings of a backup location, as an admin enters them. Validated here once, with messages that
// say which field is wrong and what a valid value looks like; the drivers can then trust their input.
// Secrets are never echoed back in a message.
import { isAbsolute } from "node:path";
import { z } from "zod";
import { LocationError } from "./types";

const nonEmpty = (field: string, example?: string) =>
  z
    .string({ error: `${field} is required${example ? `, e.g. ${example}` : ""}` })
    .trim()
    .min(1, { error: `${field} must not be empty${example ? `, e.g. ${example}` : ""}` });

const secret = (field: string) =>
  z.string({ error: `${field} is required` }).min(1, { error: `${field} must not be empty` });

const httpUrl = (field: string, example: string) =>
  nonEmpty(field, example).refine(isHttpUrl, {
    error: `${field} must be an http:// or https:// URL, e.g. ${example}`,
  });

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

// A key prefix inside the bucket/container; stored without leading or trailing slashes.
const prefix = z
  .string({ error: "prefix must be text, e.g. clusters/prod" })
  .transform((p) => p.replace(/^\/+|\/+$/g, ""))
  .refine((p) => !p.includes("//"), { error: "prefix must not contain empty path segments (//)" })
  .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), {
    error: "prefix must not contain . or .. segments",
  })
  .optional();

// S3 rules (AWS, MinIO and FlashBlade agree): 3–63 characters, lowercase letters, digits, dots, hyphens.
const s3BucketName = nonEmpty("bucket", "backups").refine((b) => /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b), {
  error: "bucket must be 3–63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
});

// GCS also allows underscores.
const gcsBucketName = nonEmpty("bucket", "backups").refine((b) => /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/.test(b), {
  error: "bucket must be 3–63 characters of lowercase letters, digits, dots, hyphens and underscores, starting and ending with a letter or digit",
});

const azureContainerName = nonEmpty("container", "backups").refine(
  (c) => /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(c),
  { error: "container must be 3–63 characters of lowercase letters, digits and single hyphens, starting and ending with a letter or digit" },
);

const pemBundle = z
  .string({ error: "caBundle must be PEM text" })
  .refine((pem) => pem.includes("-----BEGIN CERTIFICATE-----"), {
    error: "caBundle must be the PEM text of the CA certificate (starting with -----BEGIN CERTIFICATE-----), not a file name",
  });

export const s3ConfigSchema = z.strictObject({
  kind: z.literal("s3"),
  /** Absent for AWS; e.g. https://flashblade.example:443 or http://10.0.0.5:9000 for MinIO. */
  endpoint: httpUrl("endpoint", "https://10.0.0.5:9000").optional(),
  region: nonEmpty("region", "us-east-1 (MinIO and FlashBlade accept any region)"),
  bucket: s3BucketName,
  prefix,
  /** Defaults to true when an endpoint is set (MinIO, FlashBlade), false for AWS; see resolveForcePathStyle. */
  forcePathStyle: z.boolean({ error: "forcePathStyle must be true or false" }).optional(),
  accessKeyId: nonEmpty("accessKeyId"),
  secretAccessKey: secret("secretAccessKey"),
  sessionToken: secret("sessionToken").optional(),
  caBundle: pemBundle.optional(),
  insecureSkipTlsVerify: z.boolean({ error: "insecureSkipTlsVerify must be true or false" }).optional(),
});

export const GCS_DEFAULT_ENDPOINT = "https://storage.googleapis.com";

export const gcsConfigSchema = z.strictObject({
  kind: z.literal("gcs"),
  bucket: gcsBucketName,
  prefix,
  hmacAccessId: nonEmpty("hmacAccessId", "GOOG1E…"),
  hmacSecret: secret("hmacSecret"),
  endpoint: httpUrl("endpoint", GCS_DEFAULT_ENDPOINT).optional(),
});

const azureAuthSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      type: z.literal("account-key"),
      accountName: nonEmpty("auth.accountName", "mystorageaccount").refine((n) => /^[a-z0-9]{3,24}$/.test(n), {
        error: "auth.accountName must be 3–24 lowercase letters and digits",
      }),
      accountKey: secret("auth.accountKey").refine((k) => /^[A-Za-z0-9+/]+={0,2}$/.test(k.trim()), {
        error: "auth.accountKey must be the base64 key shown under Access keys in the Azure portal",
      }),
      /** Defaults to https://<accountName>.blob.core.windows.net. */
      endpoint: httpUrl("auth.endpoint", "https://mystorageaccount.blob.core.windows.net").optional(),
    }),
    z.strictObject({
      type: z.literal("sas"),
      endpoint: httpUrl("auth.endpoint", "https://mystorageaccount.blob.core.windows.net"),
      sasToken: secret("auth.sasToken")
        .transform((t) => t.trim().replace(/^\?/, ""))
        .refine((t) => /(^|&)sig=/.test(t), {
          error: "auth.sasToken must be a SAS token containing a signature (sv=…&sig=…)",
        }),
    }),
    z.strictObject({
      type: z.literal("connection-string"),
      connectionString: secret("auth.connectionString").refine(
        (cs) => /AccountName=|BlobEndpoint=|SharedAccessSignature=/i.test(cs),
        { error: "auth.connectionString must be an Azure Storage connection string (DefaultEndpointsProtocol=…;AccountName=…;AccountKey=…)" },
      ),
    }),
  ],
  { error: 'auth.type must be one of "account-key", "sas", "connection-string"' },
);

export const azureConfigSchema = z.strictObject({
  kind: z.literal("azure"),
  container: azureContainerName,
  prefix,
  auth: azureAuthSchema,
});

export const folderConfigSchema = z.strictObject({
  kind: z.literal("folder"),
  path: nonEmpty("path", "/mnt/backups").refine((p) => isAbsolute(p), {
    error: "path must be absolute, e.g. /mnt/backups or \\\\nas\\backups",
  }),
});

export const locationConfigSchema = z.discriminatedUnion(
  "kind",
  [s3ConfigSchema, gcsConfigSchema, azureConfigSchema, folderConfigSchema],
  { error: 'kind must be one of "s3", "gcs", "azure", "folder"' },
);

export type LocationConfig = z.output<typeof locationConfigSchema>;
export type S3LocationConfig = z.output<typeof s3ConfigSchema>;
export type GcsLocationConfig = z.output<typeof gcsConfigSchema>;
export type AzureLocationConfig = z.output<typeof azureConfigSchema>;
export type AzureAuth = AzureLocationConfig["auth"];
export type FolderLocationConfig = z.output<typeof folderConfigSchema>;

/** Path-style addressing (https://host/bucket/key) suits MinIO and FlashBlade, which rarely have wildcard DNS. */
export function resolveForcePathStyle(config: Pick<S3LocationConfig, "endpoint" | "forcePathStyle">): boolean {
  return config.forcePathStyle ?? config.endpoint !== undefined;
}

/** Validates settings from the UI or a file; throws LocationError("invalid-config") listing every problem. */
export function parseLocationConfig(input: unknown): LocationConfig {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new LocationError("invalid-config", "The location settings must be an object with a kind (s3, gcs, azure or folder).");
  }
  const result = locationConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      const where = field ? ` in ${field}` : "";
      return `unknown setting${issue.keys.length > 1 ? "s" : ""}${where}: ${issue.keys.join(", ")} (check the spelling)`;
    }
    // Our messages already name their field; zod's own (e.g. for an unknown key) do not.
    return field && !issue.message.startsWith(field) ? `${field}: ${issue.message}` : issue.message;
  });
  const unique = [...new Set(problems)];
  throw new LocationError(
    "invalid-config",
    `The location settings are invalid:\n${unique.map((p) => `- ${p}`).join("\n")}`,
    "Correct the settings listed and save the location again.",
  );
}
