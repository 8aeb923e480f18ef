import { useState } from "react";
import {
  Alert, Button, Checkbox, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Form, FormGroup, FormHelperText,
  HelperText, HelperTextItem, Modal, ModalBody, ModalFooter, ModalHeader, Radio, Spinner, Stack, StackItem, TextInput, Title, Wizard, WizardHeader, WizardStep,
} from "@patternfly/react-core";
import type { CallResponse, ValidationView } from "../../shared/api";
import { useAction } from "../useCall";
import { ConnectionError } from "./ConnectionError";
import { LocationValidation } from "./LocationValidation";
import { buildLocationConfig, effectivePathStyle, emptyLocationForm, engineKind, isS3, LOCATION_TYPES, missingConnectionFields, type LocationForm } from "./LocationForm";
import { LocationConnectionFields } from "./LocationConnectionFields";

/** Adds a backup location: its type and name, connection and credentials, the encryption password, then a review; the engine validates it with a write/read/list/delete round trip before saving it. */
export function AddLocationWizard({ onClose }: { onClose(): void }) {
  const [form, setForm] = useState<LocationForm>(emptyLocationForm);
  const set = (patch: Partial<LocationForm>) => setForm((f) => ({ ...f, ...patch }));
  const add = useAction("locations.add");
  const [failed, setFailed] = useState<ValidationView>();
  const [added, setAdded] = useState<CallResponse<"locations.add">>();

  const typeInfo = LOCATION_TYPES.find((t) => t.type === form.type)!;
  const nameOk = form.name.trim().length > 0 && form.name.trim().length <= 63;
  const missing = missingConnectionFields(form);
  const passwordsMatch = form.password === form.confirm;
  const passwordOk = form.password.length > 0 && passwordsMatch;
  const kind = engineKind(form.type);
  const config = buildLocationConfig(form);
  const container = kind === "azure" ? "container" : kind === "folder" ? "folder" : "bucket";

  async function save() {
    if (!nameOk || missing.length > 0 || !passwordOk) return;
    setFailed(undefined);
    const result = await add.run({ name: form.name.trim(), config, password: form.password, createContainer: form.createContainer });
    if (!result) return;
    if (result.validation.ok) setAdded(result);
    else setFailed(result.validation);
  }

  if (added) {
    return (
      <Modal isOpen variant="large" aria-labelledby="add-location-done-title" onClose={onClose}>
        <ModalHeader>
          <Title headingLevel="h2" id="add-location-done-title">Location {added.location.name} added</Title>
        </ModalHeader>
        <ModalBody>
          <Stack hasGutter>
            <StackItem>
              <Alert component="h3" variant="success" isInline title={`${added.location.address} is ready for backups`}>
                {added.created ? `Lifeboat created the ${container} and a new encrypted repository.` : "Lifeboat checked it can write, read, list and delete there."}
                {" "}Repository {added.location.repositoryId.slice(0, 8)}.
              </Alert>
            </StackItem>
            <StackItem>
              <LocationValidation validation={added.validation} />
            </StackItem>
          </Stack>
        </ModalBody>
        <ModalFooter>
          <Button variant="primary" onClick={onClose}>Done</Button>
        </ModalFooter>
      </Modal>
    );
  }

  const row = (term: string, value: string) => (
    <DescriptionListGroup key={term}>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription>{value}</DescriptionListDescription>
    </DescriptionListGroup>
  );
  // The review shows what was entered, never a secret: secrets read "set".
  const summary: Array<[string, string]> = [["Name", form.name.trim()], ["Type", typeInfo.label]];
  if (isS3(form.type)) {
    summary.push(["Endpoint", form.endpoint.trim() || "AWS default"], ["Region", form.region], ["Bucket", form.bucket], ["Prefix", form.prefix || "–"], ["Access key ID", form.accessKeyId], ["Secret access key", form.secretAccessKey ? "set" : "not set"], ["Path-style addressing", effectivePathStyle(form) ? "yes" : "no"], ["TLS verification", form.insecureSkipTlsVerify ? "skipped" : form.caBundle.trim() ? "with the given CA" : "yes"]);
  } else if (form.type === "azure") {
    summary.push(["Authentication", form.azureAuth === "account-key" ? `Account key of ${form.accountName}` : form.azureAuth === "sas" ? `SAS token for ${form.azureEndpoint}` : "Connection string"], ["Container", form.container], ["Prefix", form.prefix || "–"]);
  } else if (form.type === "gcs") {
    summary.push(["Access key ID", form.hmacAccessId], ["Secret", form.hmacSecret ? "set" : "not set"], ["Bucket", form.bucket], ["Prefix", form.prefix || "–"]);
  } else {
    summary.push(["Folder path", form.path]);
  }
  summary.push([`Create the ${container}`, form.createContainer ? "if it does not exist" : "no"], ["Encryption password", form.password ? "set" : "not set"]);

  return (
    <Modal isOpen variant="large" aria-labelledby="add-location-title" onEscapePress={onClose}>
      <Wizard
        height={640}
        header={<WizardHeader title="Add a backup location" titleId="add-location-title" onClose={onClose} closeButtonAriaLabel="Close" />}
        onClose={onClose}
        onSave={save}
        onStepChange={() => { add.clear(); setFailed(undefined); }}
        navAriaLabel="Add location steps"
      >
        <WizardStep id="type" name="Type" footer={{ isNextDisabled: !nameOk }}>
          <Form onSubmit={(e) => e.preventDefault()}>
            <FormGroup role="radiogroup" isStack fieldId="loc-type" label="Type of storage">
              {LOCATION_TYPES.map((t) => (
                <Radio key={t.type} id={`loc-type-${t.type}`} name="loc-type" label={t.label} description={t.description} isChecked={form.type === t.type} onChange={() => set({ type: t.type })} />
              ))}
            </FormGroup>
            <FormGroup label="Name" fieldId="loc-name">
              <TextInput id="loc-name" isRequired value={form.name} onChange={(_e, name) => set({ name })} />
              <FormHelperText>
                <HelperText>
                  <HelperTextItem variant={form.name.trim().length > 63 ? "error" : "default"}>How backups and schedules refer to this location (at most 63 characters).</HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
          </Form>
        </WizardStep>
        <WizardStep id="connection" name="Connection" footer={{ isNextDisabled: missing.length > 0 }}>
          <Form onSubmit={(e) => e.preventDefault()}>
            <Title headingLevel="h3">{typeInfo.label}</Title>
            <LocationConnectionFields form={form} set={set} />
            <Checkbox
              id="loc-create"
              label="Create the bucket if it does not exist"
              description={kind === "azure" ? "Creates the container in the storage account." : kind === "folder" ? "Creates the folder." : "Creates the bucket with these credentials."}
              isChecked={form.createContainer}
              onChange={(_e, createContainer) => set({ createContainer })}
            />
            {missing.length > 0 && (
              <HelperText>
                <HelperTextItem>Still required: {missing.join(", ")}.</HelperTextItem>
              </HelperText>
            )}
          </Form>
        </WizardStep>
        <WizardStep id="encryption" name="Encryption" footer={{ isNextDisabled: !passwordOk }}>
          <Form onSubmit={(e) => e.preventDefault()}>
            <Alert component="h3" variant="info" isInline title="Keep this password safe">
              Backups in this location are encrypted with it. It cannot be recovered: without it, nobody — not even Lifeboat — can restore these backups.
              If the location already holds a Lifeboat repository, enter that repository's password.
            </Alert>
            <FormGroup label="Encryption password" fieldId="loc-password">
              <TextInput id="loc-password" type="password" isRequired value={form.password} onChange={(_e, password) => set({ password })} autoComplete="new-password" />
            </FormGroup>
            <FormGroup label="Confirm password" fieldId="loc-confirm">
              <TextInput id="loc-confirm" type="password" isRequired value={form.confirm} onChange={(_e, confirm) => set({ confirm })} autoComplete="new-password" validated={form.confirm && !passwordsMatch ? "error" : "default"} />
              {form.confirm && !passwordsMatch && (
                <FormHelperText>
                  <HelperText>
                    <HelperTextItem variant="error">The passwords do not match.</HelperTextItem>
                  </HelperText>
                </FormHelperText>
              )}
            </FormGroup>
          </Form>
        </WizardStep>
        <WizardStep id="review" name="Review" footer={{ nextButtonText: "Add location", isNextDisabled: add.busy || !nameOk || missing.length > 0 || !passwordOk }}>
          <Stack hasGutter>
            <StackItem>
              <Title headingLevel="h3">Review</Title>
            </StackItem>
            {add.error && (
              <StackItem>
                <ConnectionError error={add.error} title="The location was not added" />
              </StackItem>
            )}
            {failed && (
              <StackItem>
                <LocationValidation validation={failed} />
              </StackItem>
            )}
            <StackItem>
              <DescriptionList isHorizontal isCompact>{summary.map(([t, v]) => row(t, v))}</DescriptionList>
            </StackItem>
            <StackItem>
              <p>Lifeboat writes, reads, lists and deletes a test object there before it saves the location.</p>
            </StackItem>
            {add.busy && (
              <StackItem>
                <Spinner size="md" aria-label="Validating the location" />
              </StackItem>
            )}
          </Stack>
        </WizardStep>
      </Wizard>
    </Modal>
  );
}
