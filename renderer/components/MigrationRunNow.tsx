import { useState } from "react";
import { Button } from "@patternfly/react-core";
import type { JobView } from "../../shared/api";
import { api } from "../api";
import { useUi } from "../store";
import { ErrorAlert } from "./ErrorAlert";
import { JobProgress } from "./JobProgress";

/** The migration job to show: the one this button started, else a running job migrating it. */
function findJob(jobs: Record<string, JobView>, started: string | undefined, name: string): JobView | undefined {
  if (started && jobs[started]) return jobs[started];
  return Object.values(jobs).find((j) => j.kind === "migration" && j.state === "running" && j.subject === name);
}

/** "Run now" for a migration, with the run's live progress (from the job store) beneath it. */
export function MigrationRunNow({ name, disabled, reason, showProgress = true }: { name: string; disabled?: boolean; reason?: string; showProgress?: boolean }) {
  const [started, setStarted] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const job = useUi((s) => findJob(s.jobs, started, name));
  const running = job?.state === "running";
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setStarted((await api.call("dr.migrations.run", { name })).jobId);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Button variant="secondary" size="sm" onClick={() => void run()} isLoading={busy || running} isDisabled={busy || running || disabled}
        title={disabled ? reason : undefined}>
        {running ? `Running… ${Math.round(job.progress.percent)}%` : "Run now"}
        <span className="pf-v6-screen-reader">{` migration ${name}`}</span>
      </Button>
      <ErrorAlert headingLevel="h3" error={error} title={`${name} could not start`} />
      {showProgress && job && <div style={{ marginTop: 8 }}><JobProgress job={job} /></div>}
      {showProgress && started && !job && <p>Starting…</p>}
    </>
  );
}
