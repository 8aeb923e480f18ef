import { useState } from "react";
import { Button, EmptyState, EmptyStateBody, Flex, FlexItem, Spinner, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { PairView } from "../../shared/api";
import { api } from "../api";
import { formatTime } from "../format";
import { ErrorAlert } from "./ErrorAlert";
import { ConfirmModal } from "./ConfirmModal";
import { PairStatusLabel } from "./PairStatusLabel";
import { PairWizard } from "./PairWizard";

/** The "Cluster pairs" tab: every pair with its scheduler / storage status, check, delete and create. */
export function PairTable({ pairs, loading, error, reload }: { pairs?: PairView[]; loading: boolean; error?: Error; reload(): void }) {
  const [creating, setCreating] = useState(false);
  const [removing, setRemoving] = useState<string>();
  const [checking, setChecking] = useState<string>();
  const [checkError, setCheckError] = useState<Error>();
  const rows = pairs ?? [];
  const check = async (name: string) => {
    setChecking(name);
    setCheckError(undefined);
    try {
      await api.call("dr.pairs.check", { name });
      reload();
    } catch (err) {
      setCheckError(err as Error);
    } finally {
      setChecking(undefined);
    }
  };
  return (
    <>
      <Flex justifyContent={{ default: "justifyContentSpaceBetween" }} alignItems={{ default: "alignItemsCenter" }}>
        <FlexItem>
          <Title headingLevel="h2">Cluster pairs</Title>
          <p>A source cluster, a destination cluster and the backup location the data travels through.</p>
        </FlexItem>
        <FlexItem><Button variant="primary" onClick={() => setCreating(true)}>Create cluster pair</Button></FlexItem>
      </Flex>
      <ErrorAlert headingLevel="h3" error={error} title="The cluster pairs could not be loaded" />
      <ErrorAlert headingLevel="h3" error={checkError} title="The check failed" />
      {loading && !pairs && <Spinner size="lg" aria-label="Loading cluster pairs" />}
      {pairs && rows.length === 0 && (
        <EmptyState titleText="No cluster pairs" headingLevel="h3">
          <EmptyStateBody>Pair two clusters to replicate applications from one to the other.</EmptyStateBody>
        </EmptyState>
      )}
      {rows.length > 0 && (
        <Table aria-label="Cluster pairs" variant="compact">
          <Thead>
            <Tr>
              <Th>Name</Th>
              <Th>Source</Th>
              <Th>Destination</Th>
              <Th>Location</Th>
              <Th>Scheduler status</Th>
              <Th>Storage status</Th>
              <Th>Checked at</Th>
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          <Tbody>
            {rows.map((p) => (
              <Tr key={p.name}>
                <Td dataLabel="Name">{p.name}</Td>
                <Td dataLabel="Source">{p.source}</Td>
                <Td dataLabel="Destination">{p.destination}</Td>
                <Td dataLabel="Location">{p.location}</Td>
                <Td dataLabel="Scheduler status"><PairStatusLabel status={p.status?.scheduler} /></Td>
                <Td dataLabel="Storage status"><PairStatusLabel status={p.status?.storage} /></Td>
                <Td dataLabel="Checked at">{formatTime(p.status?.checkedAt)}</Td>
                <Td dataLabel="Actions" isActionCell>
                  <Button variant="secondary" size="sm" onClick={() => void check(p.name)} isLoading={checking === p.name} isDisabled={checking === p.name} aria-label={`Check cluster pair ${p.name}`}>Check</Button>{" "}
                  <Button variant="secondary" isDanger size="sm" onClick={() => setRemoving(p.name)} aria-label={`Delete cluster pair ${p.name}`}>Delete</Button>
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
      {creating && <PairWizard onClose={() => { setCreating(false); reload(); }} />}
      {removing && (
        <ConfirmModal title={`Delete cluster pair ${removing}?`} onConfirm={async () => { await api.call("dr.pairs.remove", { name: removing }); reload(); }} onClose={() => setRemoving(undefined)}>
          <p>The pair is deleted; the clusters and the location are not touched. A pair that migrations still use cannot be deleted.</p>
        </ConfirmModal>
      )}
    </>
  );
}
