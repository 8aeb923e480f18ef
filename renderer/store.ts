// The UI's shared state: the current screen, the jobs the engine reports (kept live by job.updated
// events, seeded by jobs.list so a reloaded window sees running jobs), and a revision per list topic
// that state.changed bumps, which makes every screen showing that list load it again.
import { create } from "zustand";
import type { JobView, StateTopic } from "../shared/api";
import { api } from "./api";

export type Screen = "dashboard" | "clusters" | "applications" | "locations" | "backups" | "restores" | "policies" | "dr" | "jobs";

export interface Route {
  screen: Screen;
  /** Screen-specific: a backup to show, a cluster to open the application view on, … */
  params?: Record<string, string>;
}

interface UiState {
  route: Route;
  jobs: Record<string, JobView>;
  revisions: Record<StateTopic, number>;
  engineGone?: string;
  navigate(screen: Screen, params?: Record<string, string>): void;
  upsertJob(job: JobView): void;
  bump(topic: StateTopic): void;
}

const zeroRevisions: Record<StateTopic, number> = { clusters: 0, locations: 0, backups: 0, restores: 0, rules: 0, policies: 0, schedules: 0, dr: 0 };

function routeFromHash(): Route {
  const [screen, query] = window.location.hash.replace(/^#\/?/, "").split("?");
  const params = query ? Object.fromEntries(new URLSearchParams(query)) : undefined;
  const known: Screen[] = ["dashboard", "clusters", "applications", "locations", "backups", "restores", "policies", "dr", "jobs"];
  return { screen: known.includes(screen as Screen) ? (screen as Screen) : "dashboard", params };
}

export const useUi = create<UiState>((set) => ({
  route: routeFromHash(),
  jobs: {},
  revisions: zeroRevisions,
  navigate(screen, params) {
    const query = params && Object.keys(params).length ? `?${new URLSearchParams(params).toString()}` : "";
    window.history.pushState(null, "", `#/${screen}${query}`);
    set({ route: { screen, params } });
  },
  upsertJob: (job) => set((s) => ({ jobs: { ...s.jobs, [job.id]: job } })),
  bump: (topic) => set((s) => ({ revisions: { ...s.revisions, [topic]: s.revisions[topic] + 1 } })),
}));

/** Wires engine events into the store once, at startup. */
export function connectEngine(): () => void {
  window.addEventListener("popstate", () => useUi.setState({ route: routeFromHash() }));
  const offs = [
    api.on("job.updated", (job) => {
      useUi.getState().upsertJob(job);
      // A job that ended changed what the lists show.
      if (job.state !== "running") {
        const topic: StateTopic = job.kind === "restore" ? "restores" : job.kind === "backup" || job.kind === "prune" ? "backups" : "dr";
        useUi.getState().bump(topic);
      }
    }),
    api.on("state.changed", ({ topic }) => useUi.getState().bump(topic)),
    api.on("app.closing", ({ reason }) => useUi.setState({ engineGone: reason })),
  ];
  void api.call("jobs.list", {}).then((jobs) => jobs.forEach((j) => useUi.getState().upsertJob(j)), () => undefined);
  return () => offs.forEach((off) => off());
}
