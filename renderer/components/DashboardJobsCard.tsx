import { Button, Card, CardBody, CardFooter, CardTitle, Label, List, ListItem, Title } from "@patternfly/react-core";
import type { JobState, JobView } from "../../shared/api";
import { useCall } from "../useCall";
import { useUi } from "../store";
import { formatAge } from "../format";
import { JobProgress } from "./JobProgress";

const STATE: Record<JobState, { text: string; color: "blue" | "green" | "red" | "orange" }> = {
  running: { text: "Running", color: "blue" },
  succeeded: { text: "Succeeded", color: "green" },
  failed: { text: "Failed", color: "red" },
  cancelled: { text: "Cancelled", color: "orange" },
};

/** The most recent jobs: live progress for running ones, the outcome of the others. */
export function DashboardJobsCard() {
  const live = useUi((s) => s.jobs);
  const navigate = useUi((s) => s.navigate);
  const listed = useCall("jobs.list", {}, ["backups", "restores", "dr"]);
  const byId = new Map<string, JobView>();
  for (const j of listed.data ?? []) byId.set(j.id, j);
  for (const j of Object.values(live)) byId.set(j.id, j); // events are newer than the list
  const jobs = [...byId.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  const running = jobs.filter((j) => j.state === "running");
  const recent = [...running, ...jobs.filter((j) => j.state !== "running")].slice(0, Math.max(5, running.length));

  return (
    <Card isFullHeight>
      <CardTitle>
        <Title headingLevel="h2" size="lg">Recent jobs</Title>
      </CardTitle>
      <CardBody>
        {jobs.length === 0 ? (
          <p>No jobs yet. Back up an application to start one: choose it under Applications.</p>
        ) : (
          <List isPlain>
            {recent.map((j) => (
              <ListItem key={j.id}>
                {j.state === "running" ? (
                  <JobProgress job={j} />
                ) : (
                  <>
                    <Label color={STATE[j.state].color} isCompact>{STATE[j.state].text}</Label> {j.title}{" "}
                    <span>· {formatAge(j.finishedAt ?? j.startedAt)}</span>
                    {j.error && <div>{j.error}</div>}
                  </>
                )}
              </ListItem>
            ))}
          </List>
        )}
      </CardBody>
      <CardFooter>
        <Button variant="link" isInline onClick={() => navigate("jobs")}>View all jobs</Button>
      </CardFooter>
    </Card>
  );
}
