import { useMemo, useState } from "react";
import { Alert, AlertActionCloseButton, Button, EmptyState, EmptyStateBody, Flex, FlexItem, PageSection, Spinner, Title } from "@patternfly/react-core";
import type { CallResponse } from "../../shared/api";
import { api } from "../api";
import { useUi } from "../store";
import { useCall } from "../useCall";
import { ErrorAlert } from "../components/ErrorAlert";
import { JobCards } from "../components/JobCards";
import { RestoreResult } from "../components/RestoreResult";
import { RestoreTable } from "../components/RestoreTable";
import { RestoreWizard } from "../components/RestoreWizard";

/** Restores: start one (the wizard), follow it, and read what every restore did. */
export function Restores() {
  const route = useUi((s) => s.route);
  const navigate = useUi((s) => s.navigate);
  const allJobs = useUi((s) => s.jobs);
  const upsertJob = useUi((s) => s.upsertJob);

  const [wizardOpen, setWizardOpen] = useState(false);
  const [selected, setSelected] = useState<{ id: string; jobId?: string }>();
  const [started, setStarted] = useState<string>();

  const list = useCall("restores.list", {}, ["restores"]);

  const params = route.params ?? {};
  const wizardFromRoute = params.wizard === "1";
  const showWizard = wizardOpen || wizardFromRoute;
  const prefill = wizardFromRoute ? { location: params.location || undefined, backup: params.backup || undefined } : undefined;

  const closeWizard = () => {
    setWizardOpen(false);
    if (wizardFromRoute) navigate("restores");
  };
  const onStarted = (res: CallResponse<"restores.start">) => {
    closeWizard();
    setSelected({ id: res.restoreId, jobId: res.jobId });
    setStarted(res.restoreId);
    void api.call("jobs.list", {}).then((jobs) => jobs.forEach((j) => upsertJob(j)), () => undefined);
  };

  const restores = useMemo(() => list.data ?? [], [list.data]);
  const current = restores.find((r) => r.id === selected?.id);
  // Restore jobs running that the result section below does not already show.
  const otherRunning = useMemo(
    () => Object.values(allJobs).filter((j) => j.kind === "restore" && j.state === "running" && j.id !== selected?.jobId && j.id !== current?.jobId).sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
    [allJobs, selected, current],
  );

  return (
    <>
      <PageSection>
        <Flex justifyContent={{ default: "justifyContentSpaceBetween" }} alignItems={{ default: "alignItemsCenter" }}>
          <FlexItem>
            <Title headingLevel="h1">Restores</Title>
            <p>Bring an application back from a backup, into the same or another cluster and namespace.</p>
          </FlexItem>
          <FlexItem>
            <Button variant="primary" onClick={() => setWizardOpen(true)}>Create restore</Button>
          </FlexItem>
        </Flex>
      </PageSection>

      {otherRunning.length > 0 && (
        <PageSection aria-labelledby="restore-jobs-title">
          <Title headingLevel="h2" id="restore-jobs-title">Running restores</Title>
          <JobCards jobs={otherRunning} label="Running restore jobs" />
        </PageSection>
      )}

      {selected && (
        <PageSection aria-labelledby="restore-result-title">
          <Flex justifyContent={{ default: "justifyContentSpaceBetween" }} alignItems={{ default: "alignItemsCenter" }}>
            <FlexItem>
              <Title headingLevel="h2" id="restore-result-title">Restore {current?.name ?? ""}</Title>
            </FlexItem>
            <FlexItem>
              <Button variant="link" onClick={() => setSelected(undefined)}>Hide result</Button>
            </FlexItem>
          </Flex>
          {started === selected.id && selected.jobId && allJobs[selected.jobId]?.state === "running" && (
            <Alert component="h3" variant="info" isInline isPlain title="Restore started" actionClose={<AlertActionCloseButton title="Restore started" onClose={() => setStarted(undefined)} />}>
              Its progress shows here; the result follows when it ends.
            </Alert>
          )}
          <RestoreResult restoreId={selected.id} jobId={selected.jobId} />
        </PageSection>
      )}

      <PageSection aria-labelledby="restore-list-title">
        <Title headingLevel="h2" id="restore-list-title">All restores</Title>
        <ErrorAlert headingLevel="h3" error={list.error} title="The restores could not be listed" />
        {list.loading && !list.data && <Spinner size="lg" aria-label="Loading restores" />}
        {list.data && restores.length === 0 ? (
          <EmptyState titleText="No restores yet" headingLevel="h3">
            <EmptyStateBody>Create a restore, or use &quot;Restore&quot; on a backup on the Backups screen.</EmptyStateBody>
          </EmptyState>
        ) : (
          restores.length > 0 && <RestoreTable restores={restores} selected={selected?.id} onSelect={(r) => setSelected({ id: r.id, jobId: r.jobId })} />
        )}
      </PageSection>

      {showWizard && <RestoreWizard key={JSON.stringify(params)} prefill={prefill} onClose={closeWizard} onDone={onStarted} />}
    </>
  );
}
