// Human-readable location addresses, computable from settings alone (no SDK needed).
import type { S3LocationConfig } from "./config";

export function s3Address(config: S3LocationConfig, scheme: "s3" | "gs"): string {
  const path = `${scheme}://${config.bucket}${config.prefix ? `/${config.prefix}` : ""}`;
  return config.endpoint ? `${path} at ${config.endpoint.replace(/\/+$/, "")}` : `${path} (AWS ${config.region})`;
}
