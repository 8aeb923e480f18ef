import { useMemo, useState } from "react";
import {
  Alert, AlertActionCloseButton, AlertGroup, Button, EmptyState, EmptyStateActions, EmptyStateBody, EmptyStateFooter, Flex, FlexItem, FormGroup,
  FormSelect, FormSelectOption, PageSection, Spinner, Title, Toolbar, ToolbarContent, ToolbarItem,
} from "@patternfly/react-core";
import type { BackupView } from "../../shared/api";
import { api } from "../api";
import { formatBytes } from "../format";
import { useUi } from "../store";
import { useCall } from "../useCall";
import { BackupDeleteModal } from "../components/BackupDeleteModal";
import { BackupDetails } from "../components/BackupDetails";
import { BackupSizeChart } from "../components/BackupSizeChart";
import { BackupTable } from "../components/BackupTable";
import { BackupWizard, type BackupWizardResult } from "../components/BackupWizard";
import { ErrorAlert } from "../components/ErrorAlert";
import { JobCards } from "../components/JobCards";

interface Notice {
  id: number;
  variant: "success" | "warning" | "info";
  title: string;
  body?: string;
}

const RECENT_FINISHED = 5;

/** Backups: start one (the wizard), follow running backup jobs, browse, inspect, restore and delete what the locations keep. */
export function Backups() {
  const route = useUi((s) => s.route);
  const navigate = useUi((s) => s.navigate);
  const allJobs = useUi((s) => s.jobs);
  const upsertJob = useUi((s) => s.upsertJob);

  const [wizardOpen, setWizardOpen] = useState(false);
  const [location, setLocation] = useState("");
  const [chartName, setChartName] = useState("");
  const [details, setDetails] = useState<BackupView>();
  const [deleting, setDeleting] = useState<BackupView>();
  const [notices, setNotices] = useState<Notice[]>([]);
  const [startedIds, setStartedIds] = useState<string[]>([]);

  const locations = useCall("locations.list", {}, ["locations"]);
  const list = useCall("backups.list", location ? { location } : {}, ["backups", "locations"]);

  const params = route.params ?? {};
  const wizardFromRoute = params.wizard === "1";
  const showWizard = wizardOpen || wizardFromRoute;
  const prefill = wizardFromRoute
    ? { cluster: params.cluster || undefined, namespaces: params.namespaces ? params.namespaces.split(",").map((s) => s.trim()).filter(Boolean) : undefined, selector: params.selector || undefined }
    : undefined;

  const notify = (n: Omit<Notice, "id">) => setNotices((ns) => [...ns, { ...n, id: Date.now() + Math.random() }]);
  const closeWizard = () => {
    setWizardOpen(false);
    if (wizardFromRoute) navigate("backups");
  };

  const onWizardDone = (result: BackupWizardResult) => {
    closeWizard();
    if (result.kind === "started") {
      setStartedIds((ids) => [...ids, ...result.jobs.map((j) => j.jobId)]);
      notify({
        variant: "success",
        title: `Backup ${result.name} started`,
        body: `${result.jobs.length} job${result.jobs.length === 1 ? "" : "s"}: ${result.jobs.map((j) => j.location).join(", ")}. Progress shows below.`,
      });
      // Jobs arrive by job.updated events; fetch them too so the progress shows even if an event came first.
      void api.call("jobs.list", {}).then((jobs) => jobs.forEach((j) => upsertJob(j)), () => undefined);
    } else {
      const s = result.schedule;
      notify({ variant: "success", title: `Schedule ${s.name} created`, body: `Policy ${s.policy}${s.nextRunAt ? `; first run ${new Date(s.nextRunAt).toLocaleString()}` : ""}.` });
    }
  };

  const backupJobs = useMemo(() => {
    const all = Object.values(allJobs).filter((j) => j.kind === "backup").sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    const running = all.filter((j) => j.state === "running");
    const finished = all.filter((j) => j.state !== "running");
    const recent = finished.filter((j, i) => i < RECENT_FINISHED || startedIds.includes(j.id));
    return [...running, ...recent];
  }, [allJobs, startedIds]);

  const backups = useMemo(() => list.data?.backups ?? [], [list.data]);
  const names = useMemo(() => [...new Set(backups.map((b) => b.name))].sort(), [backups]);
  const charted = chartName ? backups.filter((b) => b.name === chartName) : backups;

  const restore = (b: BackupView) => navigate("restores", { wizard: "1", location: b.location, backup: b.id });

  return (
    <>
      <PageSection>
        <Flex justifyContent={{ default: "justifyContentSpaceBetween" }} alignItems={{ default: "alignItemsCenter" }}>
          <FlexItem>
            <Title headingLevel="h1">Backups</Title>
            <p>Back up an application&apos;s objects and volume data, and restore or delete what the backup locations keep.</p>
          </FlexItem>
          <FlexItem>
            <Button variant="primary" onClick={() => setWizardOpen(true)}>Create backup</Button>
          </FlexItem>
        </Flex>
      </PageSection>

      {notices.length > 0 && (
        <PageSection>
          <AlertGroup isLiveRegion>
            {notices.map((n) => (
              <Alert component="h2" key={n.id} variant={n.variant} isInline title={n.title} actionClose={<AlertActionCloseButton title={n.title} onClose={() => setNotices((ns) => ns.filter((x) => x.id !== n.id))} />}>
                {n.body}
              </Alert>
            ))}
          </AlertGroup>
        </PageSection>
      )}

      {backupJobs.length > 0 && (
        <PageSection aria-labelledby="backup-jobs-title">
          <Title headingLevel="h2" id="backup-jobs-title">Backup jobs</Title>
          <JobCards jobs={backupJobs} label="Running and recent backup jobs" />
        </PageSection>
      )}

      <PageSection aria-labelledby="backup-list-title">
        <Title headingLevel="h2" id="backup-list-title">Kept backups</Title>
        <Toolbar>
          <ToolbarContent>
            <ToolbarItem>
              <FormGroup label="Location" fieldId="backups-location">
                <FormSelect id="backups-location" value={location} onChange={(_e, v) => setLocation(v)}>
                  <FormSelectOption value="" label="All locations" />
                  {(locations.data ?? []).map((l) => <FormSelectOption key={l.id} value={l.name} label={l.name} />)}
                </FormSelect>
              </FormGroup>
            </ToolbarItem>
            <ToolbarItem alignSelf="center">
              {list.loading && <Spinner size="md" aria-label="Loading backups" />}
            </ToolbarItem>
            <ToolbarItem alignSelf="center">
              <Button variant="link" onClick={list.reload}>Refresh</Button>
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        <ErrorAlert headingLevel="h3" error={list.error} title="The backups could not be listed" />
        {(list.data?.errors ?? []).map((e) => (
          <Alert component="h3" key={e.location} variant="warning" isInline title={`Location ${e.location} could not be read`}>
            {e.error}
          </Alert>
        ))}
        {list.data && backups.length === 0 ? (
          <EmptyState titleText="No backups yet" headingLevel="h3">
            <EmptyStateBody>{location ? `Location ${location} keeps no backups.` : "Create a backup to protect an application."}</EmptyStateBody>
            <EmptyStateFooter>
              <EmptyStateActions>
                <Button variant="secondary" onClick={() => setWizardOpen(true)}>Back up an application</Button>
              </EmptyStateActions>
            </EmptyStateFooter>
          </EmptyState>
        ) : (
          backups.length > 0 && (
            <>
              <p className="lb-subtle">
                {backups.length} backup{backups.length === 1 ? "" : "s"}, {formatBytes(backups.reduce((s, b) => s + b.storedBytes, 0))} stored.
              </p>
              <BackupTable backups={backups} onDetails={setDetails} onRestore={restore} onDelete={setDeleting} />
            </>
          )
        )}
      </PageSection>

      {backups.length > 0 && (
        <PageSection aria-labelledby="backup-sizes-title">
          <Title headingLevel="h2" id="backup-sizes-title">Backup sizes over time</Title>
          <FormGroup label="Sizes of" fieldId="backups-chart-name" className="lb-narrow">
            <FormSelect id="backups-chart-name" value={chartName} onChange={(_e, v) => setChartName(v)}>
              <FormSelectOption value="" label="All listed backups" />
              {names.map((n) => <FormSelectOption key={n} value={n} label={n} />)}
            </FormSelect>
          </FormGroup>
          <BackupSizeChart backups={charted} label={chartName ? `Sizes of backups named ${chartName}` : "Backup sizes"} />
        </PageSection>
      )}

      {showWizard && <BackupWizard key={JSON.stringify(params)} prefill={prefill} onClose={closeWizard} onDone={onWizardDone} />}
      {details && (
        <BackupDetails
          backup={details}
          onClose={() => setDetails(undefined)}
          onRestore={(b) => {
            setDetails(undefined);
            restore(b);
          }}
        />
      )}
      {deleting && (
        <BackupDeleteModal
          backup={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={(r) => {
            const b = deleting;
            setDeleting(undefined);
            notify({ variant: "success", title: `Backup ${b.name} deleted`, body: r.bytesFreed !== undefined ? `${formatBytes(r.bytesFreed)} freed in ${b.location}.` : undefined });
            if (r.pruneError) notify({ variant: "warning", title: "Space was not freed yet", body: r.pruneError });
            list.reload();
          }}
        />
      )}
    </>
  );
}
