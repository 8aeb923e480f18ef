import { useEffect, useMemo, useState } from "react";
import {
  Alert, Button, Checkbox, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Form, FormGroup,
  FormHelperText, FormSelect, FormSelectOption, HelperText, HelperTextItem, Label, Modal, Radio, Spinner, Switch, TextInput, Wizard,
  WizardHeader, WizardStep,
} from "@patternfly/react-core";
import type { CallResponse, LocationView } from "../../shared/api";
import { useAction, useCall } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";
import { BackupRuleActions } from "./BackupRuleActions";

export interface BackupPrefill {
  cluster?: string;
  namespaces?: string[];
  selector?: string;
}

export type BackupWizardResult =
  | { kind: "started"; name: string; jobs: CallResponse<"backups.start">["jobs"] }
  | { kind: "scheduled"; schedule: CallResponse<"schedules.create"> };

type KindsMode = "all" | "include" | "exclude";

/** Wizard bodies are keyboard-focusable so a step whose content overflows (an error arriving late) stays scrollable by keyboard. */
const SCROLL_BODY = { tabIndex: 0 };
const DNS = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;
const PV_AND_PVC = "PersistentVolume,PersistentVolumeClaim";

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
}

function defaultName(cluster: string): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
  return `${slug(cluster) || "backup"}-${stamp}`;
}

const splitList = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);

/**
 * The backup wizard: which cluster, what in it, volume data, rules, once or on a schedule, and where
 * to. Starts a one-off backup (backups.start, a job per location) or creates a schedule.
 */
export function BackupWizard({ prefill, onClose, onDone }: { prefill?: BackupPrefill; onClose: () => void; onDone: (result: BackupWizardResult) => void }) {
  const clusters = useCall("clusters.list", {}, ["clusters"]);
  const rules = useCall("rules.list", {}, ["rules"]);
  const policies = useCall("policies.list", {}, ["policies"]);
  const locations = useCall("locations.list", {}, ["locations"]);
  const start = useAction("backups.start");
  const schedule = useAction("schedules.create");

  const [cluster, setCluster] = useState(prefill?.cluster ?? "");
  const [name, setName] = useState("");
  const [nameTouched, setNameTouched] = useState(false);
  const [allNamespaces, setAllNamespaces] = useState(!prefill?.namespaces?.length);
  const [namespaces, setNamespaces] = useState<string[]>(prefill?.namespaces ?? []);
  const [selector, setSelector] = useState(prefill?.selector ?? "");
  const [kindsMode, setKindsMode] = useState<KindsMode>("all");
  const [kinds, setKinds] = useState("");
  const [volumes, setVolumes] = useState(true);
  const [ruleSet, setRuleSet] = useState("");
  const [scheduled, setScheduled] = useState(false);
  const [policy, setPolicy] = useState("");
  const [chosenLocations, setChosenLocations] = useState<string[]>([]);

  // Defaults once the lists arrive: the first cluster, the embedded (or first) location, the first policy.
  useEffect(() => {
    if (!cluster && clusters.data?.length) setCluster(clusters.data[0]!.name);
  }, [cluster, clusters.data]);
  useEffect(() => {
    if (chosenLocations.length === 0 && locations.data?.length) {
      const first = locations.data.find((l) => l.embedded) ?? locations.data[0]!;
      setChosenLocations([first.name]);
    }
  }, [locations.data]); // Only the first load picks a default (chosenLocations left out on purpose).
  useEffect(() => {
    if (!policy && policies.data?.length) setPolicy(policies.data[0]!.policy.name);
  }, [policy, policies.data]);
  useEffect(() => {
    if (!nameTouched) setName(defaultName(cluster));
  }, [cluster, nameTouched]);

  const inventory = useCall("inventory.namespaces", cluster ? { cluster } : undefined, ["clusters"]);
  const namespaceNames = useMemo(() => {
    const names = new Set((inventory.data ?? []).map((n) => n.name));
    // Keep prefilled names visible even when the cluster no longer lists them.
    namespaces.forEach((n) => names.add(n));
    return [...names].sort();
  }, [inventory.data, namespaces]);

  const chooseCluster = (value: string) => {
    setCluster(value);
    setNamespaces([]);
    setAllNamespaces(true);
  };
  const toggleNamespace = (ns: string, on: boolean) => {
    const next = on ? [...new Set([...namespaces, ns])] : namespaces.filter((n) => n !== ns);
    setNamespaces(next);
    setAllNamespaces(next.length === 0);
  };
  const toggleLocation = (loc: string, on: boolean) =>
    setChosenLocations((ls) => (on ? [...new Set([...ls, loc])] : ls.filter((l) => l !== loc)));
  const typeKinds = (value: string) => {
    setKinds(value);
    if (kindsMode === "all" && value.trim()) setKindsMode("include");
  };

  const kindList = splitList(kinds);
  const nameValid = DNS.test(name);
  const clusterOk = !!cluster && nameValid;
  const whatOk = (allNamespaces || namespaces.length > 0) && (kindsMode === "all" || kindList.length > 0);
  const scheduleOk = !scheduled || !!policy;
  const locationsOk = chosenLocations.length > 0;
  const chosenRuleSet = rules.data?.rules.find((r) => r.name === ruleSet);
  const chosenPolicy = policies.data?.find((p) => p.policy.name === policy);
  const busy = start.busy || schedule.busy;
  const error = start.error ?? schedule.error;

  const scope = {
    cluster,
    name,
    namespaces: allNamespaces ? [] : namespaces,
    labelSelector: selector.trim() || undefined,
    includeKinds: kindsMode === "include" ? kindList : [],
    excludeKinds: kindsMode === "exclude" ? kindList : [],
    volumes,
    rules: ruleSet || undefined,
    locations: chosenLocations,
  };

  const save = async () => {
    if (busy) return;
    start.clear();
    schedule.clear();
    if (scheduled) {
      const created = await schedule.run({ ...scope, policy });
      if (created) onDone({ kind: "scheduled", schedule: created });
    } else {
      const started = await start.run(scope);
      if (started) onDone({ kind: "started", name, jobs: started.jobs });
    }
  };

  const noSubmit = (e: React.FormEvent) => e.preventDefault();
  const locationText = (l: LocationView) => `${l.name} (${l.kind}${l.embedded ? ", built-in" : ""})`;

  return (
    <Modal isOpen onEscapePress={onClose} variant="large" aria-labelledby="backup-wizard-title" aria-describedby="backup-wizard-description">
      <Wizard
        height={640}
        onClose={onClose}
        onSave={save}
        navAriaLabel="Backup wizard steps"
        header={
          <WizardHeader
            title="Create backup"
            titleId="backup-wizard-title"
            description="Back up an application's Kubernetes objects and volume data to one or more locations."
            descriptionId="backup-wizard-description"
            onClose={onClose}
            closeButtonAriaLabel="Close the backup wizard"
          />
        }
      >
        <WizardStep body={SCROLL_BODY} name="Cluster" id="backup-cluster" footer={{ isNextDisabled: !clusterOk }}>
          <Form onSubmit={noSubmit}>
            <ErrorAlert headingLevel="h3" error={clusters.error} title="The clusters could not be loaded" />
            <FormGroup label="Cluster" fieldId="bw-cluster">
              <FormSelect id="bw-cluster" value={cluster} onChange={(_e, v) => chooseCluster(v)}>
                {!cluster && <FormSelectOption value="" label={clusters.loading ? "Loading clusters…" : "Choose a cluster"} isDisabled />}
                {(clusters.data ?? []).map((c) => <FormSelectOption key={c.id} value={c.name} label={`${c.name} (${c.server})`} />)}
              </FormSelect>
              {clusters.data?.length === 0 && (
                <FormHelperText>
                  <HelperText>
                    <HelperTextItem variant="warning">No clusters yet: add one on the Clusters screen first.</HelperTextItem>
                  </HelperText>
                </FormHelperText>
              )}
            </FormGroup>
            <FormGroup label="Backup name" fieldId="bw-name">
              <TextInput
                id="bw-name"
                value={name}
                onChange={(_e, v) => {
                  setName(v);
                  setNameTouched(true);
                }}
                validated={name && !nameValid ? "error" : "default"}
                aria-describedby="bw-name-help"
              />
              <FormHelperText>
                <HelperText id="bw-name-help">
                  <HelperTextItem variant={name && !nameValid ? "error" : "default"}>
                    Lowercase letters, digits, &apos;-&apos; and &apos;.&apos;; at most 63 characters.{scheduled ? " Used as the schedule's name." : ""}
                  </HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
          </Form>
        </WizardStep>

        <WizardStep body={SCROLL_BODY} name="What to back up" id="backup-what" footer={{ isNextDisabled: !whatOk }}>
          <Form onSubmit={noSubmit}>
            <FormGroup label="Namespaces" fieldId="bw-namespaces" role="group" isStack>
              <Checkbox id="bw-ns-all" label="All namespaces" isChecked={allNamespaces} onChange={(_e, on) => {
                setAllNamespaces(on);
                if (on) setNamespaces([]);
              }} />
              {inventory.loading && <Spinner size="md" aria-label="Loading namespaces" />}
              <ErrorAlert headingLevel="h3" error={inventory.error} title="The cluster's namespaces could not be listed" />
              <div className="lb-scroll">
                {namespaceNames.map((ns) => (
                  <Checkbox key={ns} id={`bw-ns-${ns}`} label={ns} isChecked={!allNamespaces && namespaces.includes(ns)} onChange={(_e, on) => toggleNamespace(ns, on)} />
                ))}
              </div>
              {!allNamespaces && namespaces.length === 0 && (
                <FormHelperText>
                  <HelperText>
                    <HelperTextItem variant="error">Choose at least one namespace, or all namespaces.</HelperTextItem>
                  </HelperText>
                </FormHelperText>
              )}
            </FormGroup>
            <FormGroup label="Label selector" fieldId="bw-selector">
              <TextInput id="bw-selector" value={selector} onChange={(_e, v) => setSelector(v)} placeholder="app=shop,tier!=cache" aria-describedby="bw-selector-help" />
              <FormHelperText>
                <HelperText id="bw-selector-help">
                  <HelperTextItem>Optional: only objects whose labels match, in kubectl&apos;s selector syntax.</HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
            <FormGroup label="Which objects" fieldId="bw-kinds-mode" role="radiogroup" isStack>
              <Radio id="bw-kinds-all" name="bw-kinds-mode" label="All kinds" isChecked={kindsMode === "all"} onChange={() => setKindsMode("all")} />
              <Radio id="bw-kinds-include" name="bw-kinds-mode" label="Only these kinds" isChecked={kindsMode === "include"} onChange={() => setKindsMode("include")} />
              <Radio id="bw-kinds-exclude" name="bw-kinds-mode" label="All except these kinds" isChecked={kindsMode === "exclude"} onChange={() => setKindsMode("exclude")} />
            </FormGroup>
            <FormGroup label="Kinds" fieldId="bw-kinds">
              <TextInput
                id="bw-kinds"
                value={kinds}
                onChange={(_e, v) => typeKinds(v)}
                placeholder="PersistentVolume,PersistentVolumeClaim"
                validated={kindsMode !== "all" && kindList.length === 0 ? "error" : "default"}
                aria-describedby="bw-kinds-help"
              />
              <FormHelperText>
                <HelperText id="bw-kinds-help">
                  <HelperTextItem variant={kindsMode !== "all" && kindList.length === 0 ? "error" : "default"}>
                    {kindsMode === "all" ? "Comma separated; used with \"Only these kinds\" or \"All except these kinds\"." : kindList.length === 0 ? "List at least one kind, comma separated." : `${kindsMode === "include" ? "Only" : "All except"}: ${kindList.join(", ")}`}
                  </HelperTextItem>
                </HelperText>
              </FormHelperText>
              <Button variant="link" isInline onClick={() => {
                setKindsMode("include");
                setKinds(PV_AND_PVC);
              }}>
                PV and PVC only
              </Button>
            </FormGroup>
          </Form>
        </WizardStep>

        <WizardStep body={SCROLL_BODY} name="Volumes" id="backup-volumes">
          <Form onSubmit={noSubmit}>
            <FormGroup label="Volume data" fieldId="bw-volumes" role="group">
              <Switch className="lb-switch" id="bw-volumes" label="Back up volume data" isChecked={volumes} onChange={(_e, on) => setVolumes(on)} />
              <FormHelperText>
                <HelperText>
                  <HelperTextItem>
                    {volumes
                      ? "The data in the application's persistent volume claims is copied, deduplicated and encrypted, next to the objects."
                      : "Only the Kubernetes objects are backed up; volumes come back empty on restore."}
                  </HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
          </Form>
        </WizardStep>

        <WizardStep body={SCROLL_BODY} name="Rules" id="backup-rules">
          <Form onSubmit={noSubmit}>
            <ErrorAlert headingLevel="h3" error={rules.error} title="The rule sets could not be loaded" />
            <FormGroup label="Pre/post rules" fieldId="bw-rules">
              <FormSelect id="bw-rules" value={ruleSet} onChange={(_e, v) => setRuleSet(v)}>
                <FormSelectOption value="" label="None" />
                {(rules.data?.rules ?? []).map((r) => <FormSelectOption key={r.name} value={r.name} label={r.template ? `${r.name} (${r.template})` : r.name} />)}
              </FormSelect>
              <FormHelperText>
                <HelperText>
                  <HelperTextItem>Commands run in the application&apos;s pods before and after the backup, to quiesce a database for example. Manage rule sets on the Rules and schedules screen.</HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
            {chosenRuleSet && <BackupRuleActions rules={chosenRuleSet.rules} label={`Actions of rule set ${chosenRuleSet.name}`} />}
          </Form>
        </WizardStep>

        <WizardStep body={SCROLL_BODY} name="Schedule" id="backup-schedule" footer={{ isNextDisabled: !scheduleOk }}>
          <Form onSubmit={noSubmit}>
            <FormGroup label="When" fieldId="bw-when" role="radiogroup" isStack>
              <Radio id="bw-once" name="bw-when" label="Run once now" isChecked={!scheduled} onChange={() => setScheduled(false)} />
              <Radio id="bw-scheduled" name="bw-when" label="On a schedule" isChecked={scheduled} onChange={() => setScheduled(true)} />
            </FormGroup>
            {scheduled && (
              <>
                <ErrorAlert headingLevel="h3" error={policies.error} title="The schedule policies could not be loaded" />
                <FormGroup label="Schedule policy" fieldId="bw-policy">
                  <FormSelect id="bw-policy" value={policy} onChange={(_e, v) => setPolicy(v)} aria-describedby="bw-policy-help">
                    {!policy && <FormSelectOption value="" label={policies.loading ? "Loading policies…" : "No policies yet"} isDisabled />}
                    {(policies.data ?? []).map((p) => <FormSelectOption key={p.policy.name} value={p.policy.name} label={p.policy.name} />)}
                  </FormSelect>
                  <FormHelperText>
                    <HelperText id="bw-policy-help">
                      <HelperTextItem variant={policies.data?.length === 0 ? "warning" : "default"}>
                        {chosenPolicy ? `${chosenPolicy.description} Keeps ${chosenPolicy.policy.keep} cop${chosenPolicy.policy.keep === 1 ? "y" : "ies"}.` : "Create a policy on the Rules and schedules screen first."}
                      </HelperTextItem>
                    </HelperText>
                  </FormHelperText>
                </FormGroup>
              </>
            )}
          </Form>
        </WizardStep>

        <WizardStep body={SCROLL_BODY} name="Locations" id="backup-locations" footer={{ isNextDisabled: !locationsOk }}>
          <Form onSubmit={noSubmit}>
            <ErrorAlert headingLevel="h3" error={locations.error} title="The backup locations could not be loaded" />
            <FormGroup label="Backup locations" fieldId="bw-locations" role="group" isStack>
              {(locations.data ?? []).map((l) => (
                <Checkbox
                  key={l.id}
                  id={`bw-loc-${l.id}`}
                  label={l.name}
                  description={`${locationText(l)} · ${l.address}${l.health ? (l.health.ok ? " · verified" : ` · last check failed: ${l.health.message ?? "unknown error"}`) : ""}`}
                  isChecked={chosenLocations.includes(l.name)}
                  onChange={(_e, on) => toggleLocation(l.name, on)}
                />
              ))}
              <FormHelperText>
                <HelperText>
                  <HelperTextItem variant={locationsOk ? "default" : "error"}>
                    {locationsOk ? "Each location gets its own independent copy (a job per location)." : "Choose at least one location."}
                  </HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
          </Form>
        </WizardStep>

        <WizardStep
          body={SCROLL_BODY}
          name="Review"
          id="backup-review"
          footer={{ nextButtonText: scheduled ? "Create schedule" : "Start backup", isNextDisabled: busy || !(clusterOk && whatOk && scheduleOk && locationsOk), nextButtonProps: { isLoading: busy } }}
        >
          <div className="lb-stack">
          <ErrorAlert headingLevel="h3" error={error} title={scheduled ? "The schedule could not be created" : "The backup could not be started"} />
          <DescriptionList isHorizontal aria-label="Backup summary">
            <DescriptionListGroup>
              <DescriptionListTerm>Cluster</DescriptionListTerm>
              <DescriptionListDescription>{cluster || "–"}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>{scheduled ? "Schedule name" : "Backup name"}</DescriptionListTerm>
              <DescriptionListDescription>{name}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Namespaces</DescriptionListTerm>
              <DescriptionListDescription>{allNamespaces ? "All namespaces" : namespaces.join(", ")}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Label selector</DescriptionListTerm>
              <DescriptionListDescription>{selector.trim() || "None (every object)"}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Kinds</DescriptionListTerm>
              <DescriptionListDescription>
                {kindsMode === "all" ? "All kinds" : `${kindsMode === "include" ? "Only" : "All except"} ${kindList.join(", ")}`}
              </DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Volume data</DescriptionListTerm>
              <DescriptionListDescription>{volumes ? "Backed up" : "Not backed up"}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Pre/post rules</DescriptionListTerm>
              <DescriptionListDescription>{ruleSet || "None"}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>When</DescriptionListTerm>
              <DescriptionListDescription>
                {scheduled ? `On a schedule: ${policy}${chosenPolicy ? ` (${chosenPolicy.description})` : ""}` : "Once, now"}
              </DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Locations</DescriptionListTerm>
              <DescriptionListDescription>
                {chosenLocations.map((l) => <Label key={l} isCompact className="lb-gap-right">{l}</Label>)}
              </DescriptionListDescription>
            </DescriptionListGroup>
          </DescriptionList>
          {scheduled && (
            <Alert component="h3" variant="info" isInline isPlain title="Nothing runs now">
              The schedule&apos;s first backup runs at the policy&apos;s next time; its runs appear on the Jobs screen.
            </Alert>
          )}
          </div>
        </WizardStep>
      </Wizard>
    </Modal>
  );
}
