import { api } from "../api";
import { ConfirmModal } from "./ConfirmModal";

/** Confirms removing a cluster from Lifeboat (nothing on the cluster is touched). */
export function ClusterRemoveModal({ cluster, onClose }: { cluster: string; onClose(): void }) {
  return (
    <ConfirmModal title={`Remove cluster ${cluster}?`} confirmLabel="Remove" onConfirm={() => api.call("clusters.remove", { name: cluster })} onClose={onClose}>
      <p>Lifeboat forgets this cluster and its stored credentials. Nothing on the cluster changes, and its backups stay in their locations.</p>
    </ConfirmModal>
  );
}
