import { Button } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { RestoreView } from "../../shared/api";
import { formatAge, formatTime } from "../format";
import { RESTORE_ACTIONS } from "./RestoreActionLabel";
import { RestoreStatusLabel } from "./RestoreStatusLabel";

function countsText(r: RestoreView): string {
  if (!r.counts) return "–";
  const parts = RESTORE_ACTIONS.filter((a) => (r.counts?.[a.action] ?? 0) > 0).map((a) => `${r.counts![a.action]} ${a.text.toLowerCase()}`);
  return parts.length ? parts.join(", ") : "No objects";
}

/** Restores this Lifeboat ran, newest first; "Result" opens one's result below. */
export function RestoreTable({ restores, selected, onSelect }: { restores: RestoreView[]; selected?: string; onSelect: (r: RestoreView) => void }) {
  const rows = [...restores].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return (
    <Table role="table" aria-label="Restores" variant="compact">
      <Thead>
        <Tr>
          <Th modifier="wrap">Name</Th>
          <Th modifier="wrap">Backup</Th>
          <Th modifier="wrap">Cluster</Th>
          <Th modifier="wrap">Status</Th>
          <Th modifier="wrap">Started</Th>
          <Th modifier="wrap">Finished</Th>
          <Th modifier="wrap">Objects</Th>
          <Th screenReaderText="Actions" />
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((r) => (
          <Tr key={r.id} isRowSelected={r.id === selected} data-restore-id={r.id}>
            <Td dataLabel="Name">{r.name}</Td>
            <Td dataLabel="Backup">
              {r.backup.name}
              <div className="lb-subtle">{formatTime(r.backup.time)} · {r.backup.location}</div>
            </Td>
            <Td dataLabel="Cluster">
              {r.cluster}
              {Object.keys(r.namespaceMap).length > 0 && (
                <div className="lb-subtle">{Object.entries(r.namespaceMap).map(([a, b]) => `${a} → ${b}`).join(", ")}</div>
              )}
            </Td>
            <Td dataLabel="Status">
              <RestoreStatusLabel status={r.status} />
            </Td>
            <Td dataLabel="Started">
              <span className="lb-nowrap">{formatTime(r.startedAt)}</span>
              <div className="lb-subtle">{formatAge(r.startedAt)}</div>
            </Td>
            <Td dataLabel="Finished">{r.finishedAt ? formatTime(r.finishedAt) : "–"}</Td>
            <Td dataLabel="Objects">{countsText(r)}</Td>
            <Td dataLabel="Actions" isActionCell>
              <Button variant={r.id === selected ? "primary" : "secondary"} size="sm" onClick={() => onSelect(r)} aria-pressed={r.id === selected}>
                Result
              </Button>
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
