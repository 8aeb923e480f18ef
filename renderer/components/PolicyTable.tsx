import { useState } from "react";
import { Button, EmptyState, EmptyStateBody, Flex, FlexItem, Label, Spinner, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { SchedulePolicyInput } from "../../shared/api";
import { api } from "../api";
import { useCall } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";
import { ConfirmModal } from "./ConfirmModal";
import { PolicyForm } from "./PolicyForm";

/** The "Schedule policies" tab: every policy, what uses it, and create / edit / delete. */
export function PolicyTable() {
  const policies = useCall("policies.list", {}, ["policies", "schedules", "dr"]);
  const [editing, setEditing] = useState<{ policy?: SchedulePolicyInput }>();
  const [removing, setRemoving] = useState<string>();
  const rows = policies.data ?? [];
  return (
    <>
      <Flex justifyContent={{ default: "justifyContentSpaceBetween" }} alignItems={{ default: "alignItemsCenter" }}>
        <FlexItem>
          <Title headingLevel="h2">Schedule policies</Title>
          <p>When a backup schedule or a migration runs, and how many copies it keeps.</p>
        </FlexItem>
        <FlexItem>
          <Button variant="primary" onClick={() => setEditing({})}>Create policy</Button>
        </FlexItem>
      </Flex>
      <ErrorAlert headingLevel="h3" error={policies.error} title="The policies could not be loaded" />
      {policies.loading && !policies.data && <Spinner size="lg" aria-label="Loading policies" />}
      {policies.data && rows.length === 0 && (
        <EmptyState titleText="No schedule policies" headingLevel="h3">
          <EmptyStateBody>Create a policy such as "every 15 minutes, keep 4" or "daily at 02:00, keep 7" to use in schedules and migrations.</EmptyStateBody>
        </EmptyState>
      )}
      {rows.length > 0 && (
        <Table aria-label="Schedule policies" variant="compact">
          <Thead>
            <Tr>
              <Th>Name</Th>
              <Th>Description</Th>
              <Th>Keep</Th>
              <Th>Used by</Th>
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          <Tbody>
            {rows.map((p) => (
              <Tr key={p.policy.name}>
                <Td dataLabel="Name">{p.policy.name}</Td>
                <Td dataLabel="Description">{p.description}</Td>
                <Td dataLabel="Keep">{p.policy.keep}</Td>
                <Td dataLabel="Used by">
                  {p.usedBy.length ? p.usedBy.map((u) => <Label key={u} isCompact variant="outline" style={{ marginRight: 4 }}>{u}</Label>) : "–"}
                </Td>
                <Td dataLabel="Actions" isActionCell>
                  <Button variant="secondary" size="sm" onClick={() => setEditing({ policy: p.policy })} aria-label={`Edit policy ${p.policy.name}`}>Edit</Button>{" "}
                  <Button variant="secondary" isDanger size="sm" onClick={() => setRemoving(p.policy.name)} aria-label={`Delete policy ${p.policy.name}`}>Delete</Button>
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
      {editing && <PolicyForm policy={editing.policy} onClose={() => { setEditing(undefined); policies.reload(); }} />}
      {removing && (
        <ConfirmModal title={`Delete policy ${removing}?`} onConfirm={async () => { await api.call("policies.remove", { name: removing }); policies.reload(); }} onClose={() => setRemoving(undefined)}>
          <p>The policy is deleted. A policy that a schedule or a migration still uses cannot be deleted.</p>
        </ConfirmModal>
      )}
    </>
  );
}
