import { EmptyState, EmptyStateBody, Gallery, Spinner, Title } from "@patternfly/react-core";
import type { MigrationView, PairView } from "../../shared/api";
import { DrMigrationCard } from "./DrMigrationCard";

/** The DR dashboard: a card per migration with its replication path, RPO and actions. */
export function DrOverview({ migrations, pairs, loading, onSwitch }: {
  migrations?: MigrationView[];
  pairs?: PairView[];
  loading: boolean;
  onSwitch(migration: string, kind: "failover" | "failback"): void;
}) {
  return (
    <>
      <Title headingLevel="h2">Protected applications</Title>
      {loading && !migrations && <Spinner size="lg" aria-label="Loading migrations" />}
      {migrations && migrations.length === 0 && (
        <EmptyState titleText="No application is replicated yet" headingLevel="h3">
          <EmptyStateBody>
            Create a cluster pair (a source cluster, a destination cluster and the location the data travels through), then a
            migration schedule on it: the application is copied to the destination on every run, switched off, ready for a failover.
          </EmptyStateBody>
        </EmptyState>
      )}
      {migrations && migrations.length > 0 && (
        <Gallery hasGutter minWidths={{ default: "100%", xl: "560px" }} style={{ marginTop: 16 }}>
          {migrations.map((m) => (
            <DrMigrationCard key={m.name} migration={m} pair={pairs?.find((p) => p.name === m.pair)} onSwitch={(kind) => onSwitch(m.name, kind)} />
          ))}
        </Gallery>
      )}
    </>
  );
}
