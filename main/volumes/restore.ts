// Restoring volume data: each restored claim is filled by a mover pod that mounts it and runs
// `tar x` on the stream from the repository, before any workload that uses the claim exists. The
// tar is fed exactly as backed up, through the exec endpoint with backpressure, and its exit status
// decides: a volume that did not fill completely is a failed item, never a silent partial one.
import type { KubeConfig } from "@kubernetes/client-node";
import { execStream, ExecError } from "../clusters/exec";
import type { SnapshotManifest } from "../repo/format";
import type { RepoIndex } from "../repo/repo-index";
import { mapLimit } from "../repo/concurrency";
import type { Repository } from "../repo/repository";
import { restoreChunks } from "../transfer/restore";
import type { TransferProgress } from "../transfer/progress";
import { MOUNT_PATH, startMover, type Mover } from "./mover";
import { volumeStreamName } from "./backup";

export interface VolumeFill {
  /** Namespace and claim in the backup. */
  sourceNamespace: string;
  claim: string;
  /** Namespace the claim was restored into. */
  namespace: string;
}

export interface VolumeRestoreResult extends VolumeFill {
  ok: boolean;
  bytes: number;
  seconds: number;
  reason?: string;
}

/** The claims of this snapshot that have volume data. Pure. */
export function volumesInSnapshot(snapshot: SnapshotManifest): Set<string> {
  const names = new Set<string>();
  for (const s of snapshot.streams) {
    const m = /^volumes\/([^/]+)\/(.+)\.tar$/.exec(s.name);
    if (m) names.add(`${m[1]}/${m[2]}`);
  }
  return names;
}

export interface VolumeRestoreOptions {
  image: string;
  jobId: string;
  index?: RepoIndex;
  parallel?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (claim: string, progress: TransferProgress) => void;
}

async function fillVolume(kc: KubeConfig, repo: Repository, snapshot: SnapshotManifest, fill: VolumeFill, opts: VolumeRestoreOptions): Promise<VolumeRestoreResult> {
  const started = Date.now();
  const name = volumeStreamName(fill.sourceNamespace, fill.claim);
  const stream = snapshot.streams.find((s) => s.name === name);
  if (!stream) return { ...fill, ok: false, bytes: 0, seconds: 0, reason: `the backup has no data for ${fill.sourceNamespace}/${fill.claim}` };
  let mover: Mover | undefined;
  try {
    mover = await startMover(kc, { namespace: fill.namespace, claim: fill.claim, image: opts.image, readOnly: false, jobId: opts.jobId }, { timeoutMs: opts.timeoutMs ?? 180_000, signal: opts.signal });
    // Transient pieces: exec copies each into a websocket frame before asking for the next.
    const data = restoreChunks(repo, stream, { index: opts.index, signal: opts.signal, transient: true, onProgress: (p) => opts.onProgress?.(`${fill.namespace}/${fill.claim}`, p) });
    // --numeric-owner: the mover's image does not know the application's user names.
    const exec = await execStream(kc, { namespace: fill.namespace, pod: mover.name, container: "mover" }, ["tar", "xf", "-", "--numeric-owner", "-C", MOUNT_PATH], { stdin: data, signal: opts.signal });
    exec.output.resume();
    const outcome = await exec.done;
    if (outcome.exitCode !== 0) throw new ExecError(`tar exited with ${outcome.exitCode}: ${outcome.stderr.trim()}`, outcome);
    return { ...fill, ok: true, bytes: stream.size, seconds: (Date.now() - started) / 1000 };
  } catch (err) {
    return { ...fill, ok: false, bytes: 0, seconds: (Date.now() - started) / 1000, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await mover?.remove();
  }
}

/** Fills the restored claims, several at a time; each gets a result. */
export async function restoreVolumes(kc: KubeConfig, repo: Repository, snapshot: SnapshotManifest, fills: VolumeFill[], opts: VolumeRestoreOptions): Promise<VolumeRestoreResult[]> {
  return mapLimit(fills, opts.parallel ?? 3, (fill) => fillVolume(kc, repo, snapshot, fill, opts));
}
