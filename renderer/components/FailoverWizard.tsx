import { useEffect, useState } from "react";
import {
  Alert, Button, Checkbox, Form, FormGroup, FormSelect, FormSelectOption, Modal, ModalBody, ModalFooter, ModalHeader, Radio, Spinner, Title,
} from "@patternfly/react-core";
import type { MigrationView, PairView } from "../../shared/api";
import { api } from "../api";
import { formatAge, formatDuration, formatTime } from "../format";
import { useUi } from "../store";
import { useCall } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";
import { FailoverPlan } from "./FailoverPlan";
import { FailoverResult } from "./FailoverResult";
import { JobProgress } from "./JobProgress";
import { newestSwitchover, plannedSteps, type SwitchKind } from "./DrSteps";
import { PolicyFieldError } from "./PolicyFieldError";

const KINDS: Array<{ kind: SwitchKind; label: string; help: string }> = [
  { kind: "failover", label: "Failover (planned: the source is reachable)", help: "The source is switched off first and synced one last time, so nothing is lost." },
  { kind: "unplanned", label: "Failover, unplanned (the source is down)", help: "The destination starts from its last recovery point; changes made after it are lost." },
  { kind: "failback", label: "Failback (return to the original source)", help: "The destination's state is synced back, then the application moves back to the source." },
];

/** Guided failover / failback: choose, read what will happen, confirm, then follow the job to the measured RTO. */
export function FailoverWizard({ migrations, pairs, initial, onClose }: {
  migrations: MigrationView[];
  pairs: PairView[];
  initial?: { migration?: string; kind?: "failover" | "failback" };
  onClose(): void;
}) {
  const [name, setName] = useState(initial?.migration ?? migrations[0]?.name ?? "");
  const migration = migrations.find((m) => m.name === name);
  const [kind, setKind] = useState<SwitchKind>(initial?.kind ?? (migration?.active === "destination" ? "failback" : "failover"));
  const [confirmed, setConfirmed] = useState(false);
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<Error>();
  const [jobId, setJobId] = useState<string>();
  const job = useUi((s) => (jobId ? s.jobs[jobId] : undefined));
  const done = job !== undefined && job.state !== "running";
  const switchovers = useCall("dr.switchovers.list", jobId ? {} : undefined, ["dr"]);
  const reloadSwitchovers = switchovers.reload;
  const step = job?.progress.step;
  useEffect(() => {
    if (jobId) reloadSwitchovers();
  }, [jobId, step, done, reloadSwitchovers]);

  const pair = pairs.find((p) => p.name === migration?.pair);
  const source = pair?.source ?? "the source cluster";
  const destination = pair?.destination ?? "the destination cluster";
  const back = kind === "failback";
  const target = back ? source : destination;
  const wrongSide = migration && (back ? migration.active !== "destination" : migration.active !== "source");
  const steps = plannedSteps(kind, source, destination);
  const result = done && migration ? newestSwitchover(switchovers.data, migration.name, job.resultRef) : undefined;
  const verb = back ? "failback" : "failover";
  const title = back ? "Fail back" : "Fail over";

  const start = async () => {
    if (!migration) return;
    setStarting(true);
    setStartError(undefined);
    try {
      const res = back
        ? await api.call("dr.failback", { migration: migration.name, confirm: true })
        : await api.call("dr.failover", { migration: migration.name, confirm: true, unplanned: kind === "unplanned" });
      setJobId(res.jobId);
    } catch (err) {
      setStartError(err as Error);
    } finally {
      setStarting(false);
    }
  };

  return (
    <Modal isOpen variant="large" onClose={onClose} aria-labelledby="failover-title">
      <ModalHeader>
        <Title headingLevel="h2" id="failover-title">{migration ? `${title}: ${migration.name}` : title}</Title>
      </ModalHeader>
      <ModalBody>
        {!jobId && (
          <Form onSubmit={(e) => { e.preventDefault(); if (confirmed && !wrongSide) void start(); }}>
            <FormGroup label="Migration" isRequired fieldId="failover-migration">
              <FormSelect id="failover-migration" value={name} onChange={(_e, v) => {
                setName(v);
                setConfirmed(false);
                const m = migrations.find((x) => x.name === v);
                if (m) setKind(m.active === "destination" ? "failback" : "failover");
              }}>
                {migrations.map((m) => <FormSelectOption key={m.name} value={m.name} label={`${m.name} (active on the ${m.active})`} />)}
              </FormSelect>
              {migration && pair && <PolicyFieldError hint={`${pair.source} → ${pair.destination}; the application is active on ${migration.active === "source" ? pair.source : pair.destination}.`} />}
            </FormGroup>
            <FormGroup role="radiogroup" label="What to do" isRequired fieldId="failover-kind">
              {KINDS.map((k) => {
                const unavailable = migration && (k.kind === "failback" ? migration.active !== "destination" : migration.active !== "source");
                return (
                  <Radio key={k.kind} id={`failover-kind-${k.kind}`} name="failover-kind" label={k.label} isChecked={kind === k.kind}
                    isDisabled={unavailable} onChange={() => { setKind(k.kind); setConfirmed(false); }}
                    description={unavailable ? `Not available: the application is active on the ${migration.active}.` : k.help} />
                );
              })}
            </FormGroup>
            {migration && !back && (
              <Alert variant={migration.lastSuccess ? "info" : "warning"} isInline isPlain component="h3"
                title={migration.lastSuccess ? `The destination's recovery point was captured ${formatAge(migration.lastSuccess.capturedAt)}` : "The destination has no recovery point yet"}>
                {migration.lastSuccess && <p>Captured {formatTime(migration.lastSuccess.capturedAt)}; lag {formatDuration(migration.lagSeconds)}{migration.rpoTargetSeconds !== undefined ? `, RPO target ${formatDuration(migration.rpoTargetSeconds)}` : ""}.</p>}
              </Alert>
            )}
            <Title headingLevel="h3">What will happen</Title>
            <FailoverPlan steps={steps} label={`Steps of the ${verb}`} />
            <Checkbox id="failover-confirm" isRequired isChecked={confirmed} onChange={(_e, on) => setConfirmed(on)} isDisabled={!migration || !!wrongSide}
              label={`I understand that the application will move to ${target}`} />
            <ErrorAlert headingLevel="h3" error={startError} title={`The ${verb} could not start`} />
          </Form>
        )}
        {jobId && (
          <>
            <Title headingLevel="h3">{done ? "Result" : "Progress"}</Title>
            {job ? <JobProgress job={job} /> : <p><Spinner size="md" aria-label="Starting" /> Starting the {verb}…</p>}
            {!done && <FailoverPlan steps={steps} job={job} label={`Progress of the ${verb}`} />}
            {!done && <p>You can close this window: the {verb} continues, and its result appears under Failover history.</p>}
            {done && result && <div style={{ marginTop: 16 }}><FailoverResult switchover={result} /></div>}
            {done && !result && (switchovers.loading ? <Spinner size="md" aria-label="Loading the result" /> : <ErrorAlert headingLevel="h3" error={switchovers.error} title="The result could not be loaded" />)}
          </>
        )}
      </ModalBody>
      <ModalFooter>
        {!jobId && (
          <Button variant={back ? "primary" : "danger"} onClick={() => void start()} isDisabled={!confirmed || !migration || !!wrongSide || starting} isLoading={starting}>
            {back ? "Start failback" : "Start failover"}
          </Button>
        )}
        <Button variant={jobId ? "primary" : "link"} onClick={onClose}>{jobId ? "Done" : "Cancel"}</Button>
      </ModalFooter>
    </Modal>
  );
}
