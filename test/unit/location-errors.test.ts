// The pure parts of the location drivers: classifying raw SDK, network, TLS and file-system errors
// into actionable LocationErrors, and validating location settings. The error objects below have
// the shapes the SDKs produce (observed against MinIO and Azurite in the integration tests).
import { describe, expect, test } from "vitest";
import { parseLocationConfig, resolveForcePathStyle } from "../../main/locations/config";
import {
  classifyAzureError,
  classifyFsError,
  classifyNetworkError,
  classifyS3Error,
  describeSkew,
  type ErrorContext,
} from "../../main/locations/errors";
import { gcsAsS3 } from "../../main/locations/gcs";
import { LocationError } from "../../main/locations/types";

const s3ctx: ErrorContext = { address: "s3://backups at https://10.0.0.5:9000", container: "backups", operation: "put", key: "packs/p1" };
const azctx: ErrorContext = { address: "azure://backups at https://acct.blob.core.windows.net", container: "backups", operation: "put", key: "packs/p1" };

/** An S3 service exception as the AWS SDK v3 throws it. */
function s3Error(code: string | undefined, status: number, message = "", headers: Record<string, string> = {}, extra: object = {}) {
  return Object.assign(new Error(message || "UnknownError"), {
    name: code ?? (status === 404 ? "NotFound" : "Unknown"),
    ...(code ? { Code: code } : {}),
    $fault: "client",
    $metadata: { httpStatusCode: status, attempts: 1 },
    $response: { statusCode: status, headers: { date: "Tue, 24 Nov 2026 14:44:36 GMT", ...headers } },
    ...extra,
  });
}

/** A RestError as @azure/storage-blob throws it. */
function azureError(errorCode: string | undefined, statusCode: number, message: string, details: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), {
    name: "RestError",
    statusCode,
    ...(message ? { code: errorCode } : {}),
    details: { errorCode, date: "Tue, 24 Nov 2026 14:45:09 GMT", ...details },
  });
}

function systemError(code: string, message: string) {
  return Object.assign(new Error(message), { code });
}

describe("classifyS3Error", () => {
  test("an unknown access key is an auth error naming the bucket, the endpoint and the server's code", () => {
    const err = classifyS3Error(s3Error("InvalidAccessKeyId", 403, "The Access Key Id you provided does not exist in our records."), s3ctx);
    expect(err).toBeInstanceOf(LocationError);
    expect(err.code).toBe("auth");
    expect(err.message).toBe("Wrong access key or secret for s3://backups at https://10.0.0.5:9000 (InvalidAccessKeyId)");
    expect(err.hint).toMatch(/access key ID/);
  });

  test("a wrong secret is an auth error whose hint points at the secret", () => {
    const err = classifyS3Error(s3Error("SignatureDoesNotMatch", 403, "The request signature we calculated does not match"), s3ctx);
    expect(err.code).toBe("auth");
    expect(err.hint).toMatch(/secret access key does not match/);
  });

  test("an expired session token is an auth error", () => {
    expect(classifyS3Error(s3Error("ExpiredToken", 400, "The provided token has expired."), s3ctx).message).toMatch(/session token .* expired/);
  });

  test("AccessDenied is a permission error listing the permissions needed", () => {
    const err = classifyS3Error(s3Error("AccessDenied", 403, "Access Denied."), s3ctx);
    expect(err.code).toBe("permission");
    expect(err.message).toBe('Access denied while writing "packs/p1" in s3://backups at https://10.0.0.5:9000 (AccessDenied)');
    expect(err.hint).toContain("s3:PutObject");
  });

  test("a HEAD refused without a body is a permission error that admits the credentials may be wrong", () => {
    const err = classifyS3Error(s3Error(undefined, 403), { ...s3ctx, operation: "head" });
    expect(err.code).toBe("permission");
    expect(err.message).toContain("(HTTP 403)");
    expect(err.hint).toMatch(/wrong credentials/);
  });

  test("MinIO's error-code header classifies bodiless HEAD answers", () => {
    const head = { ...s3ctx, operation: "head" as const };
    expect(classifyS3Error(s3Error(undefined, 403, "", { "x-minio-error-code": "SignatureDoesNotMatch" }), head).code).toBe("auth");
    expect(classifyS3Error(s3Error(undefined, 404, "", { "x-minio-error-code": "NoSuchBucket" }), head).code).toBe("no-container");
    expect(classifyS3Error(s3Error(undefined, 404), head).code).toBe("not-found");
  });

  test("a missing bucket names it and says how to fix it", () => {
    const err = classifyS3Error(s3Error("NoSuchBucket", 404, "The specified bucket does not exist"), s3ctx);
    expect(err.code).toBe("no-container");
    expect(err.message).toBe('The bucket "backups" does not exist at s3://backups at https://10.0.0.5:9000 (NoSuchBucket)');
    expect(err.hint).toContain('Create the bucket "backups"');
  });

  test("a missing object is not-found and names the key", () => {
    const err = classifyS3Error(s3Error("NoSuchKey", 404, "The specified key does not exist."), { ...s3ctx, operation: "get" });
    expect(err.code).toBe("not-found");
    expect(err.message).toBe('Object "packs/p1" does not exist in s3://backups at https://10.0.0.5:9000 (NoSuchKey)');
  });

  test("clock skew states how far off this computer's clock is, from the server's Date header", () => {
    const serverTime = new Date("2026-11-24T14:44:36Z");
    const err = classifyS3Error(s3Error("RequestTimeTooSkewed", 403, "The difference between the request time and the server's time is too large."),
      { ...s3ctx, clientTime: new Date(serverTime.getTime() + 3_600_000) });
    expect(err.code).toBe("clock-skew");
    expect(err.message).toBe("This computer's clock is about 60 minutes ahead of the clock of s3://backups at https://10.0.0.5:9000, so the storage rejects its signed requests (RequestTimeTooSkewed)");
    expect(err.hint).toContain("NTP");
  });

  test("clock skew prefers the ServerTime AWS puts in the error body, and says when the clock is behind", () => {
    const err = classifyS3Error(s3Error("RequestTimeTooSkewed", 403, "skewed", {}, { ServerTime: "2026-11-24T16:00:00Z" }),
      { ...s3ctx, clientTime: new Date("2026-11-24T14:00:00Z") });
    expect(err.message).toContain("about 2.0 hours behind");
  });

  test("clock skew without a known client time still says what is wrong", () => {
    expect(classifyS3Error(s3Error("RequestTimeTooSkewed", 403, "skewed"), s3ctx).message).toContain("differs too much from");
  });

  test("deleting a retained object is 'locked', whether the server says AccessDenied (AWS) or InvalidRequest (MinIO)", () => {
    const del = { ...s3ctx, operation: "delete" as const };
    const aws = classifyS3Error(s3Error("AccessDenied", 403, "Access Denied because object protected by object lock."), del);
    const minio = classifyS3Error(s3Error("InvalidRequest", 400, "Object is WORM protected and cannot be overwritten"), del);
    for (const err of [aws, minio]) {
      expect(err.code).toBe("locked");
      expect(err.message).toBe('Object "packs/p1" in s3://backups at https://10.0.0.5:9000 is under retention (object lock / immutability) and cannot be deleted yet (' +
        (err === aws ? "AccessDenied" : "InvalidRequest") + ")");
    }
    expect(classifyS3Error(s3Error("ObjectLocked", 409, "locked"), del).code).toBe("locked");
    // A plain AccessDenied on delete is still a permission problem.
    expect(classifyS3Error(s3Error("AccessDenied", 403, "Access Denied."), del).code).toBe("permission");
  });

  test("a retention date on a bucket without object lock is a configuration problem", () => {
    const err = classifyS3Error(s3Error("InvalidRequest", 400, "Bucket is missing ObjectLockConfiguration"), s3ctx);
    expect(err.code).toBe("invalid-config");
    expect(err.message).toContain("Object lock is not enabled");
  });

  test("a wrong AWS region is a configuration problem", () => {
    expect(classifyS3Error(s3Error("AuthorizationHeaderMalformed", 400, "the region 'us-east-1' is wrong; expecting 'eu-west-1'"), s3ctx).code).toBe("invalid-config");
  });

  test("anything else is 'other' and keeps the server's code and message", () => {
    const err = classifyS3Error(s3Error("SomethingNew", 400, "It went wrong in a new way"), s3ctx);
    expect(err.code).toBe("other");
    expect(err.message).toBe('s3://backups at https://10.0.0.5:9000 failed while writing "packs/p1": It went wrong in a new way (SomethingNew)');
  });

  test("keeps the raw error as the cause, and passes LocationErrors through", () => {
    const raw = s3Error("NoSuchKey", 404, "gone");
    expect(classifyS3Error(raw, s3ctx).cause).toBe(raw);
    const already = new LocationError("locked", "already classified");
    expect(classifyS3Error(already, s3ctx)).toBe(already);
  });
});

describe("classifyNetworkError", () => {
  test.each([
    ["ECONNREFUSED", "connect ECONNREFUSED 10.0.0.5:9000", "connection refused"],
    ["ENOTFOUND", "getaddrinfo ENOTFOUND fb.example", "host name not found"],
    ["EAI_AGAIN", "getaddrinfo EAI_AGAIN fb.example", "DNS lookup failed (temporary)"],
    ["ETIMEDOUT", "connect ETIMEDOUT 10.0.0.5:9000", "connection timed out"],
    ["ECONNRESET", "read ECONNRESET", "connection reset by the server or a proxy"],
    ["EHOSTUNREACH", "connect EHOSTUNREACH", "no route to the host"],
  ])("%s is unreachable, naming the location and the reason", (code, message, reason) => {
    const err = classifyNetworkError(systemError(code, message), s3ctx);
    expect(err?.code).toBe("unreachable");
    expect(err?.message).toBe(`Cannot reach s3://backups at https://10.0.0.5:9000 while writing "packs/p1": ${reason} (${code})`);
    expect(err?.hint).toMatch(/host name and port/);
  });

  test("SDK timeouts and errors wrapped as a cause are recognised", () => {
    const timeout = Object.assign(new Error("Connection timed out after 10000 ms"), { name: "TimeoutError" });
    expect(classifyNetworkError(timeout, s3ctx)?.code).toBe("unreachable");
    const wrapped = new Error("request failed", { cause: systemError("ECONNRESET", "socket hang up") });
    expect(classifyNetworkError(wrapped, s3ctx)?.message).toContain("(ECONNRESET)");
  });

  test.each([
    ["SELF_SIGNED_CERT_IN_CHAIN", /CA bundle/],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", /CA bundle/],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", /skip TLS verification/],
    ["CERT_HAS_EXPIRED", /Renew .* clock/],
    ["ERR_TLS_CERT_ALTNAME_INVALID", /subject alternative names/],
  ])("%s is a tls error with an actionable hint", (code, hint) => {
    const err = classifyNetworkError(systemError(code, "certificate problem"), s3ctx);
    expect(err?.code).toBe("tls");
    expect(err?.message).toMatch(new RegExp(`^The TLS certificate of s3://backups at https://10\\.0\\.0\\.5:9000 is not accepted: .+ \\(${code}\\)$`));
    expect(err?.hint).toMatch(hint);
  });

  test("TLS to a plain-HTTP port says so", () => {
    const err = classifyNetworkError(systemError("EPROTO", "write EPROTO 40E8…:error:0A00010B:SSL routines:ssl3_get_record:wrong version number"), s3ctx);
    expect(err?.code).toBe("tls");
    expect(err?.hint).toMatch(/plain HTTP/);
  });

  test("errors that are not about the network are left alone", () => {
    expect(classifyNetworkError(new Error("something else"), s3ctx)).toBeUndefined();
    expect(classifyNetworkError(s3Error("NoSuchKey", 404), s3ctx)).toBeUndefined();
  });
});

describe("classifyAzureError", () => {
  test("a wrong account key or SAS is auth", () => {
    const err = classifyAzureError(azureError("AuthenticationFailed", 403, "Server failed to authenticate the request.\nRequestId:1\nTime:x"), azctx);
    expect(err.code).toBe("auth");
    expect(err.message).toBe("Wrong account key or SAS token for azure://backups at https://acct.blob.core.windows.net (AuthenticationFailed)");
    // Azurite says AuthorizationFailure for a bad signature; HEAD answers carry no message.
    expect(classifyAzureError(azureError("AuthorizationFailure", 403, "Server failed to authenticate the request. Make sure…"), azctx).code).toBe("auth");
    expect(classifyAzureError(azureError("AuthorizationFailure", 403, ""), { ...azctx, operation: "head" }).code).toBe("auth");
  });

  test("an expired SAS token says so", () => {
    const err = classifyAzureError(azureError("AuthenticationFailed", 403, "Server failed to authenticate the request.",
      { authenticationErrorDetail: "Signed expiry time [Tue, 24 Nov 2026 13:00:00 GMT] must be after signed start time" }), azctx);
    expect(err.hint).toBe("The SAS token has expired; generate a new one.");
  });

  test("a request date too far off is clock skew", () => {
    const err = classifyAzureError(azureError("AuthenticationFailed", 403, "Server failed to authenticate the request.",
      { authenticationErrorDetail: "Request date header too old: 'Tue, 24 Nov 2026 12:45:09 GMT'" }),
    { ...azctx, clientTime: new Date("2026-11-24T12:45:09Z") });
    expect(err.code).toBe("clock-skew");
    expect(err.message).toContain("about 2.0 hours behind");
  });

  test("firewall refusals and SAS tokens without a permission are permission errors with specific hints", () => {
    const firewall = classifyAzureError(azureError("AuthorizationFailure", 403, "This request is not authorized to perform this operation."), azctx);
    expect(firewall.code).toBe("permission");
    expect(firewall.hint).toMatch(/firewall/);
    const sas = classifyAzureError(azureError("AuthorizationPermissionMismatch", 403, "This request is not authorized to perform this operation using this permission."), azctx);
    expect(sas.code).toBe("permission");
    expect(sas.hint).toContain("sp=rwdl");
    expect(classifyAzureError(azureError("AuthorizationProtocolMismatch", 403, "x"), azctx).hint).toMatch(/https/);
  });

  test("missing containers and blobs", () => {
    const container = classifyAzureError(azureError("ContainerNotFound", 404, "The specified container does not exist.\nRequestId:1"), azctx);
    expect(container.code).toBe("no-container");
    expect(container.message).toBe('The container "backups" does not exist at azure://backups at https://acct.blob.core.windows.net (ContainerNotFound)');
    expect(classifyAzureError(azureError("BlobNotFound", 404, ""), { ...azctx, operation: "head" }).code).toBe("not-found");
  });

  test("immutability refusals are locked", () => {
    const err = classifyAzureError(azureError("BlobImmutableDueToPolicy", 409, "This operation is not permitted as the blob is immutable due to a policy."), { ...azctx, operation: "delete" });
    expect(err.code).toBe("locked");
    expect(err.message).toContain("cannot be deleted yet");
  });

  test("an unsupported x-ms-version is 'other' with a hint about the API version", () => {
    const err = classifyAzureError(azureError("InvalidHeaderValue", 400, "The value for one of the HTTP headers is not in the correct format.", { headerName: "x-ms-version" }), azctx);
    expect(err.code).toBe("other");
    expect(err.message).toContain("x-ms-version");
    expect(err.hint).toMatch(/skipApiVersionCheck/);
  });

  test("network errors through the Azure pipeline are unreachable", () => {
    const err = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:10000"), { name: "RestError", code: "ECONNREFUSED" });
    expect(classifyAzureError(err, azctx)).toMatchObject({ code: "unreachable" });
  });
});

describe("classifyFsError", () => {
  const fsctx = { address: "folder /mnt/backups", container: "/mnt/backups", operation: "put" as const, key: "a/b", path: "/mnt/backups/a/b" };
  test.each([
    ["EACCES", "permission", /root_squash/],
    ["EROFS", "permission", /read-write/],
    ["ENOSPC", "other", /Free space/],
    ["ESTALE", "unreachable", /NFS/],
    ["ENOENT", "not-found", undefined],
  ] as const)("%s is %s", (code, expected, hint) => {
    const err = classifyFsError(systemError(code, `${code}: failed`), fsctx);
    expect(err.code).toBe(expected);
    if (hint) expect(err.hint).toMatch(hint);
    expect(err.message).toMatch(/\/mnt\/backups/);
  });
});

describe("describeSkew", () => {
  test("uses the unit an admin would", () => {
    expect(describeSkew(42_000)).toBe("42 seconds ahead of");
    expect(describeSkew(-17 * 60_000)).toBe("about 17 minutes behind");
    expect(describeSkew(3 * 3_600_000)).toBe("about 3.0 hours ahead of");
  });
});

describe("parseLocationConfig", () => {
  const s3 = { kind: "s3", endpoint: "https://10.0.0.5:9000", region: "us-east-1", bucket: "backups", accessKeyId: "AKIA1", secretAccessKey: "s3cr3t" };

  function problems(input: unknown): string {
    try {
      parseLocationConfig(input);
    } catch (err) {
      expect(err).toBeInstanceOf(LocationError);
      expect((err as LocationError).code).toBe("invalid-config");
      return (err as LocationError).message;
    }
    throw new Error("expected the settings to be refused");
  }

  test("accepts each kind of location", () => {
    expect(parseLocationConfig(s3)).toEqual(s3);
    expect(parseLocationConfig({ kind: "s3", region: "eu-west-1", bucket: "aws.bucket-1", accessKeyId: "a", secretAccessKey: "b", sessionToken: "t" }).kind).toBe("s3");
    expect(parseLocationConfig({ kind: "gcs", bucket: "my_bucket", hmacAccessId: "GOOG1E", hmacSecret: "x" }).kind).toBe("gcs");
    expect(parseLocationConfig({ kind: "azure", container: "backups", auth: { type: "account-key", accountName: "acct1", accountKey: "a2V5PT0=" } }).kind).toBe("azure");
    expect(parseLocationConfig({ kind: "azure", container: "backups", auth: { type: "connection-string", connectionString: "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=b" } }).kind).toBe("azure");
    expect(parseLocationConfig({ kind: "folder", path: "/mnt/backups" })).toEqual({ kind: "folder", path: "/mnt/backups" });
  });

  test("normalises the prefix and the SAS token", () => {
    expect(parseLocationConfig({ ...s3, prefix: "/clusters/prod/" })).toMatchObject({ prefix: "clusters/prod" });
    const azure = parseLocationConfig({ kind: "azure", container: "backups", auth: { type: "sas", endpoint: "https://a.blob.core.windows.net", sasToken: " ?sv=2025&sp=rwdl&sig=abc " } });
    expect(azure.kind === "azure" && azure.auth.type === "sas" && azure.auth.sasToken).toBe("sv=2025&sp=rwdl&sig=abc");
  });

  test("path-style addressing defaults on with an endpoint and off for AWS", () => {
    expect(resolveForcePathStyle({ endpoint: "https://10.0.0.5:9000" })).toBe(true);
    expect(resolveForcePathStyle({ endpoint: undefined })).toBe(false);
    expect(resolveForcePathStyle({ endpoint: "https://fb.example", forcePathStyle: false })).toBe(false);
  });

  test("lists every problem, each naming its field and what would be valid", () => {
    const message = problems({ kind: "s3", endpoint: "ftp://10.0.0.5", region: "", bucket: "Bad_Bucket", accessKeyId: "a", caBundle: "/etc/ssl/ca.pem", insecureSkipTlsVerify: "yes" });
    expect(message.split("\n")).toEqual([
      "The location settings are invalid:",
      "- endpoint must be an http:// or https:// URL, e.g. https://10.0.0.5:9000",
      "- region must not be empty, e.g. us-east-1 (MinIO and FlashBlade accept any region)",
      "- bucket must be 3–63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
      "- secretAccessKey is required",
      "- caBundle must be the PEM text of the CA certificate (starting with -----BEGIN CERTIFICATE-----), not a file name",
      "- insecureSkipTlsVerify must be true or false",
    ]);
  });

  test("never echoes a secret back", () => {
    const message = problems({ ...s3, secretAccessKey: "TOP-SECRET-VALUE", bucket: "x" });
    expect(message).not.toContain("TOP-SECRET-VALUE");
    const azure = problems({ kind: "azure", container: "backups", auth: { type: "account-key", accountName: "acct1", accountKey: "NOT BASE64 SECRET!" } });
    expect(azure).toContain("auth.accountKey must be the base64 key");
    expect(azure).not.toContain("NOT BASE64 SECRET!");
  });

  test("an unknown kind, auth type or setting is named", () => {
    expect(problems({ kind: "ftp" })).toContain('kind must be one of "s3", "gcs", "azure", "folder"');
    expect(problems("s3://backups")).toContain("must be an object");
    expect(problems({ kind: "azure", container: "backups", auth: { type: "password" } })).toContain('auth.type must be one of "account-key", "sas", "connection-string"');
    expect(problems({ ...s3, secretKey: "x" })).toContain("unknown setting: secretKey (check the spelling)");
  });

  test("azure and folder specifics", () => {
    expect(problems({ kind: "azure", container: "my--box", auth: { type: "sas", endpoint: "https://a.blob.core.windows.net", sasToken: "sv=2025&sp=r" } }).split("\n").slice(1)).toEqual([
      "- container must be 3–63 characters of lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
      "- auth.sasToken must be a SAS token containing a signature (sv=…&sig=…)",
    ]);
    expect(problems({ kind: "folder", path: "backups" })).toContain("path must be absolute, e.g. /mnt/backups");
    expect(problems({ ...s3, prefix: "a/../b" })).toContain("prefix must not contain . or .. segments");
  });
});

describe("gcsAsS3", () => {
  test("maps HMAC keys onto the S3 driver with GCS's XML endpoint and path-style requests", () => {
    const config = parseLocationConfig({ kind: "gcs", bucket: "my_bucket", prefix: "p", hmacAccessId: "GOOG1E", hmacSecret: "sec" });
    if (config.kind !== "gcs") throw new Error("expected gcs");
    expect(gcsAsS3(config)).toEqual({
      kind: "s3", endpoint: "https://storage.googleapis.com", region: "auto", bucket: "my_bucket", prefix: "p",
      forcePathStyle: true, accessKeyId: "GOOG1E", secretAccessKey: "sec",
    });
  });
});
