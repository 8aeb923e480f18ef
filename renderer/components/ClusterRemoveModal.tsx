import { Button, Modal, ModalBody, ModalFooter, ModalHeader, Title } from "@patternfly/react-core";
import { useAction } from "../useCall";
import { ConnectionError } from "./ConnectionError";

/** Confirms removing a cluster from Lifeboat (nothing on the cluster is touched). */
export function ClusterRemoveModal({ cluster, onClose }: { cluster: string; onClose(): void }) {
  const remove = useAction("clusters.remove");
  async function confirm() {
    if (await remove.run({ name: cluster })) onClose();
  }
  return (
    <Modal isOpen variant="small" aria-labelledby="cluster-remove-title" onClose={onClose}>
      <ModalHeader>
        <Title headingLevel="h2" id="cluster-remove-title">Remove cluster {cluster}?</Title>
      </ModalHeader>
      <ModalBody>
        <p>Lifeboat forgets this cluster and its stored credentials. Nothing on the cluster changes, and its backups stay in their locations.</p>
        <ConnectionError error={remove.error} title="The cluster was not removed" />
      </ModalBody>
      <ModalFooter>
        <Button variant="danger" onClick={confirm} isLoading={remove.busy} isDisabled={remove.busy}>Remove</Button>
        <Button variant="link" onClick={onClose}>Cancel</Button>
      </ModalFooter>
    </Modal>
  );
}
