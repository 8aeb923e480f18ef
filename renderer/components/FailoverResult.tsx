import { Alert, Label, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { SwitchoverView } from "../../shared/api";
import { formatDuration, formatTime } from "../format";
import { stepTitle } from "./DrSteps";

const STATUS: Record<string, "success" | "danger" | "info" | "warning" | undefined> = { done: "success", failed: "danger", skipped: "warning", pending: "info", running: "info" };

/** A failover or failback as it ended: the measured RTO, prominently, and each step's outcome. */
export function FailoverResult({ switchover: s }: { switchover: SwitchoverView }) {
  const what = s.kind === "failover" ? "Failover" : "Failback";
  return (
    <>
      <Alert
        isInline
        component="h3"
        variant={s.status === "done" ? "success" : s.status === "failed" ? "danger" : "info"}
        title={s.status === "done" ? `${what} of ${s.migration} completed` : s.status === "failed" ? `${what} of ${s.migration} failed` : `${what} of ${s.migration} is running`}
      >
        {s.status === "failed" && <p>Fix the cause shown on the failed step, then start the {s.kind} again: it resumes where it stopped and each step is safe to repeat.</p>}
      </Alert>
      <div style={{ margin: "16px 0" }}>
        <Title headingLevel="h3">Measured RTO</Title>
        <div className="lb-rto" data-rto-seconds={s.rtoSeconds}>
          {s.rtoSeconds !== undefined ? `${formatDuration(s.rtoSeconds)}` : "–"}
        </div>
        <p>
          {s.rtoSeconds !== undefined
            ? `From the start (${formatTime(s.startedAt)}) to the application Ready${s.kind === "failover" ? " on the destination" : " on the source"}: ${s.rtoSeconds.toFixed(1)} seconds.`
            : "The RTO is measured when the application is Ready."}
        </p>
      </div>
      <Table aria-label={`Steps of the ${s.kind} of ${s.migration}`} variant="compact">
        <Thead>
          <Tr>
            <Th>Step</Th>
            <Th>Status</Th>
            <Th>Message</Th>
            <Th>Started</Th>
            <Th>Ended</Th>
          </Tr>
        </Thead>
        <Tbody>
          {s.steps.map((step) => (
            <Tr key={step.name}>
              <Td dataLabel="Step">{stepTitle(step.name)}</Td>
              <Td dataLabel="Status"><Label isCompact status={STATUS[step.status]}>{step.status}</Label></Td>
              <Td dataLabel="Message">{step.message ?? "–"}</Td>
              <Td dataLabel="Started">{step.startedAt ? new Date(step.startedAt).toLocaleTimeString() : "–"}</Td>
              <Td dataLabel="Ended">
                {step.endedAt ? new Date(step.endedAt).toLocaleTimeString() : "–"}
                {step.startedAt && step.endedAt && ` (${formatDuration((Date.parse(step.endedAt) - Date.parse(step.startedAt)) / 1000)})`}
              </Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    </>
  );
}
