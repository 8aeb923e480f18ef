import { useEffect, useMemo, useState } from "react";
import {
  Alert, Checkbox, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Form, FormGroup, FormHelperText,
  FormSelect, FormSelectOption, HelperText, HelperTextItem, Modal, Radio, Spinner, Switch, TextInput, Title, Wizard, WizardHeader, WizardStep,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { CallRequest, CallResponse } from "../../shared/api";
import { formatAge, formatBytes, formatTime } from "../format";
import { useAction, useCall } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";

export interface RestorePrefill {
  location?: string;
  backup?: string;
}

type Existing = "keep" | "replace" | "update" | "fail";
type Scope = "all" | "filter" | "objects";

/** Wizard bodies are keyboard-focusable so a step whose content overflows (an error arriving late) stays scrollable by keyboard. */
const SCROLL_BODY = { tabIndex: 0 };
const DNS = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const MAX_OBJECTS_SHOWN = 200;

const EXISTING: Array<{ value: Existing; label: string; description: string }> = [
  { value: "keep", label: "Keep what exists (skip)", description: "Objects already in the cluster stay as they are; only missing ones are created." },
  { value: "replace", label: "Replace existing objects", description: "Objects that exist are deleted and created again from the backup." },
  { value: "update", label: "Update in place", description: "Objects that differ are updated to the backup's version; nothing is deleted." },
  { value: "fail", label: "Fail if anything exists", description: "Nothing is changed when any object of the backup already exists." },
];

const refOf = (e: { kind: string; namespace?: string; name: string }) => `${e.kind}/${e.namespace ? `${e.namespace}/` : ""}${e.name}`;
const toggle = (list: string[], value: string, on: boolean) => (on ? [...new Set([...list, value])] : list.filter((v) => v !== value));

/**
 * The restore wizard: which backup, to which cluster, namespace and storage-class mapping, what to do
 * with objects that exist, optionally only part of the backup; then restores.start.
 */
export function RestoreWizard({ prefill, onClose, onDone }: { prefill?: RestorePrefill; onClose: () => void; onDone: (started: CallResponse<"restores.start">) => void }) {
  const locations = useCall("locations.list", {}, ["locations"]);
  const clusters = useCall("clusters.list", {}, ["clusters"]);
  const start = useAction("restores.start");

  const [location, setLocation] = useState(prefill?.location ?? "");
  const [backupId, setBackupId] = useState(prefill?.backup ?? "");
  const [cluster, setCluster] = useState("");
  const [name, setName] = useState("");
  const [nsMap, setNsMap] = useState<Record<string, string>>({});
  const [scMap, setScMap] = useState<Record<string, string>>({});
  const [existing, setExisting] = useState<Existing>("keep");
  const [scope, setScope] = useState<Scope>("all");
  const [selNamespaces, setSelNamespaces] = useState<string[]>([]);
  const [selKinds, setSelKinds] = useState<string[]>([]);
  const [selObjects, setSelObjects] = useState<string[]>([]);
  const [objectFilter, setObjectFilter] = useState("");
  const [volumes, setVolumes] = useState(true);

  useEffect(() => {
    if (!location && locations.data?.length) setLocation((locations.data.find((l) => l.embedded) ?? locations.data[0]!).name);
  }, [location, locations.data]);

  const backups = useCall("backups.list", location ? { location } : undefined, ["backups"]);
  const sortedBackups = useMemo(() => [...(backups.data?.backups ?? [])].sort((a, b) => b.time.localeCompare(a.time)), [backups.data]);
  const backup = sortedBackups.find((b) => b.id === backupId);
  const details = useCall("backups.describe", location && backupId ? { location, id: backupId } : undefined);
  const d = details.data && details.data.id === backupId ? details.data : undefined;

  // The backup's own cluster is the natural target when Lifeboat knows it.
  useEffect(() => {
    if (cluster || !clusters.data?.length) return;
    if (backupId && !backup && !backups.data) return; // wait for the backup, to default to its cluster
    const own = backup && clusters.data.find((c) => c.name === backup.cluster);
    setCluster((own ?? clusters.data[0]!).name);
  }, [cluster, clusters.data, backup, backupId, backups.data]);

  const namespaces = useMemo(() => {
    if (!d) return [];
    const set = new Set(d.namespaces);
    d.catalog.forEach((e) => e.namespace && set.add(e.namespace));
    return [...set].sort();
  }, [d]);
  const kinds = useMemo(() => [...new Set((d?.catalog ?? []).map((e) => e.kind))].sort(), [d]);
  const objects = useMemo(() => (d?.catalog ?? []).map(refOf).sort(), [d]);
  const shownObjects = useMemo(() => {
    const q = objectFilter.trim().toLowerCase();
    return (q ? objects.filter((o) => o.toLowerCase().includes(q)) : objects).slice(0, MAX_OBJECTS_SHOWN);
  }, [objects, objectFilter]);

  useEffect(() => {
    if (d) setVolumes(d.volumeData);
  }, [d]);

  const chooseLocation = (value: string) => {
    setLocation(value);
    chooseBackup("");
  };
  function chooseBackup(id: string) {
    setBackupId(id);
    setNsMap({});
    setScMap({});
    setSelNamespaces([]);
    setSelKinds([]);
    setSelObjects([]);
    setScope("all");
    start.clear();
  }

  const target = (ns: string) => nsMap[ns] ?? ns;
  const badNamespaces = namespaces.filter((ns) => !NAMESPACE.test(target(ns).trim()));
  const namespaceMap = Object.fromEntries(namespaces.filter((ns) => target(ns).trim() !== ns).map((ns) => [ns, target(ns).trim()]));
  const storageClassMap = Object.fromEntries(Object.entries(scMap).filter(([from, to]) => to.trim() && to.trim() !== from).map(([from, to]) => [from, to.trim()]));

  const backupOk = !!location && !!backupId && !!d;
  const targetOk = !!cluster && (!name || DNS.test(name));
  const mappingOk = badNamespaces.length === 0;
  const partialOk = scope === "all" || (scope === "filter" ? selNamespaces.length + selKinds.length > 0 : selObjects.length > 0);
  const allOk = backupOk && targetOk && mappingOk && partialOk;

  const request: CallRequest<"restores.start"> = {
    location,
    backupId,
    cluster,
    namespaceMap,
    storageClassMap,
    existing,
    volumes,
    ...(scope === "filter" && selNamespaces.length ? { namespaces: selNamespaces } : {}),
    ...(scope === "filter" && selKinds.length ? { kinds: selKinds } : {}),
    ...(scope === "objects" ? { objects: selObjects } : {}),
    ...(name ? { name } : {}),
  };

  const save = async () => {
    if (start.busy || !allOk) return;
    const started = await start.run(request);
    if (started) onDone(started);
  };

  const noSubmit = (e: React.FormEvent) => e.preventDefault();
  const existingChoice = EXISTING.find((x) => x.value === existing)!;

  return (
    <Modal isOpen onEscapePress={onClose} variant="large" aria-labelledby="restore-wizard-title" aria-describedby="restore-wizard-description">
      <Wizard
        height={640}
        onClose={onClose}
        onSave={save}
        navAriaLabel="Restore wizard steps"
        header={
          <WizardHeader
            title="Create restore"
            titleId="restore-wizard-title"
            description="Bring a backup's objects and volume data back into a cluster, under the same or new namespaces."
            descriptionId="restore-wizard-description"
            onClose={onClose}
            closeButtonAriaLabel="Close the restore wizard"
          />
        }
      >
        <WizardStep body={SCROLL_BODY} name="Backup" id="restore-backup" footer={{ isNextDisabled: !backupOk }}>
          <Form onSubmit={noSubmit}>
            <ErrorAlert headingLevel="h3" error={locations.error} title="The backup locations could not be loaded" />
            <FormGroup label="Backup location" fieldId="rw-location">
              <FormSelect id="rw-location" value={location} onChange={(_e, v) => chooseLocation(v)}>
                {!location && <FormSelectOption value="" label={locations.loading ? "Loading locations…" : "Choose a location"} isDisabled />}
                {(locations.data ?? []).map((l) => <FormSelectOption key={l.id} value={l.name} label={`${l.name} (${l.kind})`} />)}
              </FormSelect>
            </FormGroup>
          </Form>
          <ErrorAlert headingLevel="h3" error={backups.error} title="The location's backups could not be listed" />
          {(backups.data?.errors ?? []).map((e) => (
            <Alert component="h3" key={e.location} variant="warning" isInline title={`Location ${e.location} could not be read`}>{e.error}</Alert>
          ))}
          {backups.loading && <Spinner size="md" aria-label="Loading backups" />}
          {backups.data && sortedBackups.length === 0 && <p>This location keeps no backups.</p>}
          {sortedBackups.length > 0 && (
            <div className="lb-scroll">
              <Table role="table" aria-label="Backups to restore from" variant="compact">
                <Thead>
                  <Tr>
                    <Th>Backup</Th>
                    <Th>Cluster</Th>
                    <Th>Namespaces</Th>
                    <Th>Objects</Th>
                    <Th>Size</Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {sortedBackups.map((b) => (
                    <Tr key={b.id} isRowSelected={b.id === backupId}>
                      <Td dataLabel="Backup">
                        <Radio
                          id={`rw-backup-${b.id}`}
                          name="rw-backup"
                          label={`${b.name} · ${formatTime(b.time)}`}
                          description={formatAge(b.time)}
                          isChecked={b.id === backupId}
                          onChange={() => chooseBackup(b.id)}
                        />
                      </Td>
                      <Td dataLabel="Cluster">{b.cluster}</Td>
                      <Td dataLabel="Namespaces">{b.namespaces.length ? b.namespaces.join(", ") : "All"}</Td>
                      <Td dataLabel="Objects">{b.objects}</Td>
                      <Td dataLabel="Size">{formatBytes(b.bytes)}</Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
            </div>
          )}
          {backupId && backups.data && !backup && !backups.loading && (
            <Alert component="h3" variant="warning" isInline title={`Backup ${backupId} is not in location ${location}`}>Choose another backup or location.</Alert>
          )}
          <ErrorAlert headingLevel="h3" error={details.error} title="The backup's contents could not be read" />
          {backupId && details.loading && <Spinner size="md" aria-label="Reading the backup's contents" />}
        </WizardStep>

        <WizardStep body={SCROLL_BODY} name="Target cluster" id="restore-target" footer={{ isNextDisabled: !targetOk }}>
          <Form onSubmit={noSubmit}>
            <ErrorAlert headingLevel="h3" error={clusters.error} title="The clusters could not be loaded" />
            <FormGroup label="Target cluster" fieldId="rw-cluster">
              <FormSelect id="rw-cluster" value={cluster} onChange={(_e, v) => setCluster(v)} aria-describedby="rw-cluster-help">
                {!cluster && <FormSelectOption value="" label={clusters.loading ? "Loading clusters…" : "Choose a cluster"} isDisabled />}
                {(clusters.data ?? []).map((c) => <FormSelectOption key={c.id} value={c.name} label={`${c.name} (${c.server})`} />)}
              </FormSelect>
              <FormHelperText>
                <HelperText id="rw-cluster-help">
                  <HelperTextItem>{backup ? `The backup was taken from ${backup.cluster}${cluster && cluster !== backup.cluster ? "; restoring to another cluster migrates the application" : ""}.` : " "}</HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
            <FormGroup label="Restore name" fieldId="rw-name">
              <TextInput id="rw-name" value={name} onChange={(_e, v) => setName(v)} validated={name && !DNS.test(name) ? "error" : "default"} aria-describedby="rw-name-help" />
              <FormHelperText>
                <HelperText id="rw-name-help">
                  <HelperTextItem variant={name && !DNS.test(name) ? "error" : "default"}>Optional; lowercase letters, digits, &apos;-&apos; and &apos;.&apos;. Left empty, one is made from the backup&apos;s name.</HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
          </Form>
        </WizardStep>

        <WizardStep body={SCROLL_BODY} name="Namespaces" id="restore-namespaces" footer={{ isNextDisabled: !mappingOk }}>
          <Form onSubmit={noSubmit}>
            <p>Each namespace comes back under the same name unless you give another: a different name restores into another namespace (a copy next to the original, say).</p>
            {namespaces.length === 0 && <p>This backup holds no namespaced objects.</p>}
            {namespaces.map((ns, i) => {
              const value = target(ns);
              const bad = !NAMESPACE.test(value.trim());
              return (
                <FormGroup key={ns} label={`Restore ${ns} to`} fieldId={`rw-ns-${i}`}>
                  <TextInput id={`rw-ns-${i}`} value={value} onChange={(_e, v) => setNsMap((m) => ({ ...m, [ns]: v }))} validated={bad ? "error" : "default"} aria-describedby={`rw-ns-${i}-help`} />
                  <FormHelperText>
                    <HelperText id={`rw-ns-${i}-help`}>
                      <HelperTextItem variant={bad ? "error" : "default"}>
                        {bad ? "A namespace name: lowercase letters, digits and '-'." : value.trim() === ns ? "Same namespace." : `Into namespace ${value.trim()} instead of ${ns}.`}
                      </HelperTextItem>
                    </HelperText>
                  </FormHelperText>
                </FormGroup>
              );
            })}
          </Form>
        </WizardStep>

        <WizardStep body={SCROLL_BODY} name="Storage classes" id="restore-storage">
          <Form onSubmit={noSubmit}>
            {d && d.storageClasses.length === 0 ? (
              <p>No volume claim in this backup names a storage class.</p>
            ) : (
              <p>Claims come back with the same storage class unless you name another one the target cluster has.</p>
            )}
            {(d?.storageClasses ?? []).map((sc, i) => (
              <FormGroup key={sc} label={`Storage class for ${sc}`} fieldId={`rw-sc-${i}`}>
                <TextInput id={`rw-sc-${i}`} value={scMap[sc] ?? sc} onChange={(_e, v) => setScMap((m) => ({ ...m, [sc]: v }))} />
              </FormGroup>
            ))}
          </Form>
        </WizardStep>

        <WizardStep body={SCROLL_BODY} name="Existing objects" id="restore-existing">
          <Form onSubmit={noSubmit}>
            <FormGroup label="When an object already exists" fieldId="rw-existing" role="radiogroup" isStack>
              {EXISTING.map((x) => (
                <Radio key={x.value} id={`rw-existing-${x.value}`} name="rw-existing" label={x.label} description={x.description} isChecked={existing === x.value} onChange={() => setExisting(x.value)} />
              ))}
            </FormGroup>
            {existing === "replace" && (
              <Alert component="h3" variant="warning" isInline title="Replacing deletes and recreates objects">
                Every object of the backup that exists in the target cluster is deleted, then created again from the backup. Changes made since the backup are lost, and running pods restart.
              </Alert>
            )}
          </Form>
        </WizardStep>

        <WizardStep body={SCROLL_BODY} name="What to restore" id="restore-partial" footer={{ isNextDisabled: !partialOk }}>
          <Form onSubmit={noSubmit}>
            <FormGroup label="Restore" fieldId="rw-scope" role="radiogroup" isStack>
              <Radio id="rw-scope-all" name="rw-scope" label="Everything in the backup" isChecked={scope === "all"} onChange={() => setScope("all")} />
              <Radio id="rw-scope-filter" name="rw-scope" label="Only chosen namespaces and kinds" isChecked={scope === "filter"} onChange={() => setScope("filter")} />
              <Radio id="rw-scope-objects" name="rw-scope" label="Only chosen objects" isChecked={scope === "objects"} onChange={() => setScope("objects")} />
            </FormGroup>
            {scope === "filter" && (
              <>
                <FormGroup label="Namespaces to restore" fieldId="rw-pick-ns" role="group" isStack>
                  {namespaces.map((ns) => (
                    <Checkbox key={ns} id={`rw-pick-ns-${ns}`} label={ns} isChecked={selNamespaces.includes(ns)} onChange={(_e, on) => setSelNamespaces((l) => toggle(l, ns, on))} />
                  ))}
                  <FormHelperText>
                    <HelperText>
                      <HelperTextItem>None ticked: every namespace. Cluster-scoped objects come along either way.</HelperTextItem>
                    </HelperText>
                  </FormHelperText>
                </FormGroup>
                <FormGroup label="Kinds to restore" fieldId="rw-pick-kinds" role="group" isStack>
                  <div className="lb-scroll">
                    {kinds.map((k) => (
                      <Checkbox key={k} id={`rw-pick-kind-${k}`} label={k} isChecked={selKinds.includes(k)} onChange={(_e, on) => setSelKinds((l) => toggle(l, k, on))} />
                    ))}
                  </div>
                  <FormHelperText>
                    <HelperText>
                      <HelperTextItem variant={partialOk ? "default" : "error"}>{partialOk ? "None ticked: every kind." : "Tick at least one namespace or kind, or restore everything."}</HelperTextItem>
                    </HelperText>
                  </FormHelperText>
                </FormGroup>
              </>
            )}
            {scope === "objects" && (
              <>
                <FormGroup label="Filter objects" fieldId="rw-object-filter">
                  <TextInput id="rw-object-filter" type="search" value={objectFilter} onChange={(_e, v) => setObjectFilter(v)} placeholder="Kind/namespace/name" />
                </FormGroup>
                <FormGroup label="Objects to restore" fieldId="rw-pick-objects" role="group" isStack>
                  <p className="lb-subtle" aria-live="polite">
                    {selObjects.length} chosen of {objects.length}
                    {shownObjects.length < objects.length ? `; ${shownObjects.length} shown, filter to find others` : ""}
                  </p>
                  <div className="lb-scroll">
                    {shownObjects.map((o, i) => (
                      <Checkbox key={o} id={`rw-pick-obj-${i}`} label={o} isChecked={selObjects.includes(o)} onChange={(_e, on) => setSelObjects((l) => toggle(l, o, on))} />
                    ))}
                  </div>
                  {!partialOk && (
                    <FormHelperText>
                      <HelperText>
                        <HelperTextItem variant="error">Tick at least one object, or restore everything.</HelperTextItem>
                      </HelperText>
                    </FormHelperText>
                  )}
                </FormGroup>
              </>
            )}
            <FormGroup label="Volume data" fieldId="rw-volumes" role="group">
              <Switch className="lb-switch" id="rw-volumes" label="Restore volume data" isChecked={volumes} onChange={(_e, on) => setVolumes(on)} isDisabled={d ? !d.volumeData : false} />
              <FormHelperText>
                <HelperText>
                  <HelperTextItem>
                    {d && !d.volumeData ? "This backup holds no volume data: claims come back empty." : volumes ? "Claims are filled with the backed-up data before workloads start." : "Claims come back empty."}
                  </HelperTextItem>
                </HelperText>
              </FormHelperText>
            </FormGroup>
          </Form>
        </WizardStep>

        <WizardStep
          body={SCROLL_BODY}
          name="Review"
          id="restore-review"
          footer={{ nextButtonText: "Start restore", isNextDisabled: start.busy || !allOk, nextButtonProps: { isLoading: start.busy } }}
        >
          <div className="lb-stack">
          <ErrorAlert headingLevel="h3" error={start.error} title="The restore could not be started" />
          {existing === "replace" && (
            <Alert component="h3" variant="warning" isInline isPlain title="Existing objects will be deleted and recreated." />
          )}
          <Title headingLevel="h3">Restore summary</Title>
          <DescriptionList isHorizontal aria-label="Restore summary">
            {[
              ["Backup", backup ? `${backup.name}, ${formatTime(backup.time)} (${backup.objects} objects, ${formatBytes(backup.bytes)})` : backupId || "–"],
              ["Backup location", location || "–"],
              ["Target cluster", cluster || "–"],
              ["Restore name", name || "Made from the backup's name"],
              ["Namespaces", namespaces.length ? namespaces.map((ns) => (target(ns).trim() === ns ? ns : `${ns} → ${target(ns).trim()}`)).join(", ") : "None"],
              ["Storage classes", Object.keys(storageClassMap).length ? Object.entries(storageClassMap).map(([a, b]) => `${a} → ${b}`).join(", ") : "Unchanged"],
              ["Existing objects", existingChoice.label],
              [
                "What",
                scope === "all"
                  ? "Everything in the backup"
                  : scope === "filter"
                    ? `Namespaces: ${selNamespaces.join(", ") || "all"}; kinds: ${selKinds.join(", ") || "all"}`
                    : `${selObjects.length} object${selObjects.length === 1 ? "" : "s"}: ${selObjects.slice(0, 10).join(", ")}${selObjects.length > 10 ? ", …" : ""}`,
              ],
              ["Volume data", volumes ? "Restored" : "Not restored (claims come back empty)"],
            ].map(([term, value]) => (
              <DescriptionListGroup key={term}>
                <DescriptionListTerm>{term}</DescriptionListTerm>
                <DescriptionListDescription>{value}</DescriptionListDescription>
              </DescriptionListGroup>
            ))}
          </DescriptionList>
          </div>
        </WizardStep>
      </Wizard>
    </Modal>
  );
}
