// Restore order: definitions and storage first, workloads last, the rest alphabetically between.
import { expect, test } from "vitest";
import { byRestoreOrder, groupByRank } from "../../main/restore/order";

test("kinds are ordered so nothing starts before what it needs", () => {
  const kinds = ["Deployment", "Widget", "Secret", "PersistentVolumeClaim", "CustomResourceDefinition", "Pod", "Ingress", "StorageClass", "ServiceAccount", "Service", "CronJob"];
  expect(byRestoreOrder(kinds.map((kind) => ({ kind }))).map((o) => o.kind)).toEqual([
    "CustomResourceDefinition", "StorageClass", "PersistentVolumeClaim", "ServiceAccount", "Secret", "Service", "Ingress", "Widget", "Pod", "Deployment", "CronJob",
  ]);
});

test("objects of one rank form a group that may be applied in parallel", () => {
  const items = byRestoreOrder([{ kind: "ConfigMap", n: 1 }, { kind: "Secret", n: 2 }, { kind: "ConfigMap", n: 3 }, { kind: "Widget", n: 4 }, { kind: "Gadget", n: 5 }]);
  expect(groupByRank(items).map((g) => g.map((i) => i.n))).toEqual([[2], [1, 3], [5], [4]]);
});
