import { Label } from "@patternfly/react-core";
import type { LocationView } from "../../shared/api";
import { formatAge } from "../format";

/** A location's last verification in words: "Healthy", "Error: …" or "Not checked". */
export function LocationHealth({ location }: { location: LocationView }) {
  const h = location.health;
  if (!h) return <Label color="grey">Not checked</Label>;
  const when = `checked ${formatAge(h.checkedAt)}`;
  if (h.ok) return <Label color="green" status="success" title={when}>Healthy</Label>;
  return (
    <Label color="red" status="danger" title={when} textMaxWidth="40ch">
      Error: {h.message ?? "verification failed"}
    </Label>
  );
}
