// The clusters Lifeboat knows. A cluster is added from a kubeconfig file, pasted kubeconfig text or
// a context of the user's default kubeconfig; it is tested before it is kept, and kept as a
// self-contained kubeconfig inside the engine. Listings carry names and a credential fingerprint,
// never the credentials themselves. The store is clusters.json, mode 0600, in the engine's data
// directory, sealed by the credential vault (main/vault): the kubeconfigs are never on disk in clear.
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { defaultVault, sealedJsonFile, type SealedJsonFile, type Vault } from "../vault/index";
import { testConnection, type ConnectionReport } from "./connection";
import { ClusterError, contextsOf, extractContext, loadKubeconfig, type AuthMethod, type KubeContext } from "./kubeconfig";

export type ClusterSource =
  | { kind: "file"; path: string; context?: string }
  | { kind: "text"; text: string; context?: string }
  | { kind: "default-kubeconfig"; context?: string };

export interface ClusterSummary {
  id: string;
  name: string;
  server: string;
  context: string;
  auth: AuthMethod;
  execCommand?: string;
  addedAt: string;
  /** Identifies the stored credentials without revealing them. */
  credentialFingerprint: string;
}

interface ClusterRecord extends ClusterSummary {
  kubeconfig: string;
}

export interface ClusterStore {
  load(): ClusterRecord[];
  save(records: ClusterRecord[]): void;
}

/**
 * clusters.json, sealed by `vault` (by default the data directory's own: see defaultVault), readable
 * only by its owner and replaced atomically. A plain file from before the vault is read and sealed
 * on the next save.
 */
export function fileClusterStore(dir: string, vault?: Vault): ClusterStore {
  let file: SealedJsonFile<{ version: 1; clusters: ClusterRecord[] }> | undefined;
  // The vault is opened on first use: listing commands that never touch the store pay nothing.
  const store = () => (file ??= sealedJsonFile(join(dir, "clusters.json"), vault ?? defaultVault(dir)));
  return {
    load: () => store().load()?.clusters ?? [],
    save: (records) => store().save({ version: 1, clusters: records }),
  };
}

/** The user's default kubeconfig, as kubectl finds it: the first file of $KUBECONFIG, else ~/.kube/config. */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.KUBECONFIG?.split(delimiter).find(Boolean);
  return fromEnv ?? join(env.HOME ?? homedir(), ".kube", "config");
}

const fingerprint = (kubeconfig: string) => `sha256:${createHash("sha256").update(kubeconfig).digest("hex").slice(0, 16)}`;
const summary = ({ kubeconfig: _secret, ...rest }: ClusterRecord): ClusterSummary => rest;

export class ClusterRegistry {
  constructor(private readonly store: ClusterStore, private readonly testTimeoutMs = 15_000) {}

  list(): ClusterSummary[] {
    return this.store.load().map(summary);
  }

  /** The contexts of the user's default kubeconfig, for a first-run "import your contexts". */
  defaultContexts(): KubeContext[] {
    const path = defaultKubeconfigPath();
    if (!existsSync(path)) return [];
    return contextsOf(loadKubeconfig(readFileSync(path, "utf8"), path), path);
  }

  /**
   * Adds a cluster after a successful connection test; nothing is stored when anything fails.
   * `context` defaults to the kubeconfig's current context.
   */
  async add(source: ClusterSource, opts: { name?: string } = {}): Promise<{ cluster: ClusterSummary; report: ConnectionReport }> {
    const { text, label } = readSource(source);
    const kc = loadKubeconfig(text, label);
    const contextName = source.context ?? kc.getCurrentContext();
    if (!contextName) throw new ClusterError("unknown-context", `${label} has no current context; choose one of: ${kc.getContexts().map((c) => c.name).join(", ")}`);
    const standalone = extractContext(kc, contextName, label);
    const stored = loadKubeconfig(standalone, label);
    const ctx = contextsOf(stored, label)[0]!;
    const name = (opts.name ?? contextName).trim();
    if (!name) throw new ClusterError("other", "a cluster needs a name");
    if (this.store.load().some((c) => c.name === name)) throw new ClusterError("other", `a cluster named "${name}" already exists; choose another name`);

    const report = await testConnection(stored, { timeoutMs: this.testTimeoutMs });
    const record: ClusterRecord = {
      id: randomUUID(), name, server: ctx.server, context: contextName, auth: ctx.auth, execCommand: ctx.execCommand,
      addedAt: new Date().toISOString(), credentialFingerprint: fingerprint(standalone), kubeconfig: standalone,
    };
    // Checked again: another add of the same name may have finished while this one was testing.
    const current = this.store.load();
    if (current.some((c) => c.name === name)) throw new ClusterError("other", `a cluster named "${name}" already exists; choose another name`);
    this.store.save([...current, record]);
    return { cluster: summary(record), report };
  }

  remove(id: string): void {
    const records = this.store.load();
    if (!records.some((c) => c.id === id)) throw new ClusterError("other", `no cluster with id ${id}`);
    this.store.save(records.filter((c) => c.id !== id));
  }

  /** The engine's handle on a cluster found by its name (schedules and pairs refer to clusters by name). */
  kubeConfigByName(name: string): KubeConfig {
    const cluster = this.list().find((c) => c.name === name);
    if (!cluster) throw new ClusterError("other", `no cluster named "${name}" (removed with \`lifeboat cluster remove\`?)`);
    return this.kubeConfig(cluster.id);
  }

  /** The engine's handle on a cluster (credentials included): never sent to the UI. */
  kubeConfig(id: string): KubeConfig {
    const record = this.store.load().find((c) => c.id === id);
    if (!record) throw new ClusterError("other", `no cluster with id ${id}`);
    return loadKubeconfig(record.kubeconfig, `cluster ${record.name}`);
  }
}

function readSource(source: ClusterSource): { text: string; label: string } {
  switch (source.kind) {
    case "text":
      return { text: source.text, label: "the pasted kubeconfig" };
    case "file":
    case "default-kubeconfig": {
      const path = source.kind === "file" ? source.path : defaultKubeconfigPath();
      try {
        return { text: readFileSync(path, "utf8"), label: path };
      } catch (err) {
        throw new ClusterError("malformed-kubeconfig", `cannot read ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`, undefined, { cause: err });
      }
    }
  }
}

