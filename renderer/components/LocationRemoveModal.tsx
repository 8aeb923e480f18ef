import { api } from "../api";
import { ConfirmModal } from "./ConfirmModal";

/** Confirms removing a backup location from Lifeboat; the data stored there is left in place. */
export function LocationRemoveModal({ location, onClose }: { location: string; onClose(): void }) {
  return (
    <ConfirmModal title={`Remove location ${location}?`} confirmLabel="Remove" onConfirm={() => api.call("locations.remove", { name: location })} onClose={onClose}>
      <p>Lifeboat forgets this location and its credentials. The backups stored there are not deleted; add the location again (with the same encryption password) to restore from them.</p>
    </ConfirmModal>
  );
}
