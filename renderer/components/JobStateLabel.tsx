import { Label } from "@patternfly/react-core";
import type { JobState } from "../../shared/api";

const LOOK: Record<JobState, { text: string; status?: "success" | "warning" | "danger" | "info" }> = {
  running: { text: "Running", status: "info" },
  succeeded: { text: "Succeeded", status: "success" },
  failed: { text: "Failed", status: "danger" },
  cancelled: { text: "Cancelled", status: "warning" },
};

/** A job's state as a label with text and icon, never color alone. */
export function JobStateLabel({ state }: { state: JobState }) {
  const look = LOOK[state] ?? { text: state };
  return <Label status={look.status} isCompact>{look.text}</Label>;
}
