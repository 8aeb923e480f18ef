import { useState } from "react";
import { Alert, Button, Checkbox, List, ListItem, Modal, ModalBody, ModalFooter, ModalHeader, Stack, StackItem, Title } from "@patternfly/react-core";
import type { CallResponse } from "../../shared/api";
import { useAction, useCall } from "../useCall";
import { ConnectionError } from "../components/ConnectionError";

/** The first-run welcome, shown over any screen until it is completed: import the user's kubeconfig contexts; an embedded default location is ready already. */
export function FirstRun() {
  const firstRun = useCall("app.firstRun", {});
  const complete = useAction("app.completeFirstRun");
  const [chosen, setChosen] = useState<string[]>([]);
  const [result, setResult] = useState<CallResponse<"app.completeFirstRun">>();
  const [closed, setClosed] = useState(false);

  const info = firstRun.data;
  if (closed || !info || (!info.needed && !result)) return null;

  async function finish(importContexts: string[]) {
    const r = await complete.run({ importContexts });
    if (!r) return;
    if (r.failed.length === 0) setClosed(true);
    else setResult(r);
  }

  if (result) {
    return (
      <Modal isOpen variant="medium" aria-labelledby="first-run-title" onClose={() => setClosed(true)}>
        <ModalHeader>
          <Title headingLevel="h2" id="first-run-title">Welcome to Lifeboat</Title>
        </ModalHeader>
        <ModalBody>
          <Stack hasGutter>
            {result.added.length > 0 && (
              <StackItem>
                <Alert component="h3" variant="success" isInline title={`Added ${result.added.length} cluster${result.added.length === 1 ? "" : "s"}: ${result.added.map((c) => c.name).join(", ")}`} />
              </StackItem>
            )}
            <StackItem>
              <Alert component="h3" variant="warning" isInline title={`${result.failed.length} context${result.failed.length === 1 ? "" : "s"} could not be added`}>
                <List>
                  {result.failed.map((f) => (
                    <ListItem key={f.context}><strong>{f.context}</strong>: {f.error}</ListItem>
                  ))}
                </List>
                <p>You can add them later from the Clusters screen.</p>
              </Alert>
            </StackItem>
          </Stack>
        </ModalBody>
        <ModalFooter>
          <Button variant="primary" onClick={() => setClosed(true)}>Close</Button>
        </ModalFooter>
      </Modal>
    );
  }

  const toggle = (name: string, on: boolean) => setChosen((c) => (on ? [...c.filter((n) => n !== name), name] : c.filter((n) => n !== name)));
  return (
    <Modal isOpen variant="medium" aria-labelledby="first-run-title" aria-describedby="first-run-intro">
      <ModalHeader>
        <Title headingLevel="h2" id="first-run-title">Welcome to Lifeboat</Title>
      </ModalHeader>
      <ModalBody>
        <Stack hasGutter>
          <StackItem id="first-run-intro">
            <p>Lifeboat backs up, restores and replicates applications running on Kubernetes.</p>
            <p>
              A backup location is ready already: <strong>{info.defaultLocation ?? "local"}</strong>, an encrypted folder in Lifeboat's data directory,
              so your first backup needs no setup. Add an object store later under Backup locations to keep backups off this machine.
            </p>
          </StackItem>
          <StackItem>
            <Title headingLevel="h3">Import clusters from your kubeconfig</Title>
            <p>Contexts in <span className="lb-mono">{info.kubeconfigPath}</span>:</p>
          </StackItem>
          {info.kubeconfigError && (
            <StackItem>
              <Alert component="h3" variant="warning" isInline title="Your kubeconfig could not be read">
                <p>{info.kubeconfigError}</p>
                <p>You can add clusters later from the Clusters screen.</p>
              </Alert>
            </StackItem>
          )}
          {!info.kubeconfigError && info.contexts.length === 0 && (
            <StackItem>
              <p>No contexts were found. Add clusters later from the Clusters screen.</p>
            </StackItem>
          )}
          {info.contexts.length > 0 && (
            <StackItem>
              <div role="group" aria-label="Contexts to import">
                {info.contexts.map((c, i) => (
                  <Checkbox
                    key={c.name}
                    id={`first-run-context-${i}`}
                    label={c.name}
                    description={`${c.server} · ${c.auth}${c.execCommand ? ` (${c.execCommand})` : ""}${c.addedAs ? ` · already added as ${c.addedAs}` : ""}`}
                    isChecked={chosen.includes(c.name)}
                    isDisabled={!!c.addedAs}
                    onChange={(_e, on) => toggle(c.name, on)}
                  />
                ))}
              </div>
            </StackItem>
          )}
          <StackItem>
            <ConnectionError error={complete.error} title="The first run could not be completed" />
          </StackItem>
        </Stack>
      </ModalBody>
      <ModalFooter>
        <Button variant="primary" onClick={() => finish(chosen)} isDisabled={complete.busy || chosen.length === 0} isLoading={complete.busy && chosen.length > 0}>
          Import selected
        </Button>
        <Button variant="link" onClick={() => finish([])} isDisabled={complete.busy}>Skip</Button>
      </ModalFooter>
    </Modal>
  );
}
