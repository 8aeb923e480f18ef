import { useState } from "react";
import {
  Alert, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Form, FormGroup, FormSelect, FormSelectOption,
  Modal, TextInput, Wizard, WizardHeader, WizardStep,
} from "@patternfly/react-core";
import type { PairView } from "../../shared/api";
import { useAction, useCall } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";
import { PairStatusLabel } from "./PairStatusLabel";
import { PolicyFieldError } from "./PolicyFieldError";

const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;
const suggest = (a: string, b: string) => `${a}-to-${b}`.toLowerCase().replace(/[^-a-z0-9.]+/g, "-").replace(/^[-.]+|[-.]+$/g, "").slice(0, 63);

/** Create a cluster pair: source, destination, the location the data travels through, then the pair's status. */
export function PairWizard({ onClose }: { onClose(): void }) {
  const clusters = useCall("clusters.list", {}, ["clusters"]);
  const locations = useCall("locations.list", {}, ["locations"]);
  const [source, setSource] = useState("");
  const [destination, setDestination] = useState("");
  const [location, setLocation] = useState("");
  const [name, setName] = useState("");
  const [nameTouched, setNameTouched] = useState(false);
  const [created, setCreated] = useState<PairView>();
  const create = useAction("dr.pairs.create");
  const clusterNames = (clusters.data ?? []).map((c) => c.name);
  const pairName = nameTouched ? name : source && destination ? suggest(source, destination) : name;
  const sameCluster = source !== "" && source === destination;
  const nameProblem = DNS_NAME.test(pairName) ? undefined : "lowercase letters, digits, '-' and '.'; at most 63 characters";

  const submit = async () => {
    const pair = await create.run({ name: pairName, source, destination, location });
    if (pair) setCreated(pair);
  };

  const header = <WizardHeader title="Create cluster pair" titleId="pair-wizard-title" onClose={onClose} closeButtonAriaLabel="Close the cluster pair wizard" />;
  return (
    <Modal isOpen variant="large" aria-labelledby="pair-wizard-title" onEscapePress={onClose}>
      <Wizard header={header} onClose={onClose} height={520} isVisitRequired navAriaLabel="Cluster pair steps">
        <WizardStep id="pair-source" name="Source" footer={{ isNextDisabled: !source }}>
          <Form onSubmit={(e) => e.preventDefault()}>
            <ErrorAlert headingLevel="h3" error={clusters.error} title="The clusters could not be loaded" />
            <FormGroup label="Source cluster" isRequired fieldId="pair-source-cluster">
              <FormSelect id="pair-source-cluster" value={source} onChange={(_e, v) => setSource(v)}>
                <FormSelectOption value="" label="Choose the cluster the application runs on" isPlaceholder />
                {clusterNames.map((c) => <FormSelectOption key={c} value={c} label={c} />)}
              </FormSelect>
              <PolicyFieldError hint="Where the application runs today. Migrations copy it from here." />
            </FormGroup>
            {clusters.data && clusterNames.length < 2 && (
              <Alert variant="warning" isInline component="h3" title="A pair needs two clusters">Add another cluster on the Clusters screen first.</Alert>
            )}
          </Form>
        </WizardStep>
        <WizardStep id="pair-destination" name="Destination" footer={{ isNextDisabled: !destination || sameCluster }}>
          <Form onSubmit={(e) => e.preventDefault()}>
            <FormGroup label="Destination cluster" isRequired fieldId="pair-destination-cluster">
              <FormSelect id="pair-destination-cluster" value={destination} onChange={(_e, v) => setDestination(v)} validated={sameCluster ? "error" : "default"}>
                <FormSelectOption value="" label="Choose the cluster to recover on" isPlaceholder />
                {clusterNames.map((c) => <FormSelectOption key={c} value={c} label={c} isDisabled={c === source} />)}
              </FormSelect>
              <PolicyFieldError error={sameCluster ? "the destination must differ from the source" : undefined} hint="Where the application is copied to, switched off, ready for a failover." />
            </FormGroup>
          </Form>
        </WizardStep>
        <WizardStep id="pair-location" name="Object store" footer={{ isNextDisabled: !location }}>
          <Form onSubmit={(e) => e.preventDefault()}>
            <ErrorAlert headingLevel="h3" error={locations.error} title="The locations could not be loaded" />
            <FormGroup label="Location" isRequired fieldId="pair-location-select">
              <FormSelect id="pair-location-select" value={location} onChange={(_e, v) => setLocation(v)}>
                <FormSelectOption value="" label="Choose a backup location" isPlaceholder />
                {(locations.data ?? []).map((l) => <FormSelectOption key={l.name} value={l.name} label={`${l.name} (${l.kind}: ${l.address})`} />)}
              </FormSelect>
              <PolicyFieldError hint="Both clusters' data travels through this location. Its bucket or container is created when missing (a folder never is)." />
            </FormGroup>
          </Form>
        </WizardStep>
        <WizardStep
          id="pair-review"
          name="Review"
          footer={created
            ? { nextButtonText: "Close", onNext: onClose, isBackHidden: true, isCancelHidden: true }
            : { nextButtonText: "Create cluster pair", onNext: () => void submit(), isNextDisabled: create.busy || !!nameProblem || sameCluster || !source || !destination || !location }}
        >
          {!created && (
            <Form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
              <FormGroup label="Name" isRequired fieldId="pair-name">
                <TextInput id="pair-name" value={pairName} onChange={(_e, v) => { setNameTouched(true); setName(v); }} validated={nameProblem ? "error" : "default"} isRequired />
                <PolicyFieldError error={nameProblem} />
              </FormGroup>
              <DescriptionList isHorizontal isCompact>
                <DescriptionListGroup><DescriptionListTerm>Source cluster</DescriptionListTerm><DescriptionListDescription>{source || "–"}</DescriptionListDescription></DescriptionListGroup>
                <DescriptionListGroup><DescriptionListTerm>Destination cluster</DescriptionListTerm><DescriptionListDescription>{destination || "–"}</DescriptionListDescription></DescriptionListGroup>
                <DescriptionListGroup><DescriptionListTerm>Location</DescriptionListTerm><DescriptionListDescription>{location || "–"}</DescriptionListDescription></DescriptionListGroup>
              </DescriptionList>
              <p>Creating the pair checks that both clusters can be reached with the access migrations need, and that the location works.</p>
              <ErrorAlert headingLevel="h3" error={create.error} title="The cluster pair was not created" />
            </Form>
          )}
          {created && (
            <>
              <Alert
                component="h3"
                variant={created.status?.scheduler.status === "Ready" && created.status.storage.status === "Ready" ? "success" : "warning"}
                isInline
                title={`Cluster pair ${created.name} created`}
              >
                {created.status?.storage.created && <p>The bucket or container was created in {created.location}.</p>}
                {(created.status?.scheduler.status === "Error" || created.status?.storage.status === "Error") && (
                  <p>Fix what the status below reports, then use Check on the Cluster pairs tab: migrations need both Ready.</p>
                )}
                {!created.status && <p>The pair has not been checked yet: use Check on the Cluster pairs tab.</p>}
              </Alert>
              <DescriptionList isHorizontal isCompact style={{ marginTop: 16 }}>
                <DescriptionListGroup><DescriptionListTerm>Scheduler status</DescriptionListTerm><DescriptionListDescription><PairStatusLabel status={created.status?.scheduler} /></DescriptionListDescription></DescriptionListGroup>
                <DescriptionListGroup><DescriptionListTerm>Storage status</DescriptionListTerm><DescriptionListDescription><PairStatusLabel status={created.status?.storage} /></DescriptionListDescription></DescriptionListGroup>
              </DescriptionList>
            </>
          )}
        </WizardStep>
      </Wizard>
    </Modal>
  );
}
