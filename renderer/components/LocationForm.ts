// What the add-location wizard collects, and the `config` it sends: exactly the shape of the engine's
// location schemas (main/locations/config.ts) for s3, azure, gcs and folder, with empty optional fields left out.

export type LocationType = "aws" | "flashblade" | "minio" | "azure" | "gcs" | "folder";
export type AzureAuthType = "account-key" | "sas" | "connection-string";

export interface LocationForm {
  type: LocationType;
  name: string;
  endpoint: string;
  region: string;
  bucket: string;
  prefix: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** undefined: the engine's default (path style when an endpoint is set). */
  forcePathStyle?: boolean;
  insecureSkipTlsVerify: boolean;
  caBundle: string;
  azureAuth: AzureAuthType;
  accountName: string;
  accountKey: string;
  sasToken: string;
  connectionString: string;
  container: string;
  azureEndpoint: string;
  hmacAccessId: string;
  hmacSecret: string;
  path: string;
  createContainer: boolean;
  password: string;
  confirm: string;
}

export const LOCATION_TYPES: Array<{ type: LocationType; label: string; description: string }> = [
  { type: "aws", label: "Amazon S3", description: "S3-compatible: AWS S3 itself." },
  { type: "flashblade", label: "Pure Storage FlashBlade", description: "S3-compatible object store on FlashBlade." },
  { type: "minio", label: "MinIO", description: "S3-compatible object store, or any other S3-compatible service." },
  { type: "azure", label: "Azure Blob Storage", description: "A container in an Azure storage account." },
  { type: "gcs", label: "Google Cloud Storage", description: "A GCS bucket, with HMAC keys." },
  { type: "folder", label: "Local or NFS folder", description: "A folder on this machine or a mounted NFS/SMB share." },
];

export const emptyLocationForm: LocationForm = {
  type: "minio", name: "", endpoint: "", region: "us-east-1", bucket: "", prefix: "", accessKeyId: "", secretAccessKey: "", sessionToken: "",
  forcePathStyle: undefined, insecureSkipTlsVerify: false, caBundle: "", azureAuth: "account-key", accountName: "", accountKey: "", sasToken: "",
  connectionString: "", container: "", azureEndpoint: "", hmacAccessId: "", hmacSecret: "", path: "", createContainer: false, password: "", confirm: "",
};

export function isS3(type: LocationType): boolean {
  return type === "aws" || type === "flashblade" || type === "minio";
}

export function engineKind(type: LocationType): "s3" | "azure" | "gcs" | "folder" {
  return isS3(type) ? "s3" : (type as "azure" | "gcs" | "folder");
}

/** Path-style addressing as the engine resolves it when the user has not chosen. */
export function effectivePathStyle(f: LocationForm): boolean {
  return f.forcePathStyle ?? f.endpoint.trim() !== "";
}

const opt = (v: string) => (v.trim() ? v.trim() : undefined);

/** The `config` object for locations.add; optional fields the user left empty are omitted. */
export function buildLocationConfig(f: LocationForm): { kind: "s3" | "azure" | "gcs" | "folder" } & Record<string, unknown> {
  const strip = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  switch (engineKind(f.type)) {
    case "s3":
      return strip({
        kind: "s3" as const,
        endpoint: opt(f.endpoint),
        region: f.region.trim(),
        bucket: f.bucket.trim(),
        prefix: opt(f.prefix),
        forcePathStyle: f.forcePathStyle,
        accessKeyId: f.accessKeyId.trim(),
        secretAccessKey: f.secretAccessKey,
        sessionToken: f.sessionToken ? f.sessionToken : undefined,
        caBundle: opt(f.caBundle),
        insecureSkipTlsVerify: f.insecureSkipTlsVerify ? true : undefined,
      });
    case "gcs":
      return strip({ kind: "gcs" as const, bucket: f.bucket.trim(), prefix: opt(f.prefix), hmacAccessId: f.hmacAccessId.trim(), hmacSecret: f.hmacSecret, endpoint: opt(f.endpoint) });
    case "azure": {
      const auth =
        f.azureAuth === "account-key"
          ? strip({ type: "account-key" as const, accountName: f.accountName.trim(), accountKey: f.accountKey.trim(), endpoint: opt(f.azureEndpoint) })
          : f.azureAuth === "sas"
            ? { type: "sas" as const, endpoint: f.azureEndpoint.trim(), sasToken: f.sasToken.trim() }
            : { type: "connection-string" as const, connectionString: f.connectionString.trim() };
      return strip({ kind: "azure" as const, container: f.container.trim(), prefix: opt(f.prefix), auth });
    }
    case "folder":
      return { kind: "folder" as const, path: f.path.trim() };
  }
}

/** The required fields still empty on the connection step (the engine checks the rest and names the field). */
export function missingConnectionFields(f: LocationForm): string[] {
  const need: Array<[string, string]> = [];
  if (isS3(f.type)) {
    if (f.type !== "aws") need.push(["Endpoint", f.endpoint]);
    need.push(["Region", f.region], ["Bucket", f.bucket], ["Access key ID", f.accessKeyId], ["Secret access key", f.secretAccessKey]);
  } else if (f.type === "gcs") {
    need.push(["Bucket", f.bucket], ["Access key ID", f.hmacAccessId], ["Secret", f.hmacSecret]);
  } else if (f.type === "azure") {
    need.push(["Container", f.container]);
    if (f.azureAuth === "account-key") need.push(["Account name", f.accountName], ["Account key", f.accountKey]);
    if (f.azureAuth === "sas") need.push(["Endpoint", f.azureEndpoint], ["SAS token", f.sasToken]);
    if (f.azureAuth === "connection-string") need.push(["Connection string", f.connectionString]);
  } else {
    need.push(["Folder path", f.path]);
  }
  return need.filter(([, v]) => !v.trim()).map(([label]) => label);
}
