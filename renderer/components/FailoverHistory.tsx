import { Button, EmptyState, EmptyStateBody, Label, Spinner, Title } from "@patternfly/react-core";
import { ExpandableRowContent, Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import { useState } from "react";
import type { SwitchoverView } from "../../shared/api";
import { formatDuration, formatTime } from "../format";
import { useAction } from "../useCall";
import { useUi } from "../store";
import { ErrorAlert } from "./ErrorAlert";
import { FailoverResult } from "./FailoverResult";

/** The "Failover history" tab: every failover and failback, newest first, each expandable to its steps. */
export function FailoverHistory({ switchovers, loading, error }: { switchovers?: SwitchoverView[]; loading: boolean; error?: Error }) {
  const [open, setOpen] = useState<string>();
  const failover = useAction("dr.failover");
  const failback = useAction("dr.failback");
  const jobs = useUi((st) => st.jobs);
  const running = Object.values(jobs).filter((j) => (j.kind === "failover" || j.kind === "failback") && j.state === "running").map((j) => j.subject);
  // A switchover stopped halfway (the app or the engine stopped) goes on from its last step.
  const resume = (s: SwitchoverView) => (s.kind === "failover" ? failover : failback).run({ migration: s.migration, confirm: true, resume: s.id });
  const resumable = (s: SwitchoverView) => s.status !== "done" && !running.includes(s.migration);
  const rows = [...(switchovers ?? [])].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt));
  return (
    <>
      <Title headingLevel="h2">Failover history</Title>
      <ErrorAlert headingLevel="h3" error={error} title="The failover history could not be loaded" />
      <ErrorAlert headingLevel="h3" error={failover.error ?? failback.error} title="The switchover could not be resumed" />
      {loading && !switchovers && <Spinner size="lg" aria-label="Loading the failover history" />}
      {switchovers && rows.length === 0 && (
        <EmptyState titleText="No failover yet" headingLevel="h3">
          <EmptyStateBody>Failovers and failbacks appear here with their steps and measured RTO.</EmptyStateBody>
        </EmptyState>
      )}
      {rows.length > 0 && (
        <Table aria-label="Failover history" variant="compact">
          <Thead>
            <Tr>
              <Th screenReaderText="Details" />
              <Th>Kind</Th>
              <Th>Migration</Th>
              <Th>Started</Th>
              <Th>Ended</Th>
              <Th>Status</Th>
              <Th>RTO</Th>
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          {rows.map((s, i) => (
            <Tbody key={s.id} isExpanded={open === s.id}>
              <Tr>
                <Td expand={{ rowIndex: i, isExpanded: open === s.id, onToggle: () => setOpen(open === s.id ? undefined : s.id), expandId: `switchover-${s.id}` }} />
                <Td dataLabel="Kind">{s.kind === "failover" ? "Failover" : "Failback"}</Td>
                <Td dataLabel="Migration">{s.migration} <span>({s.pair})</span></Td>
                <Td dataLabel="Started">{formatTime(s.startedAt)}</Td>
                <Td dataLabel="Ended">{formatTime(s.endedAt)}</Td>
                <Td dataLabel="Status">
                  <Label isCompact status={s.status === "done" ? "success" : s.status === "failed" ? "danger" : "info"}>{s.status === "done" ? "Done" : s.status === "failed" ? "Failed" : "Running"}</Label>
                </Td>
                <Td dataLabel="RTO">{s.rtoSeconds !== undefined ? formatDuration(s.rtoSeconds) : "–"}</Td>
                <Td dataLabel="Actions">
                  {resumable(s) && (
                    <Button variant="secondary" size="sm" onClick={() => void resume(s)} isLoading={failover.busy || failback.busy} aria-label={`Resume the ${s.kind} of ${s.migration} from its last step`}>Resume</Button>
                  )}
                </Td>
              </Tr>
              {open === s.id && (
                <Tr isExpanded>
                  <Td colSpan={8}>
                    <ExpandableRowContent><FailoverResult switchover={s} /></ExpandableRowContent>
                  </Td>
                </Tr>
              )}
            </Tbody>
          ))}
        </Table>
      )}
    </>
  );
}
