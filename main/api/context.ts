// What every call handler works with: the engine's stores and registries over one data directory,
// the job registry, and a way to tell UIs that a list changed.
import type { HostKind, LocationView, StateTopic } from "../../shared/api";
import { State } from "../state/state";
import type { JobRegistry } from "../jobs/registry";
import { RuleStore } from "../rules/store";
import type { Vault } from "../vault/types";

export interface EngineContext {
  host: HostKind;
  version: string;
  dataDir: string;
  vault: Vault;
  state: State;
  rules: RuleStore;
  jobs: JobRegistry;
  /** Image of the pods that move volume data (sh and tar); the engine's default when unset. */
  moverImage?: string;
  /** The last verification of each location in this session, by name. */
  health: Map<string, NonNullable<LocationView["health"]>>;
  changed(topic: StateTopic): void;
  /** Who runs the schedules of this data directory. */
  schedulerStatus(): { by: "app" | "daemon" | "off"; message: string };
}

export function engineState(dataDir: string, vault: Vault): { state: State; rules: RuleStore } {
  return { state: new State(dataDir, vault), rules: new RuleStore(dataDir) };
}
