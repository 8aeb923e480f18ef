import { useState } from "react";
import {
  ActionGroup, Button, Form, FormGroup, FormSelect, FormSelectOption, Grid, GridItem, Modal, ModalBody, ModalHeader, TextArea, TextInput, Title,
} from "@patternfly/react-core";
import { RuleSetSchema, type CallRequest, type RuleSetView } from "../../shared/api";
import { useAction } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";
import { PolicyFieldError } from "./PolicyFieldError";

type TemplateName = CallRequest<"rules.template">["template"];
const TEMPLATES: TemplateName[] = ["postgresql", "mongodb", "mysql", "redis", "cassandra"];
const TEMPLATE_TITLES: Record<TemplateName, string> = { postgresql: "PostgreSQL", mongodb: "MongoDB", mysql: "MySQL / MariaDB", redis: "Redis", cassandra: "Cassandra" };
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;
const EMPTY = JSON.stringify({ pre: [], post: [] }, null, 2);

/** Why the JSON text is not a rule set, or undefined when it is one (the engine checks the rest). */
function jsonProblem(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `Not valid JSON: ${(err as Error).message}`;
  }
  const shape = RuleSetSchema.safeParse(value);
  if (!shape.success) return shape.error.issues.map((i) => `${i.path.join(".") || "rules"}: ${i.message}`).join("; ");
  return undefined;
}

/** Create or edit a named rule set (pre / post actions run in pods around a backup), from a template or by hand. */
export function RuleForm({ rule, templates, onClose }: { rule?: RuleSetView; templates?: string[]; onClose(): void }) {
  const editing = rule !== undefined;
  const [name, setName] = useState(rule?.name ?? "");
  const [template, setTemplate] = useState<string>(rule?.template ?? "");
  const [podSelector, setPodSelector] = useState("");
  const [namespace, setNamespace] = useState("");
  const [container, setContainer] = useState("");
  const [text, setText] = useState(() => (rule ? JSON.stringify(rule.rules, null, 2) : EMPTY));
  const [tried, setTried] = useState(false);
  const fill = useAction("rules.template");
  const save = useAction("rules.save");
  const choices = TEMPLATES.filter((t) => !templates || templates.length === 0 || templates.includes(t));

  const applyTemplate = async (t: string) => {
    if (!TEMPLATES.includes(t as TemplateName)) return;
    const rules = await fill.run({
      template: t as TemplateName,
      ...(podSelector.trim() ? { podSelector: podSelector.trim() } : {}),
      ...(namespace.trim() ? { namespace: namespace.trim() } : {}),
      ...(container.trim() ? { container: container.trim() } : {}),
    });
    if (rules) setText(JSON.stringify(rules, null, 2));
  };

  const problem = jsonProblem(text);
  const nameProblem = DNS_NAME.test(name) ? undefined : "lowercase letters, digits, '-' and '.'; at most 63 characters";
  const submit = async () => {
    setTried(true);
    if (problem || nameProblem) return;
    const saved = await save.run({ name, rules: JSON.parse(text) as CallRequest<"rules.save">["rules"], ...(template ? { template } : {}) });
    if (saved) onClose();
  };

  return (
    <Modal isOpen variant="large" onClose={onClose} aria-labelledby="rule-form-title">
      <ModalHeader>
        <Title headingLevel="h2" id="rule-form-title">{editing ? `Edit rules ${rule.name}` : "Create rules"}</Title>
      </ModalHeader>
      <ModalBody>
        <Form onSubmit={(e) => { e.preventDefault(); void submit(); }}>
          <FormGroup label="Name" isRequired fieldId="rule-name">
            <TextInput id="rule-name" value={name} onChange={(_e, v) => setName(v)} isRequired readOnlyVariant={editing ? "default" : undefined} validated={tried && nameProblem ? "error" : "default"} />
            <PolicyFieldError error={tried ? nameProblem : undefined} hint="The name a backup or a schedule chooses these rules by." />
          </FormGroup>
          <Grid hasGutter md={6} lg={3}>
            <GridItem>
              <FormGroup label="Start from template" fieldId="rule-template">
                <FormSelect id="rule-template" value={template} onChange={(_e, v) => { setTemplate(v); void applyTemplate(v); }}>
                  <FormSelectOption value="" label="None" />
                  {choices.map((t) => <FormSelectOption key={t} value={t} label={TEMPLATE_TITLES[t]} />)}
                </FormSelect>
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label="Pod selector" fieldId="rule-selector">
                <TextInput id="rule-selector" value={podSelector} onChange={(_e, v) => setPodSelector(v)} placeholder="app.kubernetes.io/name=postgresql" />
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label="Namespace" fieldId="rule-namespace">
                <TextInput id="rule-namespace" value={namespace} onChange={(_e, v) => setNamespace(v)} placeholder="each namespace of the backup" />
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label="Container" fieldId="rule-container">
                <TextInput id="rule-container" value={container} onChange={(_e, v) => setContainer(v)} placeholder="the pod's first container" />
              </FormGroup>
            </GridItem>
          </Grid>
          {template && (
            <div>
              <Button variant="secondary" onClick={() => void applyTemplate(template)} isLoading={fill.busy} isDisabled={fill.busy}>Fill rules from template</Button>
              <span> Replaces the rules below with the {TEMPLATE_TITLES[template as TemplateName] ?? template} template for this selector, namespace and container.</span>
            </div>
          )}
          <ErrorAlert headingLevel="h3" error={fill.error} title="The template could not be filled in" />
          <FormGroup label="Rules (JSON)" isRequired fieldId="rule-json">
            <TextArea id="rule-json" className="lb-mono" value={text} onChange={(_e, v) => setText(v)} rows={18} resizeOrientation="vertical" validated={problem ? "error" : "default"} aria-describedby="rule-json-help" spellCheck={false} />
            <PolicyFieldError id="rule-json-help" error={problem}
              hint='{"pre": [...], "post": [...]}: each action has a name, a podSelector and a command; background pre actions hold ${WAIT_CMD} while the backup runs.' />
          </FormGroup>
          <ErrorAlert headingLevel="h3" error={save.error} title="The rules were not saved" />
          <ActionGroup>
            <Button type="submit" variant="primary" isLoading={save.busy} isDisabled={save.busy || !!problem}>{editing ? "Save rules" : "Create rules"}</Button>
            <Button variant="link" onClick={onClose}>Cancel</Button>
          </ActionGroup>
        </Form>
      </ModalBody>
    </Modal>
  );
}
