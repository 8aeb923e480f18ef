import { useState } from "react";
import { Button, EmptyState, EmptyStateBody, Flex, FlexItem, Label, Spinner, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { RuleSetView } from "../../shared/api";
import { api } from "../api";
import { useCall } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";
import { ConfirmModal } from "./ConfirmModal";
import { RuleForm } from "./RuleForm";

/** The "Rules" tab: saved rule sets (pre / post actions around a backup), with create / edit / delete. */
export function RuleTable() {
  const rules = useCall("rules.list", {}, ["rules", "schedules"]);
  const [editing, setEditing] = useState<{ rule?: RuleSetView }>();
  const [removing, setRemoving] = useState<string>();
  const rows = rules.data?.rules ?? [];
  return (
    <>
      <Flex justifyContent={{ default: "justifyContentSpaceBetween" }} alignItems={{ default: "alignItemsCenter" }}>
        <FlexItem>
          <Title headingLevel="h2">Rules</Title>
          <p>Commands run in the application's pods before and after a backup, so databases are captured consistently.</p>
        </FlexItem>
        <FlexItem>
          <Button variant="primary" onClick={() => setEditing({})}>Create rules</Button>
        </FlexItem>
      </Flex>
      <ErrorAlert headingLevel="h3" error={rules.error} title="The rules could not be loaded" />
      {rules.loading && !rules.data && <Spinner size="lg" aria-label="Loading rules" />}
      {rules.data && rows.length === 0 && (
        <EmptyState titleText="No rules" headingLevel="h3">
          <EmptyStateBody>Create rules from a template (PostgreSQL, MongoDB, MySQL, Redis, Cassandra) or write your own.</EmptyStateBody>
        </EmptyState>
      )}
      {rows.length > 0 && (
        <Table aria-label="Rules" variant="compact">
          <Thead>
            <Tr>
              <Th>Name</Th>
              <Th>Template</Th>
              <Th>Pre actions</Th>
              <Th>Post actions</Th>
              <Th>Used by</Th>
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          <Tbody>
            {rows.map((r) => (
              <Tr key={r.name}>
                <Td dataLabel="Name">{r.name}</Td>
                <Td dataLabel="Template">{r.template ?? "–"}</Td>
                <Td dataLabel="Pre actions">{r.rules.pre?.length ?? 0}</Td>
                <Td dataLabel="Post actions">{r.rules.post?.length ?? 0}</Td>
                <Td dataLabel="Used by">
                  {r.usedBy.length ? r.usedBy.map((u) => <Label key={u} isCompact variant="outline" style={{ marginRight: 4 }}>{u}</Label>) : "–"}
                </Td>
                <Td dataLabel="Actions" isActionCell>
                  <Button variant="secondary" size="sm" onClick={() => setEditing({ rule: r })} aria-label={`Edit rules ${r.name}`}>Edit</Button>{" "}
                  <Button variant="secondary" isDanger size="sm" onClick={() => setRemoving(r.name)} aria-label={`Delete rules ${r.name}`}>Delete</Button>
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
      {editing && <RuleForm rule={editing.rule} templates={rules.data?.templates} onClose={() => { setEditing(undefined); rules.reload(); }} />}
      {removing && (
        <ConfirmModal title={`Delete rules ${removing}?`} onConfirm={async () => { await api.call("rules.remove", { name: removing }); rules.reload(); }} onClose={() => setRemoving(undefined)}>
          <p>The rule set is deleted. Rules a schedule still uses cannot be deleted.</p>
        </ConfirmModal>
      )}
    </>
  );
}
