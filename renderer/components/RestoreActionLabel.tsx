import { Label } from "@patternfly/react-core";
import type { RestoreActionName } from "../../shared/api";

export const RESTORE_ACTIONS: Array<{ action: RestoreActionName; text: string; status?: "success" | "warning" | "danger" | "info"; color?: "blue" | "grey" | "teal" }> = [
  { action: "created", text: "Created", status: "success" },
  { action: "replaced", text: "Replaced", color: "blue" },
  { action: "updated", text: "Updated", color: "teal" },
  { action: "unchanged", text: "Unchanged", color: "grey" },
  { action: "kept", text: "Kept", status: "warning" },
  { action: "failed", text: "Failed", status: "danger" },
];

/** What a restore did with one object, as a labelled word. */
export function RestoreActionLabel({ action }: { action: RestoreActionName }) {
  const look = RESTORE_ACTIONS.find((a) => a.action === action);
  return <Label isCompact status={look?.status} color={look?.color}>{look?.text ?? action}</Label>;
}
