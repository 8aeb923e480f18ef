import { Label } from "@patternfly/react-core";

/** A cluster pair's scheduler or storage status: "Ready" or "Error" in words (and an icon), never colour alone. */
export function PairStatusLabel({ status }: { status?: { status: "Ready" | "Error"; reason?: string } }) {
  if (!status) return <Label isCompact variant="outline">Not checked</Label>;
  return (
    <span>
      <Label isCompact status={status.status === "Ready" ? "success" : "danger"}>
        {status.status}
      </Label>
      {status.reason && <span> {status.reason}</span>}
    </span>
  );
}
