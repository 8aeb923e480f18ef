import { Card, CardBody, Flex, FlexItem, Stack, StackItem } from "@patternfly/react-core";
import type { JobView } from "../../shared/api";
import { formatAge } from "../format";
import { JobCancelButton } from "./JobCancelButton";
import { JobProgress } from "./JobProgress";

/** Running and recent jobs as a stack of progress cards, each with "Cancel" while it runs. */
export function JobCards({ jobs, label }: { jobs: JobView[]; label: string }) {
  if (jobs.length === 0) return null;
  return (
    <Stack hasGutter aria-label={label} component="ul" className="lb-plain-list">
      {jobs.map((job) => (
        <StackItem key={job.id} component="li">
          <Card isCompact>
            <CardBody>
              <Flex alignItems={{ default: "alignItemsCenter" }} flexWrap={{ default: "nowrap" }}>
                <FlexItem grow={{ default: "grow" }}>
                  <JobProgress job={job} />
                  {job.warnings.length > 0 && (
                    <p className="lb-subtle">{job.warnings.length} warning{job.warnings.length === 1 ? "" : "s"}: {job.warnings.slice(0, 3).join("; ")}</p>
                  )}
                </FlexItem>
                <FlexItem>
                  {job.state === "running" ? <JobCancelButton job={job} /> : <span className="lb-subtle">ended {formatAge(job.finishedAt)}</span>}
                </FlexItem>
              </Flex>
            </CardBody>
          </Card>
        </StackItem>
      ))}
    </Stack>
  );
}
