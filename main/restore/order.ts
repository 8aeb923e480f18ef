// Restore order (Velero's priorities, adapted): definitions and namespaces first, then storage,
// identity and configuration, services, everything else alphabetically, workloads last, so a pod
// never starts before its claim, secret or service account exists.
const FIRST = [
  "CustomResourceDefinition", "Namespace", "StorageClass", "VolumeSnapshotClass", "VolumeSnapshotContent", "VolumeSnapshot",
  "PersistentVolume", "PersistentVolumeClaim", "ClusterRole", "Role", "ServiceAccount", "ClusterRoleBinding", "RoleBinding",
  "Secret", "ConfigMap", "LimitRange", "ResourceQuota", "PriorityClass", "Service",
];
const LAST = ["Pod", "ReplicaSet", "ReplicationController", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

/** Sort key of a kind: position in FIRST, then the rest alphabetically, then LAST in its order. */
export function restoreRank(kind: string): [number, string] {
  const first = FIRST.indexOf(kind);
  if (first >= 0) return [first, ""];
  const last = LAST.indexOf(kind);
  if (last >= 0) return [FIRST.length + 1 + last, ""];
  return [FIRST.length, kind];
}

export function byRestoreOrder<T extends { kind?: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => {
    const [ra, na] = restoreRank(a.kind ?? "");
    const [rb, nb] = restoreRank(b.kind ?? "");
    return ra - rb || na.localeCompare(nb);
  });
}

/** Consecutive runs of items with the same rank, from a list already in restore order. */
export function groupByRank<T extends { kind?: string }>(ordered: T[]): T[][] {
  const groups: T[][] = [];
  let last: string | undefined;
  for (const item of ordered) {
    const rank = restoreRank(item.kind ?? "").join("|");
    if (rank !== last) groups.push([]);
    groups[groups.length - 1]!.push(item);
    last = rank;
  }
  return groups;
}

/** Kinds that run pods: created last, after their volumes are filled. */
export const isWorkloadKind = (kind: string) => LAST.includes(kind);
