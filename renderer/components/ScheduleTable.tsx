import { useState } from "react";
import { Alert, Button, EmptyState, EmptyStateBody, Label, Spinner, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { ScheduleView } from "../../shared/api";
import { api } from "../api";
import { formatTime } from "../format";
import { useUi } from "../store";
import { useCall } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";
import { ConfirmModal } from "./ConfirmModal";
import { ScheduleLastResult } from "./ScheduleLastResult";

/** The "Backup schedules" tab: schedules made from the Backups wizard, with pause / resume / delete. */
export function ScheduleTable() {
  const schedules = useCall("schedules.list", {}, ["schedules"]);
  const navigate = useUi((s) => s.navigate);
  const [removing, setRemoving] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<Error>();
  const rows = schedules.data ?? [];

  const pause = async (s: ScheduleView) => {
    setBusy(s.name);
    setError(undefined);
    try {
      await api.call("schedules.pause", { name: s.name, paused: !s.paused });
      schedules.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <>
      <Title headingLevel="h2">Backup schedules</Title>
      <Alert variant="info" isInline isPlain component="h3" title="Backup schedules are created from the Backups wizard">
        <p>
          In <Button variant="link" isInline onClick={() => navigate("backups")}>Backups</Button>, choose "On a schedule" on the
          wizard's last step to protect an application with a schedule policy.
        </p>
      </Alert>
      <ErrorAlert headingLevel="h3" error={schedules.error} title="The schedules could not be loaded" />
      <ErrorAlert headingLevel="h3" error={error} title="The schedule was not changed" />
      {schedules.loading && !schedules.data && <Spinner size="lg" aria-label="Loading schedules" />}
      {schedules.data && rows.length === 0 && (
        <EmptyState titleText="No backup schedules" headingLevel="h3">
          <EmptyStateBody>No application is protected on a schedule yet.</EmptyStateBody>
        </EmptyState>
      )}
      {rows.length > 0 && (
        <Table aria-label="Backup schedules" variant="compact">
          <Thead>
            <Tr>
              <Th>Name</Th>
              <Th>Policy</Th>
              <Th>Cluster</Th>
              <Th>Namespaces</Th>
              <Th>Locations</Th>
              <Th>Rules</Th>
              <Th>Next run</Th>
              <Th>Last result</Th>
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          <Tbody>
            {rows.map((s) => (
              <Tr key={s.name}>
                <Td dataLabel="Name">
                  {s.name} {s.paused && <Label isCompact status="warning">Paused</Label>}
                </Td>
                <Td dataLabel="Policy">{s.policy}</Td>
                <Td dataLabel="Cluster">{s.cluster}</Td>
                <Td dataLabel="Namespaces">
                  {s.namespaces.length ? s.namespaces.join(", ") : "All"}
                  {s.labelSelector && <div className="lb-mono">{s.labelSelector}</div>}
                </Td>
                <Td dataLabel="Locations">{s.locations.join(", ")}</Td>
                <Td dataLabel="Rules">{s.rules ?? "–"}</Td>
                <Td dataLabel="Next run">{s.paused ? "Paused" : formatTime(s.nextRunAt)}</Td>
                <Td dataLabel="Last result"><ScheduleLastResult s={s} /></Td>
                <Td dataLabel="Actions" isActionCell>
                  <Button variant="secondary" size="sm" isDisabled={busy === s.name} isLoading={busy === s.name} onClick={() => void pause(s)} aria-label={`${s.paused ? "Resume" : "Pause"} schedule ${s.name}`}>
                    {s.paused ? "Resume" : "Pause"}
                  </Button>{" "}
                  <Button variant="secondary" isDanger size="sm" onClick={() => setRemoving(s.name)} aria-label={`Delete schedule ${s.name}`}>Delete</Button>
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
      {removing && (
        <ConfirmModal title={`Delete schedule ${removing}?`} onConfirm={async () => { await api.call("schedules.remove", { name: removing }); schedules.reload(); }} onClose={() => setRemoving(undefined)}>
          <p>The schedule stops. The backups it already made stay in their locations until deleted.</p>
        </ConfirmModal>
      )}
    </>
  );
}
