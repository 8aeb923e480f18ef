// Pure parts of DR: when an object counts as unchanged, what a purge removes, which step of a
// failover comes next (a resumed one included), and how a cluster that lacks access is reported.
import { expect, test } from "vitest";
import type { Obj } from "../../main/backup/capture-rules";
import { clusterProblem } from "../../main/dr/cluster-pair";
import { nextStep, type SwitchoverState } from "../../main/dr/failover";
import { purgeCandidates } from "../../main/dr/migration";
import { isSubset } from "../../main/restore/restore";

test("isSubset: fields the cluster added are ignored; any difference in what the backup has is a change", () => {
  const live = { spec: { replicas: 0, clusterIP: "10.0.0.7", ports: [{ port: 80, protocol: "TCP" }] }, metadata: { labels: { a: "1" }, uid: "u" } };
  expect(isSubset({ spec: { replicas: 0, ports: [{ port: 80 }] }, metadata: { labels: { a: "1" } } }, live)).toBe(true);
  expect(isSubset({ spec: { replicas: 1 } }, live)).toBe(false);
  expect(isSubset({ spec: { ports: [{ port: 80 }, { port: 81 }] } }, live)).toBe(false); // lists are compared whole
  expect(isSubset({ metadata: { labels: { a: "1", b: "2" } } }, live)).toBe(false);
});

test("purgeCandidates: what an earlier run brought and the backup no longer has", () => {
  const o = (kind: string, name: string): Obj => ({ apiVersion: "v1", kind, metadata: { namespace: "shop", name } });
  expect(purgeCandidates([o("ConfigMap", "a"), o("ConfigMap", "gone"), o("Secret", "a")], [o("ConfigMap", "a"), o("Secret", "a")])).toEqual([o("ConfigMap", "gone")]);
  const slice = { ...o("EndpointSlice", "web-x"), metadata: { namespace: "shop", name: "web-x", ownerReferences: [{ apiVersion: "v1", kind: "Service", name: "web", uid: "u" }] } };
  expect(purgeCandidates([slice], [])).toEqual([]); // made by a controller from a migrated Service
});

test("nextStep: the first step pending or failed, so a resumed failover retries where it stopped", () => {
  const state = (statuses: SwitchoverState["steps"][number]["status"][]): SwitchoverState => ({
    id: "x", kind: "failover", pair: "p", migration: "m", startedAt: "", status: "running",
    steps: (["deactivate-source", "last-sync", "activate-destination", "wait-ready"] as const).map((name, i) => ({ name, status: statuses[i]! })),
  });
  expect(nextStep(state(["done", "skipped", "failed", "pending"]))?.name).toBe("activate-destination");
  expect(nextStep(state(["done", "done", "done", "done"]))).toBeUndefined();
});

test("clusterProblem names what the credentials may not do", () => {
  const report = { server: "s", version: "v1.34.4", platform: "", fullAccess: false, checks: [
    { purpose: "start data mover pods", verb: "create", resource: "pods", group: "", namespace: "", allowed: false },
    { purpose: "list the application's namespaces", verb: "list", resource: "namespaces", group: "", namespace: "", allowed: true },
  ] };
  expect(clusterProblem("destination", "dr", report)).toBe("destination cluster dr lacks access to start data mover pods");
  expect(clusterProblem("source", "prod", { ...report, fullAccess: true })).toBeUndefined();
});
