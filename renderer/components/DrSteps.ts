// What each failover / failback step does, in words, for the Failover wizard and its result.
// Step names are the engine's (main/dr/failover.ts).
import type { SwitchoverView } from "../../shared/api";

export type SwitchKind = "failover" | "unplanned" | "failback";

export interface PlannedStep {
  name: string;
  title: string;
  detail: string;
}

export const STEP_TITLES: Record<string, string> = {
  "deactivate-source": "Deactivate the source",
  "last-sync": "Last sync",
  "activate-destination": "Activate the destination",
  "wait-ready": "Wait until Ready",
  "resync-back": "Resync back to the source",
  "deactivate-destination": "Deactivate the destination",
  "final-sync-back": "Final sync back",
  "activate-source": "Activate the source",
  "wait-ready-source": "Wait until Ready on the source",
};

export const stepTitle = (name: string): string => STEP_TITLES[name] ?? name;

/** The steps a failover or failback will take, explained for the clusters involved. Pure. */
export function plannedSteps(kind: SwitchKind, source: string, destination: string): PlannedStep[] {
  if (kind === "failback") {
    return [
      { name: "resync-back", title: stepTitle("resync-back"), detail: `The application's current state on ${destination} is copied back to ${source} (incrementally) and staged there switched off.` },
      { name: "deactivate-destination", title: stepTitle("deactivate-destination"), detail: `On ${destination}: Deployments and StatefulSets are scaled to 0 (their replica counts recorded), CronJobs suspended, DaemonSets parked, so nothing writes any more.` },
      { name: "final-sync-back", title: stepTitle("final-sync-back"), detail: `One last sync to ${source} now that nothing writes, so no change is lost.` },
      { name: "activate-source", title: stepTitle("activate-source"), detail: `On ${source}: replicas are set back to their recorded counts and the CronJobs Lifeboat suspended are resumed (ones you had suspended stay suspended).` },
      { name: "wait-ready-source", title: stepTitle("wait-ready-source"), detail: `Lifeboat waits until every workload is Ready on ${source}; the RTO is measured to this moment.` },
    ];
  }
  const unplanned = kind === "unplanned";
  return [
    {
      name: "deactivate-source",
      title: stepTitle("deactivate-source"),
      detail: unplanned
        ? `${source} is down: this step is skipped. If ${source} comes back, its copy of the application must stay switched off; a failback brings the application home.`
        : `On ${source}: Deployments and StatefulSets are scaled to 0 (their replica counts recorded), CronJobs suspended (Lifeboat records which ones it suspended), DaemonSets parked. Skipped, with the reason, if ${source} cannot be reached.`,
    },
    {
      name: "last-sync",
      title: stepTitle("last-sync"),
      detail: unplanned
        ? `Skipped: the source cannot be read. ${destination} starts from its last recovery point; changes made after it are lost.`
        : `When the source was switched off, one last migration copies what changed since the last run, so no write is lost. Skipped when the source could not be switched off.`,
    },
    { name: "activate-destination", title: stepTitle("activate-destination"), detail: `On ${destination}: replicas are set back to the counts recorded on the source, and the CronJobs Lifeboat suspended are resumed.` },
    { name: "wait-ready", title: stepTitle("wait-ready"), detail: `Lifeboat waits until every workload is Ready on ${destination}; the RTO is measured from the start to this moment.` },
  ];
}

/** The newest switchover for a migration (by start time), or the one a job produced. Pure. */
export function newestSwitchover(list: SwitchoverView[] | undefined, migration: string, id?: string): SwitchoverView | undefined {
  if (!list) return undefined;
  if (id) {
    const exact = list.find((s) => s.id === id);
    if (exact) return exact;
  }
  return list.filter((s) => s.migration === migration).sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))[0];
}
