import { Button, Modal, ModalBody, ModalFooter, ModalHeader, Title } from "@patternfly/react-core";
import { useAction } from "../useCall";
import { ConnectionError } from "./ConnectionError";

/** Confirms removing a backup location from Lifeboat; the data stored there is left in place. */
export function LocationRemoveModal({ location, onClose }: { location: string; onClose(): void }) {
  const remove = useAction("locations.remove");
  async function confirm() {
    if (await remove.run({ name: location })) onClose();
  }
  return (
    <Modal isOpen variant="small" aria-labelledby="location-remove-title" onClose={onClose}>
      <ModalHeader>
        <Title headingLevel="h2" id="location-remove-title">Remove location {location}?</Title>
      </ModalHeader>
      <ModalBody>
        <p>Lifeboat forgets this location and its credentials. The backups stored there are not deleted; add the location again (with the same encryption password) to restore from them.</p>
        <ConnectionError error={remove.error} title="The location was not removed" />
      </ModalBody>
      <ModalFooter>
        <Button variant="danger" onClick={confirm} isLoading={remove.busy} isDisabled={remove.busy}>Remove</Button>
        <Button variant="link" onClick={onClose}>Cancel</Button>
      </ModalFooter>
    </Modal>
  );
}
