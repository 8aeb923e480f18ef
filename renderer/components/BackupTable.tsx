import { Button, Label } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { BackupView } from "../../shared/api";
import { formatAge, formatBytes, formatTime } from "../format";

export interface BackupTableProps {
  backups: BackupView[];
  onDetails(backup: BackupView): void;
  onRestore(backup: BackupView): void;
  onDelete(backup: BackupView): void;
}

/** The backups kept in the locations, newest first, with what each holds and its row actions. */
export function BackupTable({ backups, onDetails, onRestore, onDelete }: BackupTableProps) {
  const rows = [...backups].sort((a, b) => b.time.localeCompare(a.time));
  return (
    <div className="lb-table-scroll">
      <Table role="table" aria-label="Backups" variant="compact" className="lb-dense-table">
        <Thead>
          <Tr>
            <Th modifier="wrap">Name</Th>
            <Th modifier="wrap">Cluster</Th>
            <Th modifier="wrap">Namespaces</Th>
            <Th modifier="wrap">Time</Th>
            <Th modifier="wrap">Objects</Th>
            <Th modifier="wrap">Volumes</Th>
            <Th modifier="wrap">Size</Th>
            <Th modifier="wrap">Stored</Th>
            <Th modifier="wrap">Location</Th>
            <Th modifier="wrap">Warnings</Th>
            <Th screenReaderText="Actions" />
          </Tr>
        </Thead>
        <Tbody>
          {rows.map((b) => (
            <Tr key={`${b.location}/${b.id}`} data-backup-id={b.id}>
              <Td dataLabel="Name" className="lb-nowrap">
                {b.name}
                {b.labelSelector && <div className="lb-subtle">selector {b.labelSelector}</div>}
              </Td>
              <Td dataLabel="Cluster">{b.cluster}</Td>
              <Td dataLabel="Namespaces">{b.namespaces.length ? b.namespaces.join(", ") : "All"}</Td>
              <Td dataLabel="Time">
                {formatTime(b.time)}
                <div className="lb-subtle">{formatAge(b.time)}</div>
              </Td>
              <Td dataLabel="Objects">{b.objects}</Td>
              <Td dataLabel="Volumes">{b.volumeData ? b.volumes : `${b.volumes} (objects only)`}</Td>
              <Td dataLabel="Size" className="lb-nowrap">{formatBytes(b.bytes)}</Td>
              <Td dataLabel="Stored" className="lb-nowrap">{formatBytes(b.storedBytes)}</Td>
              <Td dataLabel="Location">{b.location}</Td>
              <Td dataLabel="Warnings">
                {b.warnings > 0 ? <Label status="warning" isCompact>{b.warnings} warning{b.warnings === 1 ? "" : "s"}</Label> : "None"}
              </Td>
              <Td dataLabel="Actions" isActionCell>
                <div className="lb-actions lb-row-actions">
                  <Button variant="link" isInline onClick={() => onDetails(b)}>Details</Button>
                  <Button variant="primary" size="sm" onClick={() => onRestore(b)}>Restore</Button>
                  <Button variant="link" isInline isDanger onClick={() => onDelete(b)}>Delete</Button>
                </div>
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    </div>
  );
}
