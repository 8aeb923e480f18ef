// The DR engine's context over the registries: clusters by name, locations by name, claims that
// exist on the destination brought up to date with the incremental volume sync. Whatever a run
// opens (repositories, location handles) is handed to `track`, so that its caller (a CLI command,
// the daemon, the console's engine host) closes it when the run ends.
import type { ClusterRegistry } from "../clusters/registry";
import { checkPair, type ClusterPair, type PairStatus } from "./cluster-pair";
import type { MigrationContext } from "./index";
import type { LocationRegistry } from "../locations/registry";
import type { Location } from "../locations/types";
import { RepositoryError } from "../repo/repository";

export interface Closeable {
  close(): Promise<void>;
}

/** A MigrationContext that also gives location handles, as checkPair needs them. */
export interface DrContext extends MigrationContext {
  location(name: string): Location;
}

export function drContext(clusters: ClusterRegistry, locations: LocationRegistry, track: (opened: Closeable) => void): DrContext {
  return {
    kubeConfig: (name) => clusters.kubeConfigByName(name),
    async openRepository(name) {
      const repo = await locations.openRepository(name);
      track(repo.location);
      return repo;
    },
    // The location itself, not its repository: checkPair creates a missing bucket, which opening the
    // repository would fail on.
    location(name) {
      const location = locations.openLocation(name);
      track(location);
      return location;
    },
    // Loaded when a claim that exists is synced: a pair check or a run without volumes never needs it.
    syncVolume: async (...args) => (await import("../volumes/sync")).syncVolume(...args),
  };
}

/**
 * A pair's statuses as checkPair reports them, with one more storage check: the location's
 * repository opens with its stored password. A bucket checkPair has just created holds none, and a
 * migration could not write to it.
 */
export async function checkPairForMigrations(ctx: DrContext, pair: Pick<ClusterPair, "source" | "destination" | "location">): Promise<PairStatus> {
  const status = await checkPair(ctx, pair);
  if (status.storage.status !== "Ready") return status;
  try {
    await ctx.openRepository(pair.location);
    return status;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const reason = err instanceof RepositoryError && err.code === "not-a-repository"
      ? `${message}${status.storage.created ? " (its bucket was created just now)" : ""}; add the location again to create one: \`lifeboat location remove ${pair.location}\`, then \`lifeboat location add ${pair.location} …\``
      : message;
    return { ...status, storage: { ...status.storage, status: "Error", reason } };
  }
}

