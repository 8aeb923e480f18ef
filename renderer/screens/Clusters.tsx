import { useState } from "react";
import {
  Button, EmptyState, EmptyStateBody, Label, PageSection, Spinner, Title, Toolbar, ToolbarContent, ToolbarItem,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { useCall } from "../useCall";
import { ConnectionError } from "../components/ConnectionError";
import { useUi } from "../store";
import { formatTime } from "../format";
import { AddClusterWizard } from "../components/AddClusterWizard";
import { ClusterTestModal } from "../components/ClusterTestModal";
import { ClusterRemoveModal } from "../components/ClusterRemoveModal";

/** The clusters Lifeboat can reach: add one from a kubeconfig, test its connection, remove it. */
export function Clusters() {
  const clusters = useCall("clusters.list", {}, ["clusters"]);
  const navigate = useUi((s) => s.navigate);
  const [adding, setAdding] = useState(false);
  const [testing, setTesting] = useState<string>();
  const [removing, setRemoving] = useState<string>();
  const list = clusters.data ?? [];

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Clusters</Title>
        <p>The Kubernetes clusters Lifeboat backs up and restores to. Their credentials stay in Lifeboat's encrypted vault.</p>
      </PageSection>
      <PageSection>
        <Toolbar>
          <ToolbarContent>
            <ToolbarItem>
              <Button variant="primary" onClick={() => setAdding(true)}>Add cluster</Button>
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        <ConnectionError error={clusters.error} title="The clusters could not be listed" headingLevel="h2" />
        {clusters.loading && !clusters.data && <Spinner size="lg" aria-label="Loading clusters" />}
        {clusters.data && list.length === 0 && (
          <EmptyState headingLevel="h2" titleText="No clusters yet">
            <EmptyStateBody>Add a cluster from a kubeconfig to see its applications and back them up.</EmptyStateBody>
          </EmptyState>
        )}
        {list.length > 0 && (
          <Table aria-label="Clusters">
            <Thead>
              <Tr>
                <Th>Name</Th>
                <Th>Server</Th>
                <Th>Context</Th>
                <Th>Authentication</Th>
                <Th>Credential fingerprint</Th>
                <Th>Added</Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            <Tbody>
              {list.map((c) => (
                <Tr key={c.id}>
                  <Td dataLabel="Name">
                    <Button variant="link" isInline onClick={() => navigate("applications", { cluster: c.name })}>{c.name}</Button>
                  </Td>
                  <Td dataLabel="Server" className="lb-mono">{c.server}</Td>
                  <Td dataLabel="Context">{c.context}</Td>
                  <Td dataLabel="Authentication">
                    <Label isCompact>{c.auth}</Label>
                    {c.execCommand && <span className="lb-mono"> {c.execCommand}</span>}
                  </Td>
                  <Td dataLabel="Credential fingerprint" className="lb-mono">{c.credentialFingerprint}</Td>
                  <Td dataLabel="Added">{formatTime(c.addedAt)}</Td>
                  <Td dataLabel="Actions" isActionCell>
                    <Button variant="secondary" size="sm" onClick={() => setTesting(c.name)}>Test connection</Button>{" "}
                    <Button variant="link" isDanger size="sm" onClick={() => setRemoving(c.name)}>Remove</Button>
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
      {adding && <AddClusterWizard onClose={() => { setAdding(false); clusters.reload(); }} />}
      {testing && <ClusterTestModal cluster={testing} onClose={() => setTesting(undefined)} />}
      {removing && <ClusterRemoveModal cluster={removing} onClose={() => { setRemoving(undefined); clusters.reload(); }} />}
    </>
  );
}
