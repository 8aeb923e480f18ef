import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { RuleActionView, RuleSet } from "../../shared/api";

function where(a: RuleActionView): string {
  return [
    a.namespace ? `namespace ${a.namespace}` : "",
    `pods ${a.podSelector}`,
    a.container ? `container ${a.container}` : "",
    a.runIn === "one" ? "in one pod" : a.runIn === "all" ? "in every pod" : "",
  ].filter(Boolean).join(", ");
}

function how(a: RuleActionView): string {
  return [
    a.background ? "in the background" : "",
    a.timeoutSeconds ? `timeout ${a.timeoutSeconds} s` : "",
    a.onFailure === "continue" ? "continue on failure" : a.onFailure === "fail" ? "fail the backup on failure" : "",
  ].filter(Boolean).join(", ");
}

/** A rule set's pre- and post-backup actions, in the order they run. */
export function BackupRuleActions({ rules, label }: { rules: RuleSet; label: string }) {
  const rows = [
    ...(rules.pre ?? []).map((a) => ({ phase: "Before backup", action: a })),
    ...(rules.post ?? []).map((a) => ({ phase: "After backup", action: a })),
  ];
  if (rows.length === 0) return <p>This rule set has no actions.</p>;
  return (
    <Table role="table" aria-label={label} variant="compact">
      <Thead>
        <Tr>
          <Th>Phase</Th>
          <Th>Action</Th>
          <Th>Command</Th>
          <Th>Runs in</Th>
          <Th>Options</Th>
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((r, i) => (
          <Tr key={i}>
            <Td dataLabel="Phase">{r.phase}</Td>
            <Td dataLabel="Action">{r.action.name ?? `Action ${i + 1}`}</Td>
            <Td dataLabel="Command" className="lb-mono lb-wrap">{Array.isArray(r.action.command) ? r.action.command.join(" ") : r.action.command}</Td>
            <Td dataLabel="Runs in">{where(r.action)}</Td>
            <Td dataLabel="Options">{how(r.action) || "–"}</Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
