import { useEffect, useId, useState } from "react";
import { Button, EmptyState, Label, Modal, ModalBody, ModalFooter, ModalHeader, Spinner, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { JobLogLine, JobView } from "../../shared/api";
import { api } from "../api";
import { useUi } from "../store";
import { ErrorAlert } from "./ErrorAlert";
import { JobProgress } from "./JobProgress";
import { JobStateLabel } from "./JobStateLabel";

const LEVEL: Record<JobLogLine["level"], { text: string; status?: "warning" | "danger" }> = {
  info: { text: "Info" },
  warn: { text: "Warning", status: "warning" },
  error: { text: "Error", status: "danger" },
};

/** A job's log: what the engine kept so far, then new lines as they arrive (job.log events). */
export function JobLogModal({ jobId, onClose }: { jobId: string; onClose: () => void }) {
  const titleId = useId();
  const live = useUi((s) => s.jobs[jobId]);
  const [job, setJob] = useState<JobView>();
  const [lines, setLines] = useState<JobLogLine[]>([]);
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    let active = true;
    const early: JobLogLine[] = [];
    let loaded = false;
    // Subscribe first so no line falls between the snapshot and the stream.
    const off = api.on("job.log", (line) => {
      if (!active || line.jobId !== jobId) return;
      if (!loaded) early.push(line);
      else setLines((ls) => [...ls, line]);
    });
    api.call("jobs.log", { id: jobId }).then(
      (res) => {
        if (!active) return;
        loaded = true;
        const seen = new Set(res.log.map((l) => `${l.at}\u0000${l.message}`));
        setJob(res.job);
        setLines([...res.log, ...early.filter((l) => !seen.has(`${l.at}\u0000${l.message}`))]);
        setLoading(false);
      },
      (err: Error) => {
        if (!active) return;
        loaded = true;
        setError(err);
        setLines(early);
        setLoading(false);
      },
    );
    return () => {
      active = false;
      off();
    };
  }, [jobId]);

  const shown = live ?? job;
  return (
    <Modal isOpen onClose={onClose} variant="large" aria-labelledby={titleId}>
      <ModalHeader>
        <Title headingLevel="h2" id={titleId}>Job log{shown ? `: ${shown.title}` : ""}</Title>
      </ModalHeader>
      <ModalBody tabIndex={0}>
        {shown && (
          <p>
            <JobStateLabel state={shown.state} />
          </p>
        )}
        {shown && <JobProgress job={shown} />}
        <ErrorAlert headingLevel="h3" error={error} title="The job's log could not be loaded" />
        {loading ? (
          <Spinner size="lg" aria-label="Loading the job's log" />
        ) : lines.length === 0 ? (
          <EmptyState titleText="No log lines yet" headingLevel="h3" />
        ) : (
          <Table role="table" aria-label="Job log" variant="compact">
            <Thead>
              <Tr>
                <Th>Level</Th>
                <Th>Time</Th>
                <Th>Message</Th>
              </Tr>
            </Thead>
            <Tbody aria-live="polite">
              {lines.map((l, i) => (
                <Tr key={i}>
                  <Td dataLabel="Level">
                    <Label isCompact status={LEVEL[l.level]?.status}>{LEVEL[l.level]?.text ?? l.level}</Label>
                  </Td>
                  <Td dataLabel="Time" className="lb-nowrap">{new Date(l.at).toLocaleTimeString()}</Td>
                  <Td dataLabel="Message" className="lb-mono lb-wrap">{l.message}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </ModalBody>
      <ModalFooter>
        <Button variant="primary" onClick={onClose}>Close</Button>
      </ModalFooter>
    </Modal>
  );
}
