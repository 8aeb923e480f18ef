// Google Cloud Storage through its S3-compatible XML API with HMAC keys, served by the S3 driver.
// Why not the native JSON API client: one code path for every object store, the one MinIO exercises
// in our tests; GCS's XML API supports what the driver uses (path-style requests, ListObjectsV2,
// ranged GETs and XML multipart uploads), and the S3 driver already sends no checksum headers GCS
// would not understand. GCS has no S3 object lock, so objectLockEnabled() reports false.
import { GCS_DEFAULT_ENDPOINT, type GcsLocationConfig, type S3LocationConfig } from "./config";
import { S3Location } from "./s3";

export function gcsAsS3(config: GcsLocationConfig): S3LocationConfig {
  return {
    kind: "s3",
    endpoint: config.endpoint ?? GCS_DEFAULT_ENDPOINT,
    // GCS ignores the region in signatures made with HMAC keys; "auto" is what its documentation uses.
    region: "auto",
    bucket: config.bucket,
    prefix: config.prefix,
    forcePathStyle: true,
    accessKeyId: config.hmacAccessId,
    secretAccessKey: config.hmacSecret,
  };
}

export function openGcsLocation(config: GcsLocationConfig): S3Location {
  return new S3Location(gcsAsS3(config), { kind: "gcs" });
}
