// Opens the driver for a location's settings. Settings from outside (UI, files) go through
// parseLocationConfig first.
import { AzureLocation } from "./azure";
import type { LocationConfig } from "./config";
import { FolderLocation } from "./folder";
import { openGcsLocation } from "./gcs";
import { S3Location } from "./s3";
import type { Location } from "./types";

export function openLocation(config: LocationConfig): Location {
  switch (config.kind) {
    case "s3":
      return new S3Location(config);
    case "gcs":
      return openGcsLocation(config);
    case "azure":
      return new AzureLocation(config);
    case "folder":
      return new FolderLocation(config);
  }
}

export { parseLocationConfig, type LocationConfig } from "./config";
export { validateLocation } from "./validate";
export * from "./types";
