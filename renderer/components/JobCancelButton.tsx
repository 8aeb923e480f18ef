import { Button } from "@patternfly/react-core";
import type { JobView } from "../../shared/api";
import { useAction } from "../useCall";

/** "Cancel" for a running job; the job's own update reports when it stopped. Shows why a cancel failed. */
export function JobCancelButton({ job }: { job: JobView }) {
  const cancel = useAction("jobs.cancel");
  if (job.state !== "running") return null;
  return (
    <>
      <Button variant="secondary" isDanger size="sm" isLoading={cancel.busy} isDisabled={cancel.busy} onClick={() => void cancel.run({ id: job.id })}>
        Cancel
      </Button>
      {cancel.error && <span role="alert" className="lb-inline-error"> Could not cancel: {cancel.error.message}</span>}
    </>
  );
}
