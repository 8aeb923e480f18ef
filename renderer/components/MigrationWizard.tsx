import { useState } from "react";
import {
  Alert, Checkbox, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Form, FormGroup, FormSelect, FormSelectOption,
  Modal, Spinner, Switch, TextInput, Wizard, WizardHeader, WizardStep,
} from "@patternfly/react-core";
import type { PairView } from "../../shared/api";
import { useAction, useCall } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";
import { PolicyFieldError } from "./PolicyFieldError";

const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

/** Create a migration schedule: what to replicate over which pair, on which policy (its RPO), and how. */
export function MigrationWizard({ pairs, onClose }: { pairs: PairView[]; onClose(): void }) {
  const policies = useCall("policies.list", {}, ["policies"]);
  const [name, setName] = useState("");
  const [pair, setPair] = useState(pairs.length === 1 ? pairs[0]!.name : "");
  const [namespaces, setNamespaces] = useState<string[]>([]);
  const [labelSelector, setLabelSelector] = useState("");
  const [policy, setPolicy] = useState("");
  const [volumes, setVolumes] = useState(true);
  const [purge, setPurge] = useState(false);
  const create = useAction("dr.migrations.create");
  const source = pairs.find((p) => p.name === pair)?.source;
  const destination = pairs.find((p) => p.name === pair)?.destination;
  const inventory = useCall("inventory.namespaces", source ? { cluster: source } : undefined);
  const nameProblem = name === "" ? undefined : DNS_NAME.test(name) ? undefined : "lowercase letters, digits, '-' and '.'; at most 63 characters";
  const chosenPolicy = policies.data?.find((p) => p.policy.name === policy);

  const submit = async () => {
    const made = await create.run({ name, pair, namespaces, policy, volumes, purge, ...(labelSelector.trim() ? { labelSelector: labelSelector.trim() } : {}) });
    if (made) onClose();
  };
  const toggle = (ns: string, on: boolean) => setNamespaces((list) => (on ? [...list, ns] : list.filter((x) => x !== ns)));

  const header = <WizardHeader title="Create migration schedule" titleId="migration-wizard-title" onClose={onClose} closeButtonAriaLabel="Close the migration wizard" />;
  return (
    <Modal isOpen variant="large" aria-labelledby="migration-wizard-title" onEscapePress={onClose}>
      <Wizard header={header} onClose={onClose} height={560} isVisitRequired navAriaLabel="Migration steps">
        <WizardStep id="migration-pair" name="Pair" footer={{ isNextDisabled: !name || !!nameProblem || !pair }}>
          <Form onSubmit={(e) => e.preventDefault()}>
            <FormGroup label="Name" isRequired fieldId="migration-name">
              <TextInput id="migration-name" value={name} onChange={(_e, v) => setName(v)} isRequired validated={nameProblem ? "error" : "default"} />
              <PolicyFieldError error={nameProblem} hint="Lowercase letters, digits, '-' and '.'. Replicated objects carry the label lifeboat.io/migration=<name>." />
            </FormGroup>
            <FormGroup label="Cluster pair" isRequired fieldId="migration-pair-select">
              <FormSelect id="migration-pair-select" value={pair} onChange={(_e, v) => { setPair(v); setNamespaces([]); }}>
                <FormSelectOption value="" label="Choose a cluster pair" isPlaceholder />
                {pairs.map((p) => <FormSelectOption key={p.name} value={p.name} label={`${p.name} (${p.source} → ${p.destination} via ${p.location})`} />)}
              </FormSelect>
              {pairs.length === 0 && <PolicyFieldError error="create a cluster pair first" />}
            </FormGroup>
          </Form>
        </WizardStep>
        <WizardStep id="migration-scope" name="Application" footer={{ isNextDisabled: namespaces.length === 0 }}>
          <Form onSubmit={(e) => e.preventDefault()}>
            <FormGroup role="group" label={`Namespaces on ${source ?? "the source"}`} isRequired fieldId="migration-namespaces">
              {inventory.loading && <Spinner size="md" aria-label="Loading namespaces" />}
              <ErrorAlert headingLevel="h3" error={inventory.error} title={`The namespaces of ${source ?? "the source"} could not be listed`} />
              {(inventory.data ?? []).map((ns) => (
                <Checkbox key={ns.name} id={`migration-ns-${ns.name}`} label={ns.name} isChecked={namespaces.includes(ns.name)} onChange={(_e, on) => toggle(ns.name, on)} />
              ))}
              <PolicyFieldError error={inventory.data && namespaces.length === 0 ? "choose at least one namespace" : undefined} />
            </FormGroup>
            <FormGroup label="Label selector" fieldId="migration-selector">
              <TextInput id="migration-selector" className="lb-mono" value={labelSelector} onChange={(_e, v) => setLabelSelector(v)} placeholder="app=shop" />
              <PolicyFieldError hint="Optional: only objects with these labels, in kubectl syntax." />
            </FormGroup>
          </Form>
        </WizardStep>
        <WizardStep id="migration-policy" name="Schedule" footer={{ isNextDisabled: !policy }}>
          <Form onSubmit={(e) => e.preventDefault()}>
            <ErrorAlert headingLevel="h3" error={policies.error} title="The policies could not be loaded" />
            <FormGroup label="Schedule policy" isRequired fieldId="migration-policy-select">
              <FormSelect id="migration-policy-select" value={policy} onChange={(_e, v) => setPolicy(v)}>
                <FormSelectOption value="" label="Choose a schedule policy" isPlaceholder />
                {(policies.data ?? []).map((p) => <FormSelectOption key={p.policy.name} value={p.policy.name} label={`${p.policy.name}: ${p.description}`} />)}
              </FormSelect>
              <PolicyFieldError hint="How often the application is copied: the policy's period is the RPO target. Create policies under Rules and schedules." />
            </FormGroup>
            <FormGroup fieldId="migration-volumes" label="Volume data">
              <Switch id="migration-volumes" label="Replicate volume data" isChecked={volumes} onChange={(_e, on) => setVolumes(on)} />
            </FormGroup>
            <FormGroup fieldId="migration-purge" label="Deleted objects">
              <Switch id="migration-purge" label="Remove objects deleted on the source (purge)" isChecked={purge} onChange={(_e, on) => setPurge(on)} />
            </FormGroup>
          </Form>
        </WizardStep>
        <WizardStep id="migration-review" name="Review" footer={{ nextButtonText: "Create migration schedule", onNext: () => void submit(), isNextDisabled: create.busy || !name || !!nameProblem || !pair || !policy || namespaces.length === 0 }}>
          <DescriptionList isHorizontal isCompact>
            <DescriptionListGroup><DescriptionListTerm>Name</DescriptionListTerm><DescriptionListDescription>{name}</DescriptionListDescription></DescriptionListGroup>
            <DescriptionListGroup><DescriptionListTerm>Cluster pair</DescriptionListTerm><DescriptionListDescription>{pair} ({source} → {destination})</DescriptionListDescription></DescriptionListGroup>
            <DescriptionListGroup><DescriptionListTerm>Namespaces</DescriptionListTerm><DescriptionListDescription>{namespaces.join(", ") || "–"}</DescriptionListDescription></DescriptionListGroup>
            <DescriptionListGroup><DescriptionListTerm>Label selector</DescriptionListTerm><DescriptionListDescription>{labelSelector || "None"}</DescriptionListDescription></DescriptionListGroup>
            <DescriptionListGroup><DescriptionListTerm>Schedule policy (RPO)</DescriptionListTerm><DescriptionListDescription>{chosenPolicy ? `${policy}: ${chosenPolicy.description}` : policy}</DescriptionListDescription></DescriptionListGroup>
            <DescriptionListGroup><DescriptionListTerm>Volume data</DescriptionListTerm><DescriptionListDescription>{volumes ? "Replicated" : "Not replicated (objects only)"}</DescriptionListDescription></DescriptionListGroup>
            <DescriptionListGroup><DescriptionListTerm>Purge</DescriptionListTerm><DescriptionListDescription>{purge ? "Objects deleted on the source are removed from the destination" : "Off"}</DescriptionListDescription></DescriptionListGroup>
          </DescriptionList>
          <Alert variant="info" isInline isPlain component="h3" title="What a run does" style={{ marginTop: 16 }}>
            <p>
              Each run backs the application up incrementally into the pair's location and applies it on {destination ?? "the destination"} with
              its workloads switched off (0 replicas, CronJobs suspended), ready for a failover.
            </p>
          </Alert>
          <ErrorAlert headingLevel="h3" error={create.error} title="The migration schedule was not created" />
        </WizardStep>
      </Wizard>
    </Modal>
  );
}
