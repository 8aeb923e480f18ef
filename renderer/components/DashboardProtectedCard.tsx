import { Alert, Button, Card, CardBody, CardTitle, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { BackupView } from "../../shared/api";
import { useCall } from "../useCall";
import { useUi } from "../store";
import { formatAge, formatTime } from "../format";
import { ConnectionError } from "./ConnectionError";

interface Protected {
  key: string;
  cluster: string;
  namespaces: string[];
  last: BackupView;
  count: number;
  locations: Set<string>;
}

/** Applications with backups: one row per cluster and set of namespaces, with its latest backup. */
export function DashboardProtectedCard({ hasClusters }: { hasClusters: boolean }) {
  const navigate = useUi((s) => s.navigate);
  const backups = useCall("backups.list", {}, ["backups", "locations"]);
  const groups = new Map<string, Protected>();
  for (const b of backups.data?.backups ?? []) {
    const ns = [...b.namespaces].sort();
    const key = `${b.cluster}\n${ns.join(",")}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { key, cluster: b.cluster, namespaces: ns, last: b, count: 1, locations: new Set([b.location]) });
    else {
      g.count++;
      g.locations.add(b.location);
      if (b.time > g.last.time) g.last = b;
    }
  }
  const rows = [...groups.values()].sort((a, b) => b.last.time.localeCompare(a.last.time));

  return (
    <Card isFullHeight>
      <CardTitle>
        <Title headingLevel="h2" size="lg">Protected applications</Title>
      </CardTitle>
      <CardBody>
        <ConnectionError error={backups.error} title="The backups could not be listed" />
        {backups.data?.errors.map((e) => (
          <Alert component="h3" key={e.location} variant="warning" isInline isPlain title={`Location ${e.location} could not be read: ${e.error}`} />
        ))}
        {backups.data && rows.length === 0 && (
          hasClusters ? (
            <>
              <p>Nothing is backed up yet. Choose an application (namespaces of a cluster) and back it up.</p>{" "}
              <Button variant="secondary" onClick={() => navigate("applications")}>Choose an application</Button>
            </>
          ) : (
            <p>Add a cluster first: Lifeboat then shows its applications, ready to back up.</p>
          )
        )}
        {rows.length > 0 && (
          <Table aria-label="Protected applications" variant="compact">
            <Thead>
              <Tr>
                <Th>Cluster</Th>
                <Th>Namespaces</Th>
                <Th>Last backup</Th>
                <Th>Age</Th>
                <Th>Backups</Th>
              </Tr>
            </Thead>
            <Tbody>
              {rows.map((g) => (
                <Tr key={g.key}>
                  <Td dataLabel="Cluster">{g.cluster}</Td>
                  <Td dataLabel="Namespaces">{g.namespaces.length ? g.namespaces.join(", ") : "all namespaces"}</Td>
                  <Td dataLabel="Last backup">{formatTime(g.last.time)}</Td>
                  <Td dataLabel="Age">{formatAge(g.last.time)}</Td>
                  <Td dataLabel="Backups">{g.count} in {[...g.locations].join(", ")}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </CardBody>
    </Card>
  );
}
