import { useMemo, useState } from "react";
import {
  Button, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, FormGroup, Label, List, ListItem, Modal,
  ModalBody, ModalFooter, ModalHeader, Spinner, Tab, TabTitleText, Tabs, TextInput, Title,
} from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { BackupView } from "../../shared/api";
import { formatAge, formatBytes, formatDuration, formatTime } from "../format";
import { useCall } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";

const MAX_ROWS = 500;

/** Everything a backup holds (backups.describe): summary, object catalog, exclusions, volumes, rules, warnings. */
export function BackupDetails({ backup, onClose, onRestore }: { backup: BackupView; onClose: () => void; onRestore: (backup: BackupView) => void }) {
  const details = useCall("backups.describe", { location: backup.location, id: backup.id });
  const [tab, setTab] = useState<string | number>("summary");
  const [filter, setFilter] = useState("");
  const d = details.data;

  const catalog = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const all = [...(d?.catalog ?? [])].sort((a, b) => a.kind.localeCompare(b.kind) || (a.namespace ?? "").localeCompare(b.namespace ?? "") || a.name.localeCompare(b.name));
    return q ? all.filter((e) => `${e.kind} ${e.apiVersion} ${e.namespace ?? ""} ${e.name}`.toLowerCase().includes(q)) : all;
  }, [d, filter]);

  const failedRules = d?.rules.filter((r) => !r.ok).length ?? 0;

  return (
    <Modal isOpen onClose={onClose} variant="large" aria-labelledby="backup-details-title">
      <ModalHeader>
        <Title headingLevel="h2" id="backup-details-title">Backup {backup.name}</Title>
        <p className="lb-subtle">
          {backup.cluster} · {formatTime(backup.time)} ({formatAge(backup.time)}) · location {backup.location}
        </p>
      </ModalHeader>
      <ModalBody>
        <ErrorAlert headingLevel="h3" error={details.error} title="The backup's details could not be loaded" />
        {details.loading && !d && <Spinner size="lg" aria-label="Loading the backup's details" />}
        {d && (
          <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k)} aria-label="Backup details" mountOnEnter>
            <Tab eventKey="summary" title={<TabTitleText>Summary</TabTitleText>}>
              <DescriptionList isHorizontal isCompact className="lb-tab-body" aria-label="Backup summary">
                {[
                  ["Name", d.name],
                  ["ID", <span className="lb-mono" key="id">{d.id}</span>],
                  ["Location", d.location],
                  ["Cluster", d.cluster],
                  ["Taken", `${formatTime(d.time)} (${formatAge(d.time)})`],
                  ["Namespaces", d.namespaces.length ? d.namespaces.join(", ") : "All"],
                  ["Label selector", d.labelSelector || "None"],
                  ["Objects", String(d.objects)],
                  ["Volumes", d.volumeData ? `${d.volumes} with data` : `${d.volumes} (objects only, no volume data)`],
                  ["Size", formatBytes(d.bytes)],
                  ["New data", formatBytes(d.newBytes)],
                  ["Stored", formatBytes(d.storedBytes)],
                  ["Duration", formatDuration(d.seconds)],
                  ["Storage classes", d.storageClasses.length ? d.storageClasses.join(", ") : "None"],
                  ["Warnings", d.warnings ? `${d.warnings}` : "None"],
                ].map(([term, value]) => (
                  <DescriptionListGroup key={String(term)}>
                    <DescriptionListTerm>{term}</DescriptionListTerm>
                    <DescriptionListDescription>{value}</DescriptionListDescription>
                  </DescriptionListGroup>
                ))}
              </DescriptionList>
            </Tab>

            <Tab eventKey="objects" title={<TabTitleText>Objects ({d.catalog.length})</TabTitleText>}>
              <div className="lb-tab-body">
                <FormGroup label="Filter objects" fieldId="backup-details-filter" className="lb-narrow">
                  <TextInput id="backup-details-filter" type="search" value={filter} onChange={(_e, v) => setFilter(v)} placeholder="kind, namespace or name" />
                </FormGroup>
                <p className="lb-subtle" aria-live="polite">
                  {catalog.length} of {d.catalog.length} objects{catalog.length > MAX_ROWS ? `; the first ${MAX_ROWS} shown, filter to narrow down` : ""}
                </p>
                <Table role="table" aria-label="Backup objects" variant="compact">
                  <Thead>
                    <Tr>
                      <Th>Kind</Th>
                      <Th>Namespace</Th>
                      <Th>Name</Th>
                      <Th>Size</Th>
                    </Tr>
                  </Thead>
                  <Tbody>
                    {catalog.slice(0, MAX_ROWS).map((e) => (
                      <Tr key={`${e.apiVersion}/${e.kind}/${e.namespace ?? ""}/${e.name}`}>
                        <Td dataLabel="Kind">{e.kind}<div className="lb-subtle">{e.apiVersion}</div></Td>
                        <Td dataLabel="Namespace">{e.namespace ?? "(cluster)"}</Td>
                        <Td dataLabel="Name">{e.name}</Td>
                        <Td dataLabel="Size" className="lb-nowrap">{formatBytes(e.size)}</Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              </div>
            </Tab>

            <Tab eventKey="excluded" title={<TabTitleText>Excluded ({d.excluded.length + d.skippedKinds.length})</TabTitleText>}>
              <div className="lb-tab-body">
                <Title headingLevel="h3">Excluded objects</Title>
                {d.excluded.length === 0 ? (
                  <p>No object was left out.</p>
                ) : (
                  <Table role="table" aria-label="Excluded objects" variant="compact">
                    <Thead>
                      <Tr>
                        <Th>Kind</Th>
                        <Th>Namespace</Th>
                        <Th>Name</Th>
                        <Th>Reason</Th>
                      </Tr>
                    </Thead>
                    <Tbody>
                      {d.excluded.map((e, i) => (
                        <Tr key={i}>
                          <Td dataLabel="Kind">{e.kind}</Td>
                          <Td dataLabel="Namespace">{e.namespace ?? "(cluster)"}</Td>
                          <Td dataLabel="Name">{e.name}</Td>
                          <Td dataLabel="Reason">{e.reason}</Td>
                        </Tr>
                      ))}
                    </Tbody>
                  </Table>
                )}
                <Title headingLevel="h3">Skipped kinds</Title>
                {d.skippedKinds.length === 0 ? (
                  <p>No kind was skipped.</p>
                ) : (
                  <Table role="table" aria-label="Skipped kinds" variant="compact">
                    <Thead>
                      <Tr>
                        <Th>Kind</Th>
                        <Th>API version</Th>
                        <Th>Reason</Th>
                      </Tr>
                    </Thead>
                    <Tbody>
                      {d.skippedKinds.map((k, i) => (
                        <Tr key={i}>
                          <Td dataLabel="Kind">{k.kind}</Td>
                          <Td dataLabel="API version">{k.apiVersion}</Td>
                          <Td dataLabel="Reason">{k.reason}</Td>
                        </Tr>
                      ))}
                    </Tbody>
                  </Table>
                )}
              </div>
            </Tab>

            <Tab eventKey="volumes" title={<TabTitleText>Volumes ({d.volumeDetails.length})</TabTitleText>}>
              <div className="lb-tab-body">
                {!d.volumeData && <p>This backup holds objects only: volume data was not backed up.</p>}
                {d.volumeDetails.length === 0 ? (
                  <p>No volume data in this backup.</p>
                ) : (
                  <Table role="table" aria-label="Volume data" variant="compact">
                    <Thead>
                      <Tr>
                        <Th>Claim</Th>
                        <Th>Method</Th>
                        <Th>Size</Th>
                        <Th>Time</Th>
                        <Th>Node</Th>
                      </Tr>
                    </Thead>
                    <Tbody>
                      {d.volumeDetails.map((v) => (
                        <Tr key={`${v.namespace}/${v.claim}`}>
                          <Td dataLabel="Claim">{v.namespace}/{v.claim}</Td>
                          <Td dataLabel="Method">{v.method}</Td>
                          <Td dataLabel="Size" className="lb-nowrap">{formatBytes(v.bytes)}</Td>
                          <Td dataLabel="Time">{formatDuration(v.seconds)}</Td>
                          <Td dataLabel="Node">{v.node ?? "–"}</Td>
                        </Tr>
                      ))}
                    </Tbody>
                  </Table>
                )}
              </div>
            </Tab>

            <Tab eventKey="rules" title={<TabTitleText>Rules ({d.rules.length}{failedRules ? `, ${failedRules} failed` : ""})</TabTitleText>}>
              <div className="lb-tab-body">
                {d.rules.length === 0 ? (
                  <p>No pre/post rules ran for this backup.</p>
                ) : (
                  <Table role="table" aria-label="Rule results" variant="compact">
                    <Thead>
                      <Tr>
                        <Th>Phase</Th>
                        <Th>Action</Th>
                        <Th>Pod</Th>
                        <Th>Result</Th>
                        <Th>Message</Th>
                      </Tr>
                    </Thead>
                    <Tbody>
                      {d.rules.map((r, i) => (
                        <Tr key={i}>
                          <Td dataLabel="Phase">{r.phase}</Td>
                          <Td dataLabel="Action">{r.action}</Td>
                          <Td dataLabel="Pod">{r.namespace}/{r.pod}</Td>
                          <Td dataLabel="Result">
                            <Label isCompact status={r.ok ? "success" : "danger"}>{r.ok ? "Succeeded" : "Failed"}</Label>
                          </Td>
                          <Td dataLabel="Message" className="lb-wrap">{r.message ?? "–"}</Td>
                        </Tr>
                      ))}
                    </Tbody>
                  </Table>
                )}
              </div>
            </Tab>

            <Tab eventKey="warnings" title={<TabTitleText>Warnings ({d.warningList.length})</TabTitleText>}>
              <div className="lb-tab-body">
                {d.warningList.length === 0 ? (
                  <p>No warnings.</p>
                ) : (
                  <List aria-label="Backup warnings">
                    {d.warningList.map((w, i) => <ListItem key={i}>{w}</ListItem>)}
                  </List>
                )}
              </div>
            </Tab>
          </Tabs>
        )}
      </ModalBody>
      <ModalFooter>
        <Button variant="primary" onClick={() => onRestore(backup)}>Restore from this backup</Button>
        <Button variant="link" onClick={onClose}>Close</Button>
      </ModalFooter>
    </Modal>
  );
}
