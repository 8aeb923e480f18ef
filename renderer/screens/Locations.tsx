import { useState } from "react";
import { Button, EmptyState, EmptyStateBody, Label, PageSection, Spinner, Title, Toolbar, ToolbarContent, ToolbarItem } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { LocationView } from "../../shared/api";
import { useVerifiedLocations } from "../useVerifiedLocations";
import { ConnectionError } from "../components/ConnectionError";
import { formatTime } from "../format";
import { AddLocationWizard } from "../components/AddLocationWizard";
import { LocationHealth } from "../components/LocationHealth";
import { LocationRemoveModal } from "../components/LocationRemoveModal";
import { LocationVerifyButton } from "../components/LocationVerifyButton";
import { LocationVerifyResult } from "../components/LocationVerifyResult";

const KIND_LABELS: Record<LocationView["kind"], string> = { s3: "S3", azure: "Azure Blob", gcs: "Google Cloud Storage", folder: "Folder" };

/** Where backups are stored: add an object store or a folder, verify it, remove it. */
export function Locations() {
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<string>();
  const { locations, list, outcome, setOutcome, verified } = useVerifiedLocations();

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Backup locations</Title>
        <p>Object stores and folders that hold Lifeboat's encrypted, deduplicated backup repositories.</p>
      </PageSection>
      <PageSection>
        <Toolbar>
          <ToolbarContent>
            <ToolbarItem>
              <Button variant="primary" onClick={() => setAdding(true)}>Add location</Button>
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        <ConnectionError error={locations.error} title="The locations could not be listed" headingLevel="h2" />
        {outcome && <LocationVerifyResult outcome={outcome} onClose={() => setOutcome(undefined)} headingLevel="h2" />}
        {locations.loading && !locations.data && <Spinner size="lg" aria-label="Loading locations" />}
        {locations.data && list.length === 0 && (
          <EmptyState headingLevel="h2" titleText="No backup locations">
            <EmptyStateBody>Add an S3-compatible bucket, an Azure container, a Google Cloud Storage bucket or a folder to store backups in.</EmptyStateBody>
          </EmptyState>
        )}
        {list.length > 0 && (
          <Table aria-label="Backup locations">
            <Thead>
              <Tr>
                <Th>Name</Th>
                <Th>Kind</Th>
                <Th>Address</Th>
                <Th>Repository</Th>
                <Th>Added</Th>
                <Th>Health</Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            <Tbody>
              {list.map((l) => (
                <Tr key={l.id}>
                  <Td dataLabel="Name">
                    {l.name} {l.embedded && <Label color="blue" isCompact>Embedded</Label>}
                  </Td>
                  <Td dataLabel="Kind">{KIND_LABELS[l.kind] ?? l.kind}</Td>
                  <Td dataLabel="Address" className="lb-mono">{l.address}</Td>
                  <Td dataLabel="Repository" className="lb-mono">
                    <span title={l.repositoryId}>{l.repositoryId.slice(0, 8)}</span>
                  </Td>
                  <Td dataLabel="Added">{formatTime(l.addedAt)}</Td>
                  <Td dataLabel="Health">
                    <LocationHealth location={l} />
                  </Td>
                  <Td dataLabel="Actions" isActionCell>
                    <LocationVerifyButton name={l.name} onDone={verified} />{" "}
                    <Button variant="link" isDanger size="sm" onClick={() => setRemoving(l.name)}>Remove</Button>
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
      {adding && <AddLocationWizard onClose={() => { setAdding(false); locations.reload(); }} />}
      {removing && <LocationRemoveModal location={removing} onClose={() => { setRemoving(undefined); locations.reload(); }} />}
    </>
  );
}
