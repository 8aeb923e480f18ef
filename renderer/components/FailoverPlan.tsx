import { ProgressStep, ProgressStepper } from "@patternfly/react-core";
import type { JobView } from "../../shared/api";
import type { PlannedStep } from "./DrSteps";

/** The failover / failback steps, explained; while a job runs, the current step (from its progress) is marked. */
export function FailoverPlan({ steps, job, label }: { steps: PlannedStep[]; job?: JobView; label: string }) {
  const current = job ? steps.findIndex((s) => {
    const step = job.progress.step.toLowerCase();
    return step === s.name || step.includes(s.name) || step.includes(s.title.toLowerCase());
  }) : -1;
  return (
    <ProgressStepper isVertical aria-label={label}>
      {steps.map((s, i) => {
        let variant: "pending" | "info" | "success" | "danger" = "pending";
        let state = job ? "Waiting" : `Step ${i + 1}`;
        if (job && current >= 0) {
          if (i < current || (i === current && job.state === "succeeded")) [variant, state] = ["success", "Finished"];
          else if (i === current) [variant, state] = job.state === "failed" ? ["danger", "Failed"] : ["info", "In progress"];
        }
        if (job?.state === "succeeded") [variant, state] = ["success", "Finished"];
        return (
          <ProgressStep
            key={s.name}
            id={`failover-step-${s.name}`}
            titleId={`failover-step-${s.name}-title`}
            variant={variant}
            isCurrent={i === current && job?.state === "running"}
            description={<>{state}: {s.detail}{i === current && job?.progress.detail ? <><br />Now: {job.progress.detail}</> : null}</>}
          >
            {s.title}
          </ProgressStep>
        );
      })}
    </ProgressStepper>
  );
}
