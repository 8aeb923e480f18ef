// The backup locations with the health their last verification found: a verification's answer is
// shown at once, before the list reloads. Shared by the Locations screen and the dashboard card.
import { useState } from "react";
import type { LocationView } from "../shared/api";
import type { VerifyOutcome } from "./components/LocationVerifyButton";
import { useCall } from "./useCall";

export function useVerifiedLocations() {
  const locations = useCall("locations.list", {}, ["locations"]);
  const [outcome, setOutcome] = useState<VerifyOutcome>();
  const [fresh, setFresh] = useState<Record<string, LocationView>>({});
  const list = (locations.data ?? []).map((l) => {
    const f = fresh[l.id];
    return f && (!l.health || (f.health && f.health.checkedAt > l.health.checkedAt)) ? { ...l, health: f.health } : l;
  });
  function verified(o: VerifyOutcome) {
    setOutcome(o);
    if (o.result) setFresh((m) => ({ ...m, [o.result!.location.id]: o.result!.location }));
    else locations.reload();
  }
  return { locations, list, outcome, setOutcome, verified };
}
