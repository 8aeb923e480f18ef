import { useId, useState, type ReactNode } from "react";
import { Button, Modal, ModalBody, ModalFooter, ModalHeader, Title } from "@patternfly/react-core";
import { ErrorAlert } from "./ErrorAlert";

/**
 * Asks before a destructive action (delete a policy, a schedule, a pair…) and runs it. The engine's
 * refusal (a policy still in use, …) is shown in the dialog, which stays open so it can be read.
 * Used by the Rules and schedules screen and the Disaster recovery screen.
 */
export function ConfirmModal({ title, children, confirmLabel = "Delete", danger = true, onConfirm, onClose }: {
  title: string;
  children: ReactNode;
  confirmLabel?: string;
  danger?: boolean;
  /** Runs the action; a thrown error is shown. */
  onConfirm(): Promise<unknown>;
  onClose(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error & { hint?: string }>();
  const titleId = useId();
  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal isOpen variant="small" onClose={onClose} aria-labelledby={titleId}>
      <ModalHeader>
        <Title headingLevel="h2" id={titleId}>{title}</Title>
      </ModalHeader>
      <ModalBody>
        {children}
        <ErrorAlert headingLevel="h3" error={error} title={`${confirmLabel} failed`} />
      </ModalBody>
      <ModalFooter>
        <Button variant={danger ? "danger" : "primary"} onClick={() => void confirm()} isLoading={busy} isDisabled={busy}>{confirmLabel}</Button>
        <Button variant="link" onClick={onClose}>Cancel</Button>
      </ModalFooter>
    </Modal>
  );
}
