import { Label } from "@patternfly/react-core";

/** Whether a migration's recovery point is within its RPO target: in words, with a status icon. */
export function RpoLabel({ lagSeconds, rpoTargetSeconds }: { lagSeconds?: number; rpoTargetSeconds?: number }) {
  if (lagSeconds === undefined) return <Label isCompact variant="outline">No recovery point yet</Label>;
  if (rpoTargetSeconds === undefined) return <Label isCompact variant="outline">No RPO target</Label>;
  return lagSeconds <= rpoTargetSeconds
    ? <Label isCompact status="success">Within RPO</Label>
    : <Label isCompact status="danger">RPO missed</Label>;
}
