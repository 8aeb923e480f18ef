import {
  Alert, Button, Card, CardBody, CardFooter, CardTitle, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Flex, FlexItem, Label, Title,
} from "@patternfly/react-core";
import type { MigrationView, PairView } from "../../shared/api";
import { formatAge, formatBytes, formatDuration, formatTime } from "../format";
import { DrTopology } from "./DrTopology";
import { MigrationRunNow } from "./MigrationRunNow";
import { RpoLabel } from "./RpoLabel";
import { RpoTimelineChart } from "./RpoTimelineChart";

/** One protected application on the DR dashboard: where it runs, how fresh the copy is, and what to do. */
export function DrMigrationCard({ migration: m, pair, onSwitch }: { migration: MigrationView; pair?: PairView; onSwitch(kind: "failover" | "failback"): void }) {
  const failedRuns = m.history.filter((r) => !r.ok).length;
  return (
    <Card isCompact>
      <CardTitle>
        <Flex alignItems={{ default: "alignItemsCenter" }} gap={{ default: "gapSm" }}>
          <FlexItem><Title headingLevel="h3">{m.name}</Title></FlexItem>
          <FlexItem>
            <RpoLabel lagSeconds={m.lagSeconds} rpoTargetSeconds={m.rpoTargetSeconds} />{" "}
            {m.paused && <Label isCompact status="warning">Paused</Label>}
          </FlexItem>
        </Flex>
        <div style={{ fontWeight: "normal" }}>
          Pair {m.pair} · namespaces {m.namespaces.join(", ")}{m.labelSelector ? ` · selector ${m.labelSelector}` : ""} · policy {m.policy}
        </div>
      </CardTitle>
      <CardBody>
        <DrTopology migration={m} pair={pair} />
        <DescriptionList isCompact isHorizontal columnModifier={{ default: "1Col", lg: "2Col" }} style={{ marginTop: 16 }}>
          <DescriptionListGroup>
            <DescriptionListTerm>Last success</DescriptionListTerm>
            <DescriptionListDescription>
              {m.lastSuccess ? `${formatTime(m.lastSuccess.endedAt)} (${formatAge(m.lastSuccess.endedAt)})` : "None yet"}
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Recovery point (lag)</DescriptionListTerm>
            <DescriptionListDescription>
              {m.lagSeconds !== undefined ? `${formatDuration(m.lagSeconds)} old` : "–"}
              {m.rpoTargetSeconds !== undefined ? `, target ${formatDuration(m.rpoTargetSeconds)} ` : " "}
              <RpoLabel lagSeconds={m.lagSeconds} rpoTargetSeconds={m.rpoTargetSeconds} />
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Moved last run</DescriptionListTerm>
            <DescriptionListDescription>
              {m.lastRun ? `${formatBytes(m.lastRun.bytesNew)} new of ${formatBytes(m.lastRun.bytesRead)} read${m.lastRun.ok ? "" : " (failed)"}` : "–"}
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Next run</DescriptionListTerm>
            <DescriptionListDescription>{m.paused ? "Paused" : m.active === "destination" ? "Stopped: the application runs on the destination" : formatTime(m.nextRunAt)}</DescriptionListDescription>
          </DescriptionListGroup>
        </DescriptionList>
        {m.lastError && (
          <Alert variant="danger" isInline isPlain title="Last run failed" style={{ marginTop: 8 }}>
            <p>{m.lastError}</p>
          </Alert>
        )}
        <div style={{ marginTop: 16 }}>
          <RpoTimelineChart history={m.history} rpoTargetSeconds={m.rpoTargetSeconds} name={m.name} />
          {m.history.length > 0 && (
            <p style={{ fontSize: "0.875rem" }}>
              Each bar is one run: the recovery point's age when it ended; the dashed line is the RPO target.
              {failedRuns ? ` ${failedRuns} failed run${failedRuns === 1 ? " is" : "s are"} drawn in red.` : ""}
            </p>
          )}
        </div>
      </CardBody>
      <CardFooter>
        <Flex gap={{ default: "gapSm" }} alignItems={{ default: "alignItemsFlexStart" }}>
          <FlexItem grow={{ default: "grow" }}>
            <MigrationRunNow name={m.name} disabled={m.active === "destination"} reason="The application runs on the destination: fail back first" />
          </FlexItem>
          <FlexItem>
            <Button variant="warning" size="sm" onClick={() => onSwitch("failover")} isDisabled={m.active !== "source"} aria-label={`Fail over ${m.name}`}>Fail over</Button>{" "}
            <Button variant="secondary" size="sm" onClick={() => onSwitch("failback")} isDisabled={m.active !== "destination"} aria-label={`Fail back ${m.name}`}>Fail back</Button>
          </FlexItem>
        </Flex>
      </CardFooter>
    </Card>
  );
}
