import { useState } from "react";
import { Button, EmptyState, EmptyStateBody, Flex, FlexItem, Label, Spinner, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { MigrationView, PairView } from "../../shared/api";
import { api } from "../api";
import { formatAge, formatDuration, formatTime } from "../format";
import { ErrorAlert } from "./ErrorAlert";
import { ConfirmModal } from "./ConfirmModal";
import { MigrationRunNow } from "./MigrationRunNow";
import { MigrationWizard } from "./MigrationWizard";
import { RpoLabel } from "./RpoLabel";

/** The "Migrations" tab: every migration schedule with its state and actions. */
export function MigrationTable({ migrations, pairs, loading, error, reload }: { migrations?: MigrationView[]; pairs: PairView[]; loading: boolean; error?: Error; reload(): void }) {
  const [creating, setCreating] = useState(false);
  const [removing, setRemoving] = useState<string>();
  const [pausing, setPausing] = useState<string>();
  const [actionError, setActionError] = useState<Error>();
  const rows = migrations ?? [];
  const pause = async (m: MigrationView) => {
    setPausing(m.name);
    setActionError(undefined);
    try {
      await api.call("dr.migrations.pause", { name: m.name, paused: !m.paused });
      reload();
    } catch (err) {
      setActionError(err as Error);
    } finally {
      setPausing(undefined);
    }
  };
  return (
    <>
      <Flex justifyContent={{ default: "justifyContentSpaceBetween" }} alignItems={{ default: "alignItemsCenter" }}>
        <FlexItem>
          <Title headingLevel="h2">Migrations</Title>
          <p>Applications copied from a pair's source to its destination on a schedule policy.</p>
        </FlexItem>
        <FlexItem><Button variant="primary" onClick={() => setCreating(true)}>Create migration schedule</Button></FlexItem>
      </Flex>
      <ErrorAlert headingLevel="h3" error={error} title="The migrations could not be loaded" />
      <ErrorAlert headingLevel="h3" error={actionError} title="The migration was not changed" />
      {loading && !migrations && <Spinner size="lg" aria-label="Loading migrations" />}
      {migrations && rows.length === 0 && (
        <EmptyState titleText="No migration schedules" headingLevel="h3">
          <EmptyStateBody>Create one to replicate an application over a cluster pair.</EmptyStateBody>
        </EmptyState>
      )}
      {rows.length > 0 && (
        <Table aria-label="Migrations" variant="compact">
          <Thead>
            <Tr>
              <Th>Name</Th>
              <Th>Pair</Th>
              <Th>Namespaces</Th>
              <Th>Policy (RPO)</Th>
              <Th>Active side</Th>
              <Th>Last success</Th>
              <Th>Lag</Th>
              <Th>Last error</Th>
              <Th>Paused</Th>
              <Th screenReaderText="Actions" />
            </Tr>
          </Thead>
          <Tbody>
            {rows.map((m) => (
              <Tr key={m.name}>
                <Td dataLabel="Name">{m.name}</Td>
                <Td dataLabel="Pair">{m.pair}</Td>
                <Td dataLabel="Namespaces">{m.namespaces.join(", ")}{m.labelSelector && <div className="lb-mono">{m.labelSelector}</div>}</Td>
                <Td dataLabel="Policy (RPO)">{m.policy}{m.rpoTargetSeconds !== undefined && ` (${formatDuration(m.rpoTargetSeconds)})`}</Td>
                <Td dataLabel="Active side">
                  <Label isCompact status={m.active === "source" ? "success" : "warning"}>{m.active === "source" ? "Source" : "Destination"}</Label>
                </Td>
                <Td dataLabel="Last success">{m.lastSuccess ? <span title={formatTime(m.lastSuccess.endedAt)}>{formatAge(m.lastSuccess.endedAt)}</span> : "Never"}</Td>
                <Td dataLabel="Lag">
                  {formatDuration(m.lagSeconds)} <RpoLabel lagSeconds={m.lagSeconds} rpoTargetSeconds={m.rpoTargetSeconds} />
                </Td>
                <Td dataLabel="Last error">{m.lastError ?? "–"}</Td>
                <Td dataLabel="Paused">{m.paused ? <Label isCompact status="warning">Paused</Label> : "No"}</Td>
                <Td dataLabel="Actions" isActionCell>
                  <Flex gap={{ default: "gapSm" }} flexWrap={{ default: "nowrap" }} alignItems={{ default: "alignItemsFlexStart" }}>
                    <FlexItem><MigrationRunNow name={m.name} disabled={m.active === "destination"} reason="The application runs on the destination" showProgress={false} /></FlexItem>
                    <FlexItem>
                      <Button variant="secondary" size="sm" onClick={() => void pause(m)} isLoading={pausing === m.name} isDisabled={pausing === m.name} aria-label={`${m.paused ? "Resume" : "Pause"} migration ${m.name}`}>
                        {m.paused ? "Resume" : "Pause"}
                      </Button>
                    </FlexItem>
                    <FlexItem>
                      <Button variant="secondary" isDanger size="sm" onClick={() => setRemoving(m.name)} aria-label={`Delete migration ${m.name}`}>Delete</Button>
                    </FlexItem>
                  </Flex>
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      )}
      {creating && <MigrationWizard pairs={pairs} onClose={() => { setCreating(false); reload(); }} />}
      {removing && (
        <ConfirmModal title={`Delete migration ${removing}?`} onConfirm={async () => { await api.call("dr.migrations.remove", { name: removing }); reload(); }} onClose={() => setRemoving(undefined)}>
          <p>The schedule stops. What it already copied to the destination stays there, switched off.</p>
        </ConfirmModal>
      )}
    </>
  );
}
