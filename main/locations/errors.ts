// Turns the raw errors of the S3 SDK, the Azure SDK, Node's network stack and the file system into a
// LocationError an admin can act on: what failed, where (the location's address), and what to do.
// Pure functions of the error object and a small context; the drivers add nothing but the context.
import { LocationError, type LocationErrorCode } from "./types";

export type Operation = "put" | "get" | "head" | "list" | "delete" | "object-lock" | "create";

export interface ErrorContext {
  /** The location's address, e.g. "s3://backups/prod at https://10.0.0.5:9000". */
  address: string;
  /** Bucket, container or folder name, for "does not exist" messages. */
  container: string;
  operation: Operation;
  key?: string;
  /** The time the client signed the request with, to measure clock skew against the server's. */
  clientTime?: Date;
}

type Fields = Record<string, unknown>;

function fieldsOf(value: unknown): Fields | undefined {
  return typeof value === "object" && value !== null ? (value as Fields) : undefined;
}

function stringField(value: unknown, name: string): string | undefined {
  const v = fieldsOf(value)?.[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function numberField(value: unknown, name: string): number | undefined {
  const v = fieldsOf(value)?.[name];
  return typeof v === "number" ? v : undefined;
}

/** The Node error code (ENOENT, EINVAL, ...) of err, if it has one. */
export function errorCode(err: unknown): string | undefined {
  return stringField(err, "code");
}

function messageOf(err: unknown): string {
  return stringField(err, "message") ?? String(err);
}

function doing(ctx: ErrorContext): string {
  const key = ctx.key !== undefined ? ` "${ctx.key}"` : "";
  switch (ctx.operation) {
    case "put": return `writing${key}`;
    case "get": return `reading${key}`;
    case "head": return `checking${key}`;
    case "list": return `listing${key ? ` objects under${key}` : " objects"}`;
    case "delete": return `deleting${key}`;
    case "object-lock": return "reading the object lock settings";
    case "create": return "creating the bucket or container";
  }
}

function fail(code: LocationErrorCode, message: string, hint: string | undefined, cause: unknown): LocationError {
  return new LocationError(code, message, hint, { cause });
}

// ---------------------------------------------------------------------------------------------
// Network and TLS: the same for every driver that talks HTTP.

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "DNS lookup failed (temporary)",
  ETIMEDOUT: "connection timed out",
  ESOCKETTIMEDOUT: "the connection went silent (socket timeout)",
  ECONNRESET: "connection reset by the server or a proxy",
  ECONNABORTED: "connection aborted",
  EPIPE: "connection closed by the server",
  EHOSTUNREACH: "no route to the host",
  ENETUNREACH: "network unreachable",
  EHOSTDOWN: "host is down",
  UND_ERR_SOCKET: "connection closed unexpectedly",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  REQUEST_SEND_ERROR: "the request could not be sent",
};

const TLS_REASONS: Record<string, string> = {
  SELF_SIGNED_CERT_IN_CHAIN: "the certificate chain ends in a self-signed CA this computer does not trust",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the certificate was issued by a CA this computer does not trust",
  UNABLE_TO_GET_ISSUER_CERT: "the certificate's issuer is unknown",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the certificate was issued by a CA this computer does not trust",
  CERT_UNTRUSTED: "the certificate is not trusted",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not valid yet",
  ERR_TLS_CERT_ALTNAME_INVALID: "the certificate does not name this host",
  ERR_SSL_WRONG_VERSION_NUMBER: "the server did not answer with TLS",
};

const TRUST_HINT =
  "Add the CA certificate that signed the server's certificate as the CA bundle (PEM) of this location, " +
  "or, only if you knowingly accept the risk on a trusted network, enable “skip TLS verification”.";

function tlsHint(code: string): string {
  switch (code) {
    case "CERT_HAS_EXPIRED":
    case "CERT_NOT_YET_VALID":
      return "Renew the server's certificate, and check that this computer's clock is right.";
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return "Use the host name or IP address the certificate was issued for, or reissue the certificate with this address in its subject alternative names.";
    case "ERR_SSL_WRONG_VERSION_NUMBER":
      return "The endpoint probably speaks plain HTTP: use an http:// endpoint, or enable TLS on the server.";
    default:
      return TRUST_HINT;
  }
}

/** The Node error code of err or of one of its causes. */
function systemCodeOf(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    const code = stringField(current, "code");
    if (code && (code in NETWORK_REASONS || code in TLS_REASONS || code === "EPROTO")) return code;
    if (stringField(current, "name") === "TimeoutError") return "ETIMEDOUT";
    current = fieldsOf(current)?.cause;
  }
  return undefined;
}

/** A LocationError for network and TLS failures, or undefined when err is something else. */
export function classifyNetworkError(err: unknown, ctx: ErrorContext): LocationError | undefined {
  let code = systemCodeOf(err);
  if (code === undefined) return undefined;
  const message = messageOf(err);
  if (code === "EPROTO" && /wrong version number/i.test(message)) code = "ERR_SSL_WRONG_VERSION_NUMBER";
  const tlsReason = TLS_REASONS[code];
  if (tlsReason) {
    return fail("tls", `The TLS certificate of ${ctx.address} is not accepted: ${tlsReason} (${code})`, tlsHint(code), err);
  }
  const reason = NETWORK_REASONS[code] ?? message;
  return fail(
    "unreachable",
    `Cannot reach ${ctx.address} while ${doing(ctx)}: ${reason} (${code})`,
    "Check that the storage is running and that the endpoint's host name and port are right; a firewall, proxy or VPN may be blocking the connection.",
    err,
  );
}

// ---------------------------------------------------------------------------------------------
// Clock skew

/** How far the client's clock is ahead (positive) of the server's, when both are known. */
export function clockSkewMs(serverTime: Date | undefined, clientTime: Date | undefined): number | undefined {
  if (!serverTime || !clientTime || Number.isNaN(serverTime.getTime())) return undefined;
  return clientTime.getTime() - serverTime.getTime();
}

export function describeSkew(skewMs: number): string {
  const abs = Math.abs(skewMs);
  const direction = skewMs > 0 ? "ahead of" : "behind";
  if (abs < 90_000) return `${Math.round(abs / 1000)} seconds ${direction}`;
  if (abs < 90 * 60_000) return `about ${Math.round(abs / 60_000)} minutes ${direction}`;
  return `about ${(abs / 3_600_000).toFixed(1)} hours ${direction}`;
}

function clockSkewError(err: unknown, ctx: ErrorContext, serverTime: Date | undefined, code: string): LocationError {
  const skew = clockSkewMs(serverTime, ctx.clientTime);
  const how = skew !== undefined ? `is ${describeSkew(skew)}` : "differs too much from";
  return fail(
    "clock-skew",
    `This computer's clock ${how} the clock of ${ctx.address}, so the storage rejects its signed requests (${code})`,
    "Synchronise the clocks of this computer and of the storage with NTP; signed requests are refused when clocks differ by more than 15 minutes.",
    err,
  );
}

function parseHttpDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value !== "string") return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

// ---------------------------------------------------------------------------------------------
// S3 (AWS SDK v3 service exceptions)

const LOCKED_TEXT = /object lock|WORM|retention|legal hold/i;

function s3ErrorCode(err: unknown): string | undefined {
  const code = stringField(err, "Code");
  if (code) return code;
  // Responses without a body (HEAD) carry no code; MinIO names it in a header.
  const headers = fieldsOf(fieldsOf(err)?.$response)?.headers;
  const minioCode = stringField(headers, "x-minio-error-code");
  if (minioCode) return minioCode;
  const name = stringField(err, "name");
  return name && name !== "Error" && name !== "Unknown" ? name : undefined;
}

function s3Status(err: unknown): number | undefined {
  return numberField(fieldsOf(err)?.$metadata, "httpStatusCode");
}

function s3ServerTime(err: unknown): Date | undefined {
  const fromBody = parseHttpDate(fieldsOf(err)?.ServerTime);
  if (fromBody) return fromBody;
  const headers = fieldsOf(fieldsOf(err)?.$response)?.headers;
  return parseHttpDate(fieldsOf(headers)?.date);
}

const S3_PERMISSIONS_HINT =
  "The credentials are valid but not allowed to do this. Grant them s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject " +
  "on the bucket (plus s3:GetBucketVersioning, s3:ListBucketVersions, s3:DeleteObjectVersion and s3:GetBucketObjectLockConfiguration for versioned or locked buckets).";

export function classifyS3Error(err: unknown, ctx: ErrorContext): LocationError {
  if (err instanceof LocationError) return err;
  const network = classifyNetworkError(err, ctx);
  if (network) return network;
  const code = s3ErrorCode(err);
  const status = s3Status(err);
  const message = messageOf(err);
  const tag = code ?? (status !== undefined ? `HTTP ${status}` : "error");

  switch (code) {
    case "InvalidAccessKeyId":
      return fail("auth", `Wrong access key or secret for ${ctx.address} (${code})`,
        "The storage does not know this access key ID. Check it, and that the key has not been deleted or disabled.", err);
    case "SignatureDoesNotMatch":
      return fail("auth", `Wrong access key or secret for ${ctx.address} (${code})`,
        "The access key exists but the secret access key does not match it. Enter the secret again exactly as issued.", err);
    case "InvalidToken":
    case "ExpiredToken":
    case "TokenRefreshRequired":
      return fail("auth", `The session token for ${ctx.address} is invalid or has expired (${code})`,
        "Issue new temporary credentials, or use a long-lived access key without a session token.", err);
    case "AccountProblem":
    case "AllAccessDisabled":
      return fail("permission", `All access to ${ctx.address} is disabled for this account (${code})`,
        "Ask the storage administrator to re-enable the account or bucket.", err);
    case "NoSuchBucket":
      return fail("no-container", `The bucket "${ctx.container}" does not exist at ${ctx.address} (${code})`,
        `Create the bucket "${ctx.container}", or correct the bucket name and region of this location.`, err);
    case "NoSuchKey":
    case "NotFound":
    case "NoSuchVersion":
      return notFound(err, ctx, code);
    case "RequestTimeTooSkewed":
    case "RequestExpired":
      return clockSkewError(err, ctx, s3ServerTime(err), code);
    case "ObjectLocked":
      return locked(err, ctx, code);
    case "InvalidBucketName":
      return fail("invalid-config", `"${ctx.container}" is not a valid bucket name for ${ctx.address} (${code})`,
        "Bucket names are 3–63 lowercase letters, digits, dots and hyphens.", err);
    case "AuthorizationHeaderMalformed":
    case "PermanentRedirect":
    case "IllegalLocationConstraintException":
      return fail("invalid-config", `The region of ${ctx.address} is wrong: ${message} (${code})`,
        "Set the region the bucket was created in.", err);
    case "InvalidRange":
      return fail("other", `The requested byte range is outside the object while ${doing(ctx)} in ${ctx.address} (${code})`, undefined, err);
    case "NotImplemented":
      return fail("other", `${ctx.address} does not support an operation needed for ${doing(ctx)} (${code})`,
        "The storage is not fully S3-compatible for this feature; check its documentation or firmware version.", err);
    case "SlowDown":
    case "ServiceUnavailable":
    case "InternalError":
      return fail("other", `${ctx.address} kept failing while ${doing(ctx)}, even after retries: ${message} (${code})`,
        "The storage is overloaded or unhealthy; try again later and check its health.", err);
  }
  if (code === "AccessDenied" || code === "InvalidRequest") {
    // Object lock refusals come back as AccessDenied (AWS) or InvalidRequest (MinIO); the text tells them apart.
    if (/ObjectLockConfiguration|Object Lock Configuration/i.test(message)) {
      return fail("invalid-config", `Object lock is not enabled on the bucket of ${ctx.address}, so objects cannot be written with a retention date (${code})`,
        "Use a bucket created with object lock enabled for immutable backups, or turn off immutability for this location.", err);
    }
    if (LOCKED_TEXT.test(message) && (ctx.operation === "delete" || ctx.operation === "put")) return locked(err, ctx, code);
  }
  if (code === "AccessDenied" || (status === 403 && code === undefined)) {
    return fail("permission", `Access denied while ${doing(ctx)} in ${ctx.address} (${tag})`,
      code === undefined
        ? `${S3_PERMISSIONS_HINT} (The storage gave no reason; wrong credentials are also possible.)`
        : S3_PERMISSIONS_HINT,
      err);
  }
  if (status === 404) return notFound(err, ctx, tag);
  return fail("other", `${ctx.address} failed while ${doing(ctx)}: ${message} (${tag})`, undefined, err);
}

function notFound(err: unknown, ctx: ErrorContext, code: string): LocationError {
  const what = ctx.key !== undefined ? `Object "${ctx.key}"` : "The object";
  return fail("not-found", `${what} does not exist in ${ctx.address} (${code})`, undefined, err);
}

function locked(err: unknown, ctx: ErrorContext, code: string): LocationError {
  const what = ctx.key !== undefined ? `Object "${ctx.key}"` : "The object";
  const action = ctx.operation === "put" ? "overwritten" : "deleted";
  return fail("locked", `${what} in ${ctx.address} is under retention (object lock / immutability) and cannot be ${action} yet (${code})`,
    "This is the immutability protecting your backups working as intended. The object can be removed after its retention date.", err);
}

// ---------------------------------------------------------------------------------------------
// Azure (RestError from @azure/storage-blob)

function azureErrorCode(err: unknown): string | undefined {
  return stringField(fieldsOf(err)?.details, "errorCode") ?? stringField(err, "code");
}

const AZURE_PERMISSION_HINTS: Record<string, string> = {
  AuthorizationPermissionMismatch:
    "The SAS token or role lacks a permission: it needs read, write, delete and list (sp=rwdl) on the container.",
  AuthorizationResourceTypeMismatch:
    "The account SAS token must allow the container and object resource types (srt=co).",
  AuthorizationServiceMismatch: "The SAS token must be issued for the Blob service (ss=b).",
  AuthorizationSourceIPMismatch: "The SAS token does not allow this computer's IP address; issue one without an IP restriction or with this address.",
  AuthorizationProtocolMismatch: "The SAS token allows HTTPS only; use an https:// endpoint.",
  InsufficientAccountPermissions: "The account or its key lacks permission for this operation.",
};

export function classifyAzureError(err: unknown, ctx: ErrorContext): LocationError {
  if (err instanceof LocationError) return err;
  const network = classifyNetworkError(err, ctx);
  if (network) return network;
  const code = azureErrorCode(err);
  const status = numberField(err, "statusCode");
  const details = fieldsOf(fieldsOf(err)?.details);
  // The first line only: Azure appends RequestId and Time. HEAD answers have no message at all.
  const rawMessage = fieldsOf(err)?.message;
  const message = typeof rawMessage === "string" ? (rawMessage.split("\n")[0] ?? "").trim() : "";
  const authDetail = stringField(details, "authenticationErrorDetail") ?? "";
  const tag = code ?? (status !== undefined ? `HTTP ${status}` : "error");

  if (code === "AuthenticationFailed" && /date header|request time|time.*(skew|too old|in the future)/i.test(authDetail)) {
    return clockSkewError(err, ctx, parseHttpDate(details?.date), code);
  }
  if (code === "AuthenticationFailed" || (code === "AuthorizationFailure" && (message === "" || /authenticate/i.test(message)))) {
    const expired = /expir/i.test(authDetail) || /expir/i.test(message);
    return fail("auth", `Wrong account key or SAS token for ${ctx.address} (${code})`,
      expired
        ? "The SAS token has expired; generate a new one."
        : "Check the account name and key (or the SAS token / connection string) exactly as shown in the Azure portal; a SAS token may also have expired.",
      err);
  }
  if (code === "AuthorizationFailure") {
    return fail("permission", `Access to ${ctx.address} is not authorised while ${doing(ctx)} (${code})`,
      "The storage account's firewall or network rules may block this computer, or the credentials lack a role on the container.", err);
  }
  if (code && code in AZURE_PERMISSION_HINTS) {
    return fail("permission", `Access denied while ${doing(ctx)} in ${ctx.address} (${code})`, AZURE_PERMISSION_HINTS[code], err);
  }
  switch (code) {
    case "ContainerNotFound":
    case "ContainerBeingDeleted":
    case "ResourceNotFound":
      return fail("no-container", `The container "${ctx.container}" does not exist at ${ctx.address} (${code})`,
        `Create the container "${ctx.container}" in the storage account, or correct the container name.`, err);
    case "BlobNotFound":
      return notFound(err, ctx, code);
    case "BlobImmutableDueToPolicy":
    case "BlobImmutableDueToLegalHold":
    case "ImmutabilityPolicyLocked":
      return locked(err, ctx, code);
    case "InvalidRange":
      return fail("other", `The requested byte range is outside the blob while ${doing(ctx)} in ${ctx.address} (${code})`, undefined, err);
    case "InvalidHeaderValue":
      if (/x-ms-version|api version/i.test(`${message} ${stringField(details, "headerName") ?? ""}`)) {
        return fail("other", `${ctx.address} does not support the Azure Storage API version this client uses (${code}: x-ms-version)`,
          "The endpoint is older than this client: update Azure Stack / Azurite (or start Azurite with --skipApiVersionCheck).", err);
      }
      break;
    case "ServerBusy":
    case "InternalError":
    case "OperationTimedOut":
      return fail("other", `${ctx.address} kept failing while ${doing(ctx)}, even after retries: ${message} (${code})`,
        "The storage account is throttling or unhealthy; try again later.", err);
  }
  if (status === 403) return fail("permission", `Access denied while ${doing(ctx)} in ${ctx.address} (${tag})`, AZURE_PERMISSION_HINTS.AuthorizationPermissionMismatch, err);
  if (status === 404) {
    return ctx.key !== undefined
      ? notFound(err, ctx, tag)
      : fail("no-container", `The container "${ctx.container}" does not exist at ${ctx.address} (${tag})`, undefined, err);
  }
  return fail("other", `${ctx.address} failed while ${doing(ctx)}: ${message || "no details"} (${tag})`, undefined, err);
}

// ---------------------------------------------------------------------------------------------
// Local and NFS folders

export function classifyFsError(err: unknown, ctx: ErrorContext & { path: string }): LocationError {
  if (err instanceof LocationError) return err;
  const code = stringField(err, "code") ?? "error";
  switch (code) {
    case "ENOENT":
      return notFound(err, ctx, code);
    case "EACCES":
    case "EPERM":
      return fail("permission", `Permission denied while ${doing(ctx)} at ${ctx.path} (${code})`,
        "The user running Lifeboat needs read and write access to the folder; on NFS also check the export's root_squash / all_squash mapping.", err);
    case "EROFS":
      return fail("permission", `The folder ${ctx.path} is on a read-only file system (${code})`,
        "Mount the backup folder read-write.", err);
    case "ENOSPC":
    case "EDQUOT":
      return fail("other", `No space left for ${ctx.address} while ${doing(ctx)} (${code})`,
        "Free space or raise the quota on the backup folder's file system.", err);
    case "ESTALE":
    case "EIO":
    case "ETIMEDOUT":
    case "EHOSTDOWN":
    case "ENOTCONN":
      return fail("unreachable", `The file system of ${ctx.address} is not responding while ${doing(ctx)} (${code})`,
        "If the folder is an NFS mount, check the NFS server and remount the share.", err);
    case "ENOTDIR":
    case "EISDIR":
    case "EEXIST":
      return fail("other", `${ctx.path} is in the way while ${doing(ctx)}: a file and a folder have the same name (${code})`, undefined, err);
  }
  return fail("other", `${ctx.address} failed while ${doing(ctx)}: ${messageOf(err)} (${code})`, undefined, err);
}
