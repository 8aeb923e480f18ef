// A ClusterPair: the source cluster, the destination cluster, and the object-store location the
// application's data travels through. Checked as the seed's `storkctl get clusterpair` shows it: a
// scheduler status (both clusters reachable, with the access migration needs) and a storage status
// (the location works; its bucket is created when it does not exist yet).
import type { KubeConfig } from "@kubernetes/client-node";
import { testConnection, type ConnectionReport } from "../clusters/connection";
import { validateLocation, type Location } from "../locations";

export interface ClusterPair {
  name: string;
  source: string;
  destination: string;
  location: string;
  createdAt: string;
}

export type PairState = "Ready" | "Error";

export interface PairStatus {
  scheduler: { status: PairState; reason?: string };
  storage: { status: PairState; reason?: string; created?: boolean };
  source?: Pick<ConnectionReport, "server" | "version" | "fullAccess">;
  destination?: Pick<ConnectionReport, "server" | "version" | "fullAccess">;
  checkedAt: string;
}

export interface PairContext {
  kubeConfig(cluster: string): KubeConfig;
  location(name: string): Location;
}

/** Why a report keeps a cluster from serving in a pair, if it does. Pure. */
export function clusterProblem(role: string, name: string, report: ConnectionReport): string | undefined {
  if (report.fullAccess) return undefined;
  const missing = report.checks.filter((c) => !c.allowed).map((c) => c.purpose);
  return `${role} cluster ${name} lacks access to ${missing.join("; ")}`;
}

async function checkCluster(ctx: PairContext, role: string, name: string): Promise<{ report?: ConnectionReport; problem?: string }> {
  try {
    const report = await testConnection(ctx.kubeConfig(name));
    return { report, problem: clusterProblem(role, name, report) };
  } catch (err) {
    return { problem: `${role} cluster ${name}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Checks both clusters and the location (creating its bucket or container if missing). */
export async function checkPair(ctx: PairContext, pair: Pick<ClusterPair, "source" | "destination" | "location">): Promise<PairStatus> {
  if (pair.source === pair.destination) {
    return { scheduler: { status: "Error", reason: "the source and the destination are the same cluster" }, storage: { status: "Error", reason: "not checked" }, checkedAt: new Date().toISOString() };
  }
  const [source, destination, storage] = await Promise.all([
    checkCluster(ctx, "source", pair.source),
    checkCluster(ctx, "destination", pair.destination),
    (async (): Promise<PairStatus["storage"]> => {
      try {
        const location = ctx.location(pair.location);
        const created = await location.createContainer();
        const probe = await validateLocation(location);
        return probe.ok ? { status: "Ready", created } : { status: "Error", reason: `${probe.error!.message}${probe.error!.hint ? ` (${probe.error!.hint})` : ""}`, created };
      } catch (err) {
        return { status: "Error", reason: err instanceof Error ? err.message : String(err) };
      }
    })(),
  ]);
  const problems = [source.problem, destination.problem].filter(Boolean);
  const summary = (r?: ConnectionReport) => (r ? { server: r.server, version: r.version, fullAccess: r.fullAccess } : undefined);
  return {
    scheduler: problems.length ? { status: "Error", reason: problems.join("; ") } : { status: "Ready" },
    storage,
    source: summary(source.report),
    destination: summary(destination.report),
    checkedAt: new Date().toISOString(),
  };
}
