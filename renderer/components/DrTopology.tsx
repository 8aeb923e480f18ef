import { Label } from "@patternfly/react-core";
import type { MigrationView, PairView } from "../../shared/api";
import { PairStatusLabel } from "./PairStatusLabel";

/** The replication path as boxes and arrows: source cluster → location → destination cluster, the active side marked. */
export function DrTopology({ migration, pair }: { migration: MigrationView; pair?: PairView }) {
  const active = migration.active;
  const status = pair?.status;
  return (
    <div className="lb-dr-path" role="group" aria-label={`Replication path of ${migration.name}`}>
      <div className={`lb-dr-node${active === "source" ? " is-active" : ""}`}>
        <div className="lb-dr-role">Source cluster</div>
        <div className="lb-dr-name">{pair?.source ?? "unknown"}</div>
        {active === "source" ? <Label isCompact status="success">Active</Label> : <Label isCompact variant="outline">Standby</Label>}
        <div>Scheduler: <PairStatusLabel status={status?.scheduler} /></div>
      </div>
      <span className="lb-dr-arrow" aria-hidden="true">→</span>
      <span className="pf-v6-screen-reader">replicates through</span>
      <div className="lb-dr-node">
        <div className="lb-dr-role">Backup location</div>
        <div className="lb-dr-name">{pair?.location ?? "unknown"}</div>
        <div>Storage: <PairStatusLabel status={status?.storage} /></div>
      </div>
      <span className="lb-dr-arrow" aria-hidden="true">→</span>
      <span className="pf-v6-screen-reader">to</span>
      <div className={`lb-dr-node${active === "destination" ? " is-active" : ""}`}>
        <div className="lb-dr-role">Destination cluster</div>
        <div className="lb-dr-name">{pair?.destination ?? "unknown"}</div>
        {active === "destination" ? <Label isCompact status="success">Active</Label> : <Label isCompact variant="outline">Standby (staged, switched off)</Label>}
      </div>
    </div>
  );
}
