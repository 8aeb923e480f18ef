// The app runs the backup schedules and migrations while it is open, with exactly the daemon's logic
// (`lifeboat daemon`, in-process, over the host's own state and vault), so there is one scheduler
// to trust. One scheduler per data directory: when a `lifeboat daemon` already runs them, the app
// leaves them to it and says so.
import type { State } from "../state/state";
import { daemonGroup } from "../cli/daemon-command";
import { silentReporter } from "../cli/progress";

export interface SchedulerStatus {
  by: "app" | "daemon" | "off";
  message: string;
}

export interface ScheduleEvent {
  schedule: string;
  event: string;
  message?: string;
  migration?: string;
  time?: string;
}

export function runSchedulesInApp(state: State, onEvent: (e: ScheduleEvent) => void): { status(): SchedulerStatus; stop(): Promise<void> } {
  const controller = new AbortController();
  let status: SchedulerStatus = { by: "app", message: "schedules run while the app is open" };
  const daemon = daemonGroup.command!;
  const done = daemon.run({
    state, output: "json", signal: controller.signal, interactive: false, progress: silentReporter,
    ask: async () => "",
    err: () => undefined,
    out: (line) => {
      try {
        onEvent(JSON.parse(line) as ScheduleEvent);
      } catch {
        // not an event line
      }
    },
  }, { args: [], flags: {} as never }).then(
    () => undefined,
    (err: Error & { hint?: string }) => {
      status = /another lifeboat daemon/.test(err.message)
        ? { by: "daemon", message: `${err.message}: it runs the schedules` }
        : { by: "off", message: `schedules are not running: ${err.message}` };
    },
  );
  return {
    status: () => status,
    async stop() {
      controller.abort();
      await done;
    },
  };
}
