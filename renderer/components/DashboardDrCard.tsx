import { Button, Card, CardBody, CardFooter, CardTitle, Label, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { MigrationView } from "../../shared/api";
import { useCall } from "../useCall";
import { useUi } from "../store";
import { formatDuration } from "../format";
import { ConnectionError } from "./ConnectionError";

function rpoStatus(m: MigrationView) {
  if (m.lagSeconds === undefined) return <Label color="grey" isCompact>No recovery point yet</Label>;
  if (m.rpoTargetSeconds === undefined) return <Label color="blue" isCompact>Lag {formatDuration(m.lagSeconds)}</Label>;
  const ok = m.lagSeconds <= m.rpoTargetSeconds;
  return (
    <Label color={ok ? "green" : "red"} status={ok ? "success" : "danger"} isCompact>
      {ok ? "Within RPO" : "RPO missed"}: lag {formatDuration(m.lagSeconds)} of {formatDuration(m.rpoTargetSeconds)}
    </Label>
  );
}

/** Disaster recovery at a glance: per migration, which side is active and how far the recovery point lags its RPO target. */
export function DashboardDrCard() {
  const navigate = useUi((s) => s.navigate);
  const migrations = useCall("dr.migrations.list", {}, ["dr"]);
  const list = migrations.data ?? [];
  return (
    <Card isFullHeight>
      <CardTitle>
        <Title headingLevel="h2" size="lg">Disaster recovery</Title>
      </CardTitle>
      <CardBody>
        <ConnectionError error={migrations.error} title="The migrations could not be listed" />
        {migrations.data && list.length === 0 && <p>No migrations. Pair two clusters under Disaster recovery to replicate an application continuously.</p>}
        {list.length > 0 && (
          <Table aria-label="Migration status" variant="compact">
            <Thead>
              <Tr>
                <Th>Migration</Th>
                <Th>Active side</Th>
                <Th>Recovery point</Th>
                <Th>Last error</Th>
              </Tr>
            </Thead>
            <Tbody>
              {list.map((m) => (
                <Tr key={m.name}>
                  <Td dataLabel="Migration">
                    {m.name} <span>({m.pair})</span> {m.paused && <Label color="orange" isCompact>Paused</Label>}
                  </Td>
                  <Td dataLabel="Active side">{m.active === "source" ? "Source" : "Destination (failed over)"}</Td>
                  <Td dataLabel="Recovery point">{rpoStatus(m)}</Td>
                  <Td dataLabel="Last error">{m.lastError ?? "–"}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </CardBody>
      <CardFooter>
        <Button variant="link" isInline onClick={() => navigate("dr")}>Open disaster recovery</Button>
      </CardFooter>
    </Card>
  );
}
