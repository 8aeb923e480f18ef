import { useEffect, useMemo, useState } from "react";
import { Button, EmptyState, EmptyStateBody, PageSection, Title, Toolbar, ToolbarContent, ToolbarItem, FormSelect, FormSelectOption, FormGroup } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { JobKind, JobView } from "../../shared/api";
import { api } from "../api";
import { formatAge, formatTime } from "../format";
import { useUi } from "../store";
import { ErrorAlert } from "../components/ErrorAlert";
import { JobCancelButton } from "../components/JobCancelButton";
import { JobLogModal } from "../components/JobLogModal";
import { JobProgress } from "../components/JobProgress";
import { JobStateLabel } from "../components/JobStateLabel";

const KINDS: Array<{ value: JobKind | ""; label: string }> = [
  { value: "", label: "All kinds" },
  { value: "backup", label: "Backup" },
  { value: "restore", label: "Restore" },
  { value: "migration", label: "Migration" },
  { value: "failover", label: "Failover" },
  { value: "failback", label: "Failback" },
  { value: "prune", label: "Prune" },
];

const kindText = (kind: JobKind) => KINDS.find((k) => k.value === kind)?.label ?? kind;

/** Every job the engine knows of this session, newest first, live. */
export function Jobs() {
  const jobs = useUi((s) => s.jobs);
  const upsertJob = useUi((s) => s.upsertJob);
  const [error, setError] = useState<Error>();
  const [kind, setKind] = useState<JobKind | "">("");
  const [logFor, setLogFor] = useState<string>();

  useEffect(() => {
    let live = true;
    api.call("jobs.list", {}).then(
      (list) => live && list.forEach((j) => upsertJob(j)),
      (err: Error) => live && setError(err),
    );
    return () => {
      live = false;
    };
  }, [upsertJob]);

  const rows = useMemo(
    () => Object.values(jobs).filter((j) => !kind || j.kind === kind).sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
    [jobs, kind],
  );
  const running = rows.filter((j: JobView) => j.state === "running").length;

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Jobs</Title>
        <p>Backups, restores, migrations and switchovers the engine ran or is running{running ? `: ${running} running now` : ""}.</p>
      </PageSection>
      <PageSection>
        <ErrorAlert headingLevel="h2" error={error} title="The job list could not be loaded" />
        <Toolbar>
          <ToolbarContent>
            <ToolbarItem>
              <FormGroup label="Job kind" fieldId="jobs-kind">
                <FormSelect id="jobs-kind" value={kind} onChange={(_e, v) => setKind(v as JobKind | "")}>
                  {KINDS.map((k) => <FormSelectOption key={k.value} value={k.value} label={k.label} />)}
                </FormSelect>
              </FormGroup>
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        {rows.length === 0 ? (
          <EmptyState titleText="No jobs" headingLevel="h2">
            <EmptyStateBody>Jobs appear here when a backup, restore or migration starts.</EmptyStateBody>
          </EmptyState>
        ) : (
          <Table role="table" aria-label="Jobs" variant="compact">
            <Thead>
              <Tr>
                <Th>Kind</Th>
                <Th>Title</Th>
                <Th>State</Th>
                <Th>Started</Th>
                <Th>Finished</Th>
                <Th>Progress</Th>
                <Th screenReaderText="Actions" />
              </Tr>
            </Thead>
            <Tbody>
              {rows.map((job) => (
                <Tr key={job.id}>
                  <Td dataLabel="Kind">{kindText(job.kind)}</Td>
                  <Td dataLabel="Title">{job.title}</Td>
                  <Td dataLabel="State">
                    <JobStateLabel state={job.state} />
                  </Td>
                  <Td dataLabel="Started">
                    {formatTime(job.startedAt)}
                    <div className="lb-subtle">{formatAge(job.startedAt)}</div>
                  </Td>
                  <Td dataLabel="Finished">{job.finishedAt ? formatTime(job.finishedAt) : "–"}</Td>
                  <Td dataLabel="Progress" width={30}>
                    <JobProgress job={job} />
                  </Td>
                  <Td dataLabel="Actions" isActionCell>
                    <div className="lb-actions lb-row-actions">
                      <Button variant="secondary" size="sm" onClick={() => setLogFor(job.id)}>Log</Button>
                      <JobCancelButton job={job} />
                    </div>
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </PageSection>
      {logFor && <JobLogModal jobId={logFor} onClose={() => setLogFor(undefined)} />}
    </>
  );
}
