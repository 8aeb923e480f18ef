import { useEffect, useMemo, useState } from "react";
import {
  Alert, Button, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Form, FormGroup, FormHelperText,
  FormSelect, FormSelectOption, HelperText, HelperTextItem, Modal, ModalBody, ModalFooter, ModalHeader, Radio, Spinner, Stack, StackItem, TextArea, TextInput, Title,
  Wizard, WizardHeader, WizardStep,
} from "@patternfly/react-core";
import type { CallRequest, CallResponse, KubeContextView } from "../../shared/api";
import { useAction, useCall } from "../useCall";
import { ConnectionError } from "./ConnectionError";
import { ConnectionReport } from "./ConnectionReport";

type SourceKind = "file" | "text" | "default-kubeconfig";
type Source = CallRequest<"clusters.contexts">["source"];

const SOURCE_LABELS: Record<SourceKind, string> = {
  file: "Kubeconfig file",
  text: "Paste a kubeconfig",
  "default-kubeconfig": "Context of my default kubeconfig",
};

/** Adds a cluster in three steps: where its kubeconfig is, which context and name, then a review; the engine tests the connection before it stores anything. */
export function AddClusterWizard({ onClose }: { onClose(): void }) {
  const [kind, setKind] = useState<SourceKind>("default-kubeconfig");
  const [path, setPath] = useState("");
  const [text, setText] = useState("");
  const [step, setStep] = useState<string | number>("source");
  const [context, setContext] = useState("");
  const [name, setName] = useState("");
  const [nameTouched, setNameTouched] = useState(false);
  const [added, setAdded] = useState<CallResponse<"clusters.add">>();
  const add = useAction("clusters.add");

  const source: Source | undefined = useMemo(() => {
    if (kind === "file") return path.trim() ? { kind: "file", path: path.trim() } : undefined;
    if (kind === "text") return text.trim() ? { kind: "text", text } : undefined;
    return { kind: "default-kubeconfig" };
  }, [kind, path, text]);

  // Contexts load once the user is past the source step, so typing a path does not read files on each key.
  const contexts = useCall("clusters.contexts", step !== "source" && source ? { source } : undefined);
  const list: KubeContextView[] = useMemo(() => contexts.data?.contexts ?? [], [contexts.data]);

  useEffect(() => {
    if (!contexts.data) return;
    const names = contexts.data.contexts.map((c) => c.name);
    if (!names.includes(context)) {
      const initial = contexts.data.current && names.includes(contexts.data.current) ? contexts.data.current : (names[0] ?? "");
      setContext(initial);
      if (!nameTouched) setName(initial);
    }
  }, [contexts.data]); // only when a new list arrives

  const chosen = list.find((c) => c.name === context);
  const sourceReady = source !== undefined;
  const contextReady = !!chosen && name.trim().length > 0 && name.trim().length <= 63;

  async function save() {
    if (!source || !contextReady) return;
    const result = await add.run({ source, context, name: name.trim() });
    if (result) setAdded(result);
  }

  if (added) {
    return (
      <Modal isOpen variant="large" aria-labelledby="add-cluster-done-title" onClose={onClose}>
        <ModalHeader>
          <Title headingLevel="h2" id="add-cluster-done-title">Cluster {added.cluster.name} added</Title>
        </ModalHeader>
        <ModalBody>
          <Stack hasGutter>
            <StackItem>
              <Alert component="h3" variant="success" isInline title={`Connected to ${added.report.platform} ${added.report.version}`} />
            </StackItem>
            <StackItem>
              <ConnectionReport report={added.report} />
            </StackItem>
          </Stack>
        </ModalBody>
        <ModalFooter>
          <Button variant="primary" onClick={onClose}>Done</Button>
        </ModalFooter>
      </Modal>
    );
  }

  return (
    <Modal isOpen variant="large" aria-labelledby="add-cluster-title" onEscapePress={onClose}>
      <Wizard
        height={560}
        header={<WizardHeader title="Add a cluster" titleId="add-cluster-title" onClose={onClose} closeButtonAriaLabel="Close" />}
        onClose={onClose}
        onSave={save}
        onStepChange={(_e, current) => { setStep(current.id); add.clear(); }}
        navAriaLabel="Add cluster steps"
      >
        <WizardStep id="source" name="Source" footer={{ isNextDisabled: !sourceReady }}>
          <Form onSubmit={(e) => e.preventDefault()}>
            <FormGroup role="radiogroup" isStack fieldId="cluster-source" label="Where is the cluster's kubeconfig?">
              <Radio id="cluster-source-file" name="cluster-source" label={SOURCE_LABELS.file} isChecked={kind === "file"} onChange={() => setKind("file")} />
              <Radio id="cluster-source-text" name="cluster-source" label={SOURCE_LABELS.text} isChecked={kind === "text"} onChange={() => setKind("text")} />
              <Radio
                id="cluster-source-default"
                name="cluster-source"
                label={SOURCE_LABELS["default-kubeconfig"]}
                description="Uses ~/.kube/config (or $KUBECONFIG) on the machine running the engine."
                isChecked={kind === "default-kubeconfig"}
                onChange={() => setKind("default-kubeconfig")}
              />
            </FormGroup>
            {kind === "file" && (
              <FormGroup label="Kubeconfig file path" fieldId="cluster-kubeconfig-path">
                <TextInput id="cluster-kubeconfig-path" isRequired value={path} onChange={(_e, v) => setPath(v)} placeholder="/home/me/.kube/prod.yaml" />
                <FormHelperText>
                  <HelperText>
                    <HelperTextItem>The absolute path of a kubeconfig file on the machine running the engine.</HelperTextItem>
                  </HelperText>
                </FormHelperText>
              </FormGroup>
            )}
            {kind === "text" && (
              <FormGroup label="Kubeconfig" fieldId="cluster-kubeconfig-text">
                <TextArea id="cluster-kubeconfig-text" isRequired value={text} onChange={(_e, v) => setText(v)} rows={12} resizeOrientation="vertical" className="lb-mono" />
                <FormHelperText>
                  <HelperText>
                    <HelperTextItem>Its credentials are kept in Lifeboat's encrypted vault and never shown again.</HelperTextItem>
                  </HelperText>
                </FormHelperText>
              </FormGroup>
            )}
          </Form>
        </WizardStep>
        <WizardStep id="context" name="Context" footer={{ isNextDisabled: !contextReady }}>
          {contexts.loading && <Spinner size="lg" aria-label="Reading the kubeconfig" />}
          <ConnectionError error={contexts.error} title="The kubeconfig could not be read" />
          {contexts.data && list.length === 0 && <Alert component="h3" variant="warning" isInline title="This kubeconfig has no contexts" />}
          {list.length > 0 && (
            <Form onSubmit={(e) => e.preventDefault()}>
              <FormGroup label="Context" fieldId="cluster-context">
                <FormSelect
                  id="cluster-context"
                  value={context}
                  onChange={(_e, v) => { setContext(v); if (!nameTouched) setName(v); }}
                >
                  {list.map((c) => (
                    <FormSelectOption key={c.name} value={c.name} label={`${c.name}${c.name === contexts.data?.current ? " (current)" : ""}${c.addedAs ? ` — added as ${c.addedAs}` : ""}`} />
                  ))}
                </FormSelect>
              </FormGroup>
              {chosen && (
                <DescriptionList isCompact isHorizontal>
                  <DescriptionListGroup>
                    <DescriptionListTerm>Server</DescriptionListTerm>
                    <DescriptionListDescription className="lb-mono">{chosen.server}</DescriptionListDescription>
                  </DescriptionListGroup>
                  <DescriptionListGroup>
                    <DescriptionListTerm>Authentication</DescriptionListTerm>
                    <DescriptionListDescription>{chosen.auth}{chosen.execCommand ? ` (${chosen.execCommand})` : ""}</DescriptionListDescription>
                  </DescriptionListGroup>
                  {chosen.namespace && (
                    <DescriptionListGroup>
                      <DescriptionListTerm>Default namespace</DescriptionListTerm>
                      <DescriptionListDescription>{chosen.namespace}</DescriptionListDescription>
                    </DescriptionListGroup>
                  )}
                </DescriptionList>
              )}
              {chosen?.addedAs && <Alert component="h3" variant="info" isInline title={`This context is already added as ${chosen.addedAs}`} />}
              <FormGroup label="Name" fieldId="cluster-name">
                <TextInput id="cluster-name" isRequired value={name} onChange={(_e, v) => { setName(v); setNameTouched(true); }} />
                <FormHelperText>
                  <HelperText>
                    <HelperTextItem variant={name.trim().length > 63 ? "error" : "default"}>
                      What Lifeboat calls this cluster (at most 63 characters). The platform is shown once the connection is tested.
                    </HelperTextItem>
                  </HelperText>
                </FormHelperText>
              </FormGroup>
            </Form>
          )}
        </WizardStep>
        <WizardStep id="review" name="Review" footer={{ nextButtonText: "Add cluster", isNextDisabled: add.busy || !contextReady || !sourceReady }}>
          <Stack hasGutter>
            <StackItem>
              <Title headingLevel="h3">Review</Title>
            </StackItem>
            {add.error && (
              <StackItem>
                <ConnectionError error={add.error} title="The cluster was not added" />
              </StackItem>
            )}
            <StackItem>
              <DescriptionList isHorizontal isCompact>
                <DescriptionListGroup>
                  <DescriptionListTerm>Source</DescriptionListTerm>
                  <DescriptionListDescription>{SOURCE_LABELS[kind]}{kind === "file" ? `: ${path}` : ""}</DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                  <DescriptionListTerm>Context</DescriptionListTerm>
                  <DescriptionListDescription>{context || "–"}</DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                  <DescriptionListTerm>Server</DescriptionListTerm>
                  <DescriptionListDescription className="lb-mono">{chosen?.server ?? "–"}</DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                  <DescriptionListTerm>Name</DescriptionListTerm>
                  <DescriptionListDescription>{name.trim() || "–"}</DescriptionListDescription>
                </DescriptionListGroup>
              </DescriptionList>
            </StackItem>
            <StackItem>
              <p>Lifeboat tests the connection and the permissions it needs before it saves the cluster; the platform shows in the test result.</p>
            </StackItem>
            {add.busy && (
              <StackItem>
                <Spinner size="md" aria-label="Testing the connection" />
              </StackItem>
            )}
          </Stack>
        </WizardStep>
      </Wizard>
    </Modal>
  );
}
