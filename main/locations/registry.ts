// The backup locations Lifeboat knows, each with the password of the repository it holds. A location
// is kept only after it proved usable: the probe (write, read, list, delete) passed and its
// repository opened with the password, or was created when the location held none. Listings carry
// no secrets. The store is locations.json, mode 0600, in the engine's data directory; the storage
// credentials and repository passwords in it are sealed by the credential vault (main/vault).
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { Repository, RepositoryError } from "../repo/repository";
import { defaultVault, sealedJsonFile, type SealedJsonFile, type Vault } from "../vault/index";
import { parseLocationConfig, type LocationConfig } from "./config";
import { openLocation } from "./index";
import { LocationError, type Location, type LocationKind, type ValidationResult } from "./types";
import { validateLocation } from "./validate";

export interface LocationSummary {
  id: string;
  name: string;
  kind: LocationKind;
  /** e.g. "s3://backups/prod at https://10.0.0.5:9000"; never a credential. */
  address: string;
  repositoryId: string;
  addedAt: string;
}

interface LocationRecord extends LocationSummary {
  config: LocationConfig;
  password: string;
}

export interface LocationStore {
  load(): LocationRecord[];
  save(records: LocationRecord[]): void;
}

/**
 * locations.json, sealed by `vault` (by default the data directory's own: see defaultVault),
 * readable only by its owner and replaced atomically. A plain file from before the vault is read and
 * sealed on the next save.
 */
export function fileLocationStore(dir: string, vault?: Vault): LocationStore {
  let file: SealedJsonFile<{ version: 1; locations: LocationRecord[] }> | undefined;
  // The vault is opened on first use: commands that never touch the store pay nothing.
  const store = () => (file ??= sealedJsonFile(join(dir, "locations.json"), vault ?? defaultVault(dir)));
  return {
    load: () => store().load()?.locations ?? [],
    save: (records) => store().save({ version: 1, locations: records }),
  };
}

export interface AddedLocation {
  location: LocationSummary;
  validation: ValidationResult;
  /** Whether the repository was created now (the location held none) or already existed. */
  created: boolean;
}

export interface VerifiedLocation {
  location: LocationSummary;
  validation: ValidationResult;
  /** Present when the probe passed: the repository opened with the stored password. */
  repository?: { id: string; snapshots: number };
}

const summary = ({ config: _c, password: _p, ...rest }: LocationRecord): LocationSummary => rest;

/** A failed probe as the error an admin acts on (the probe's own code, message and hint). */
function probeFailure(result: ValidationResult): LocationError {
  const e = result.error ?? { code: "other" as const, message: "the location failed its probe" };
  return new LocationError(e.code, e.message, e.hint);
}

/** Opens the repository in a location, or creates one when the location holds none. */
async function openOrInit(location: Location, password: string): Promise<{ repo: Repository; created: boolean }> {
  try {
    return { repo: await Repository.open(location, password), created: false };
  } catch (err) {
    if (!(err instanceof RepositoryError && err.code === "not-a-repository")) throw err;
    return { repo: await Repository.init(location, password), created: true };
  }
}

export class LocationRegistry {
  constructor(private readonly store: LocationStore) {}

  list(): LocationSummary[] {
    return this.store.load().map(summary);
  }

  find(name: string): LocationSummary | undefined {
    const record = this.store.load().find((l) => l.name === name);
    return record && summary(record);
  }

  /**
   * Adds a location after it passed the probe and its repository opened (or was created); nothing
   * is stored when anything fails. `settings` are validated by parseLocationConfig.
   */
  async add(name: string, settings: unknown, password: string): Promise<AddedLocation> {
    const trimmed = name.trim();
    if (!trimmed) throw new LocationError("invalid-config", "a location needs a name");
    if (this.store.load().some((l) => l.name === trimmed)) throw new LocationError("other", `a location named "${trimmed}" already exists; choose another name`);
    if (!password) throw new LocationError("invalid-config", "the repository password must not be empty");
    const config = parseLocationConfig(settings);
    const location = openLocation(config);
    try {
      const validation = await validateLocation(location);
      if (!validation.ok) throw probeFailure(validation);
      const { repo, created } = await openOrInit(location, password);
      const record: LocationRecord = {
        id: randomUUID(), name: trimmed, kind: config.kind, address: location.address, repositoryId: repo.id,
        addedAt: new Date().toISOString(), config, password,
      };
      // Checked again: another add of the same name may have finished while this one was validating.
      const current = this.store.load();
      if (current.some((l) => l.name === trimmed)) throw new LocationError("other", `a location named "${trimmed}" already exists; choose another name`);
      this.store.save([...current, record]);
      return { location: summary(record), validation, created };
    } finally {
      await location.close();
    }
  }

  remove(name: string): void {
    const records = this.store.load();
    if (!records.some((l) => l.name === name)) throw new LocationError("other", this.unknown(name, records));
    this.store.save(records.filter((l) => l.name !== name));
  }

  /**
   * The location itself, not its repository (the caller closes it): a DR pair check creates a
   * missing bucket, which opening the repository would fail on.
   */
  openLocation(name: string): Location {
    return openLocation(this.record(name).config);
  }

  /** The probe again, then the repository with the stored password (it may have been changed elsewhere). */
  async verify(name: string): Promise<VerifiedLocation> {
    const record = this.record(name);
    const location = openLocation(record.config);
    try {
      const validation = await validateLocation(location);
      if (!validation.ok) return { location: summary(record), validation };
      const repo = await Repository.open(location, record.password);
      if (repo.id !== record.repositoryId) {
        throw new RepositoryError("unsupported", `${location.address} now holds another repository (${repo.id}, not ${record.repositoryId}); remove and add the location again if that is intended`);
      }
      return { location: summary(record), validation, repository: { id: repo.id, snapshots: (await repo.listSnapshots()).length } };
    } finally {
      await location.close();
    }
  }

  /** The engine's handle on a location's repository (credentials included); the caller closes `repo.location`. */
  async openRepository(name: string): Promise<Repository> {
    const record = this.record(name);
    const location = openLocation(record.config);
    try {
      return await Repository.open(location, record.password);
    } catch (err) {
      await location.close();
      throw err;
    }
  }

  private record(name: string): LocationRecord {
    const records = this.store.load();
    const record = records.find((l) => l.name === name);
    if (!record) throw new LocationError("other", this.unknown(name, records));
    return record;
  }

  private unknown(name: string, records: LocationRecord[]): string {
    return `no location named "${name}" (${records.length ? `known: ${records.map((l) => l.name).join(", ")}` : "none added yet"})`;
  }
}
