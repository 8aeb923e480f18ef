import { Button, Modal, ModalBody, ModalFooter, ModalHeader, Spinner, Title } from "@patternfly/react-core";
import { useCall } from "../useCall";
import { ConnectionError } from "./ConnectionError";
import { ConnectionReport } from "./ConnectionReport";

/** Tests a stored cluster's connection and shows what it found. */
export function ClusterTestModal({ cluster, onClose }: { cluster: string; onClose(): void }) {
  const test = useCall("clusters.test", { name: cluster });
  return (
    <Modal isOpen variant="large" aria-labelledby="cluster-test-title" onClose={onClose}>
      <ModalHeader>
        <Title headingLevel="h2" id="cluster-test-title">Connection test: {cluster}</Title>
      </ModalHeader>
      <ModalBody>
        {test.loading && <Spinner size="lg" aria-label={`Testing the connection to ${cluster}`} />}
        <ConnectionError error={test.error} title={`The connection to ${cluster} failed`} />
        {test.data && !test.loading && <ConnectionReport report={test.data} caption={`Permission checks for ${cluster}`} />}
      </ModalBody>
      <ModalFooter>
        <Button variant="secondary" onClick={test.reload} isDisabled={test.loading}>Test again</Button>
        <Button variant="primary" onClick={onClose}>Close</Button>
      </ModalFooter>
    </Modal>
  );
}
