import { useMemo, useState } from "react";
import {
  Alert, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Flex, FlexItem, FormGroup, FormSelect,
  FormSelectOption, Label, Spinner, Title,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { RestoreActionName } from "../../shared/api";
import { formatBytes, formatDuration, formatTime } from "../format";
import { useUi } from "../store";
import { useCall } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";
import { JobCancelButton } from "./JobCancelButton";
import { JobProgress } from "./JobProgress";
import { RESTORE_ACTIONS, RestoreActionLabel } from "./RestoreActionLabel";
import { RestoreStatusLabel } from "./RestoreStatusLabel";

const MAX_ROWS = 1000;

/** One restore: its job's progress while it runs, then what happened to every object, volume and workload. */
export function RestoreResult({ restoreId, jobId }: { restoreId: string; jobId?: string }) {
  const view = useCall("restores.describe", { id: restoreId }, ["restores"]);
  const r = view.data;
  const job = useUi((s) => s.jobs[r?.jobId ?? jobId ?? ""]);
  const [show, setShow] = useState<RestoreActionName | "">("");

  const items = useMemo(() => {
    const all = r?.items ?? [];
    return show ? all.filter((i) => i.action === show) : all;
  }, [r, show]);

  if (!r) {
    return (
      <>
        <ErrorAlert headingLevel="h3" error={view.error} title="The restore could not be loaded" />
        {view.loading && <Spinner size="lg" aria-label="Loading the restore" />}
        {job && <JobProgress job={job} />}
      </>
    );
  }

  const running = r.status === "InProgress" || job?.state === "running";
  const volumesFailed = r.volumes?.filter((v) => !v.ok).length ?? 0;
  const notReady = r.workloads?.filter((w) => !w.ready).length ?? 0;

  return (
    <div className="lb-stack" data-restore-id={r.id} data-restore-status={r.status}>
      {r.error && (
        <Alert component="h3" variant="danger" isInline title={r.status === "Failed" ? "The restore failed" : "The restore did not finish cleanly"}>
          {r.error}
        </Alert>
      )}
      <ErrorAlert headingLevel="h3" error={view.error} title="The restore could not be reloaded" />
      {job && (running || job.state !== "succeeded") && (
        <Flex alignItems={{ default: "alignItemsCenter" }} flexWrap={{ default: "nowrap" }}>
          <FlexItem grow={{ default: "grow" }}>
            <JobProgress job={job} />
          </FlexItem>
          <FlexItem>
            <JobCancelButton job={job} />
          </FlexItem>
        </Flex>
      )}

      <DescriptionList isHorizontal isCompact columnModifier={{ lg: "2Col" }} aria-label="Restore summary">
        <DescriptionListGroup>
          <DescriptionListTerm>Status</DescriptionListTerm>
          <DescriptionListDescription><RestoreStatusLabel status={r.status} /></DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Backup</DescriptionListTerm>
          <DescriptionListDescription>{r.backup.name}, {formatTime(r.backup.time)} ({r.backup.location})</DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Target cluster</DescriptionListTerm>
          <DescriptionListDescription>{r.cluster}</DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Namespaces</DescriptionListTerm>
          <DescriptionListDescription>
            {Object.keys(r.namespaceMap).length ? Object.entries(r.namespaceMap).map(([a, b]) => `${a} → ${b}`).join(", ") : "Same names as in the backup"}
          </DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Started</DescriptionListTerm>
          <DescriptionListDescription>{formatTime(r.startedAt)}</DescriptionListDescription>
        </DescriptionListGroup>
        <DescriptionListGroup>
          <DescriptionListTerm>Finished</DescriptionListTerm>
          <DescriptionListDescription>
            {r.finishedAt ? `${formatTime(r.finishedAt)} (${formatDuration((new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()) / 1000)})` : "Still running"}
          </DescriptionListDescription>
        </DescriptionListGroup>
      </DescriptionList>

      {r.counts && (
        <ul className="lb-plain-list lb-labels" aria-label="Objects by outcome">
          {RESTORE_ACTIONS.map((a) => (
            <li key={a.action}>
              <Label status={a.status} color={a.color}>{a.text}: {r.counts?.[a.action] ?? 0}</Label>
            </li>
          ))}
          {r.volumes && r.volumes.length > 0 && (
            <li><Label status={volumesFailed ? "danger" : "success"}>Volumes: {r.volumes.length - volumesFailed} of {r.volumes.length} filled</Label></li>
          )}
          {r.workloads && r.workloads.length > 0 && (
            <li><Label status={notReady ? "warning" : "success"}>Workloads: {r.workloads.length - notReady} of {r.workloads.length} ready</Label></li>
          )}
        </ul>
      )}

      <Title headingLevel="h3">Objects</Title>
      {!r.items ? (
        <p>{running ? "The object results appear when the restore has applied the backup's objects." : "No object results were recorded."}</p>
      ) : (
        <>
          <FormGroup label="Show objects" fieldId={`restore-show-${r.id}`} className="lb-narrow">
            <FormSelect id={`restore-show-${r.id}`} value={show} onChange={(_e, v) => setShow(v as RestoreActionName | "")}>
              <FormSelectOption value="" label={`All (${r.items.length})`} />
              {RESTORE_ACTIONS.map((a) => <FormSelectOption key={a.action} value={a.action} label={`${a.text} (${r.counts?.[a.action] ?? r.items!.filter((i) => i.action === a.action).length})`} />)}
            </FormSelect>
          </FormGroup>
          {items.length > MAX_ROWS && <p className="lb-subtle">The first {MAX_ROWS} of {items.length} shown.</p>}
          <Table role="table" aria-label="Restore result" variant="compact">
            <Thead>
              <Tr>
                <Th>Kind</Th>
                <Th>Namespace</Th>
                <Th>Name</Th>
                <Th>Action</Th>
                <Th>Reason</Th>
                <Th>Transforms</Th>
              </Tr>
            </Thead>
            <Tbody>
              {items.slice(0, MAX_ROWS).map((i) => (
                <Tr key={`${i.apiVersion}/${i.kind}/${i.namespace ?? ""}/${i.name}`}>
                  <Td dataLabel="Kind">{i.kind}</Td>
                  <Td dataLabel="Namespace">{i.namespace ?? "(cluster)"}</Td>
                  <Td dataLabel="Name">{i.name}</Td>
                  <Td dataLabel="Action"><RestoreActionLabel action={i.action} /></Td>
                  <Td dataLabel="Reason" className="lb-wrap">{i.reason ?? "–"}</Td>
                  <Td dataLabel="Transforms">{i.transforms.length ? i.transforms.join("; ") : "–"}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </>
      )}

      <Title headingLevel="h3">Volumes</Title>
      {!r.volumes || r.volumes.length === 0 ? (
        <p>{running ? "Volume results appear when the data has been restored." : "No volume data was restored."}</p>
      ) : (
        <Table role="table" aria-label="Restored volumes" variant="compact">
          <Thead>
            <Tr>
              <Th>Claim</Th>
              <Th>Result</Th>
              <Th>Size</Th>
              <Th>Time</Th>
              <Th>Error</Th>
            </Tr>
          </Thead>
          <Tbody>
            {r.volumes.map((v) => (
              <Tr key={`${v.namespace}/${v.claim}`}>
                <Td dataLabel="Claim">{v.namespace}/{v.claim}</Td>
                <Td dataLabel="Result"><Label isCompact status={v.ok ? "success" : "danger"}>{v.ok ? "Filled" : "Failed"}</Label></Td>
                <Td dataLabel="Size">{formatBytes(v.bytes)}</Td>
                <Td dataLabel="Time">{formatDuration(v.seconds)}</Td>
                <Td dataLabel="Error" className="lb-wrap">{v.error ?? "–"}</Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}

      <Title headingLevel="h3">Workloads</Title>
      {!r.workloads || r.workloads.length === 0 ? (
        <p>{running ? "Workload readiness appears at the end of the restore." : "No workloads were checked."}</p>
      ) : (
        <Table role="table" aria-label="Restored workloads" variant="compact">
          <Thead>
            <Tr>
              <Th>Kind</Th>
              <Th>Namespace</Th>
              <Th>Name</Th>
              <Th>Ready</Th>
              <Th>Reason</Th>
            </Tr>
          </Thead>
          <Tbody>
            {r.workloads.map((w) => (
              <Tr key={`${w.kind}/${w.namespace}/${w.name}`}>
                <Td dataLabel="Kind">{w.kind}</Td>
                <Td dataLabel="Namespace">{w.namespace}</Td>
                <Td dataLabel="Name">{w.name}</Td>
                <Td dataLabel="Ready"><Label isCompact status={w.ready ? "success" : "warning"}>{w.ready ? "Ready" : "Not ready"}</Label></Td>
                <Td dataLabel="Reason" className="lb-wrap">{w.reason ?? "–"}</Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
    </div>
  );
}
