import { Label } from "@patternfly/react-core";
import type { RestoreView } from "../../shared/api";

const LOOK: Record<RestoreView["status"], { text: string; status?: "success" | "warning" | "danger" | "info" }> = {
  InProgress: { text: "In progress", status: "info" },
  Completed: { text: "Completed", status: "success" },
  PartiallyFailed: { text: "Partially failed", status: "warning" },
  Failed: { text: "Failed", status: "danger" },
};

/** A restore's status as text and icon, not color alone. */
export function RestoreStatusLabel({ status }: { status: RestoreView["status"] }) {
  const look = LOOK[status] ?? { text: status };
  return <Label isCompact status={look.status}>{look.text}</Label>;
}
