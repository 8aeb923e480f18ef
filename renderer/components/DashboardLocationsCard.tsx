import { Button, Card, CardBody, CardFooter, CardTitle, Label, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { useVerifiedLocations } from "../useVerifiedLocations";
import { useUi } from "../store";
import { ConnectionError } from "./ConnectionError";
import { LocationHealth } from "./LocationHealth";
import { LocationVerifyButton } from "./LocationVerifyButton";
import { LocationVerifyResult } from "./LocationVerifyResult";

/** Each backup location's last verification, with a "Verify" to check it now. */
export function DashboardLocationsCard() {
  const navigate = useUi((s) => s.navigate);
  const { locations, list, outcome, setOutcome, verified } = useVerifiedLocations();

  return (
    <Card isFullHeight>
      <CardTitle>
        <Title headingLevel="h2" size="lg">Location health</Title>
      </CardTitle>
      <CardBody>
        <ConnectionError error={locations.error} title="The locations could not be listed" />
        {outcome && <LocationVerifyResult outcome={outcome} onClose={() => setOutcome(undefined)} />}
        {locations.data && list.length === 0 && <p>No backup locations. Add one under Backup locations.</p>}
        {list.length > 0 && (
          <Table aria-label="Location health" variant="compact">
            <Thead>
              <Tr>
                <Th>Location</Th>
                <Th>Health</Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            <Tbody>
              {list.map((l) => (
                <Tr key={l.id}>
                  <Td dataLabel="Location">
                    {l.name} {l.embedded && <Label color="blue" isCompact>Embedded</Label>}
                    <div className="lb-mono">{l.address}</div>
                  </Td>
                  <Td dataLabel="Health"><LocationHealth location={l} /></Td>
                  <Td dataLabel="Actions" isActionCell><LocationVerifyButton name={l.name} onDone={verified} /></Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </CardBody>
      <CardFooter>
        <Button variant="link" isInline onClick={() => navigate("locations")}>Manage locations</Button>
      </CardFooter>
    </Card>
  );
}
