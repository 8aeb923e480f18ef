import { Alert, Button, Modal, ModalBody, ModalFooter, ModalHeader, Title } from "@patternfly/react-core";
import type { BackupView, CallResponse } from "../../shared/api";
import { formatBytes, formatTime } from "../format";
import { useAction } from "../useCall";
import { ErrorAlert } from "./ErrorAlert";

/** Asks before deleting a backup from its location, then deletes it (backups.delete). */
export function BackupDeleteModal({ backup, onClose, onDeleted }: { backup: BackupView; onClose: () => void; onDeleted: (result: CallResponse<"backups.delete">) => void }) {
  const del = useAction("backups.delete");
  const confirm = async () => {
    const result = await del.run({ location: backup.location, id: backup.id });
    if (result) onDeleted(result);
  };
  return (
    <Modal isOpen onClose={onClose} variant="small" aria-labelledby="backup-delete-title" aria-describedby="backup-delete-body">
      <ModalHeader>
        <Title headingLevel="h2" id="backup-delete-title">Delete backup {backup.name}?</Title>
      </ModalHeader>
      <ModalBody id="backup-delete-body">
        <p>
          The backup of {backup.cluster} taken {formatTime(backup.time)} ({backup.objects} objects, {formatBytes(backup.bytes)}) is removed from location{" "}
          <strong>{backup.location}</strong>. Data that no other backup shares is freed. This cannot be undone.
        </p>
        <Alert component="h3" variant="warning" isInline isPlain title="You can no longer restore from this backup." />
        <ErrorAlert headingLevel="h3" error={del.error} title="The backup could not be deleted" />
      </ModalBody>
      <ModalFooter>
        <Button variant="danger" onClick={() => void confirm()} isLoading={del.busy} isDisabled={del.busy}>Delete backup</Button>
        <Button variant="link" onClick={onClose}>Cancel</Button>
      </ModalFooter>
    </Modal>
  );
}
