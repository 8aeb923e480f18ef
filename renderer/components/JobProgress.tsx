import { Progress, ProgressMeasureLocation, ProgressVariant } from "@patternfly/react-core";
import type { JobView } from "../../shared/api";
import { formatBytes, formatDuration, formatRate } from "../format";

/** A job's live progress: percent, step, bytes, MB/s and ETA. */
export function JobProgress({ job }: { job: JobView }) {
  const p = job.progress;
  const variant = job.state === "failed" ? ProgressVariant.danger : job.state === "succeeded" ? ProgressVariant.success : job.state === "cancelled" ? ProgressVariant.warning : undefined;
  const facts = [
    p.step + (p.detail ? `: ${p.detail}` : ""),
    p.bytesRead ? `${formatBytes(p.bytesRead)} read, ${formatBytes(p.bytesNew)} new` : "",
    job.state === "running" && p.bytesPerSecond ? formatRate(p.bytesPerSecond) : "",
    job.state === "running" && p.etaSeconds !== undefined ? `ETA ${formatDuration(p.etaSeconds)}` : "",
  ].filter(Boolean).join(" · ");
  return (
    <Progress
      value={Math.round(p.percent)}
      title={job.title}
      aria-label={`${job.title}: ${Math.round(p.percent)}%`}
      measureLocation={ProgressMeasureLocation.outside}
      variant={variant}
      helperText={job.error ?? facts}
      data-job-id={job.id}
      data-job-state={job.state}
    />
  );
}
