// Switching workloads off and on for DR: each patch alone, and that off-then-on gives back exactly
// how each workload ran (an admin's own choices included), with repeated calls changing nothing.
import { describe, expect, test } from "vitest";
import type { Obj } from "../../main/backup/capture-rules";
import { activationPatch, applyMergePatch, deactivationPatch, PARKED_NODE_SELECTOR, stageObject } from "../../main/dr/staging";

const deployment = (replicas?: number): Obj => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop" }, spec: { ...(replicas === undefined ? {} : { replicas }), template: {} } });
const cronJob = (suspend?: boolean): Obj => ({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "report" }, spec: { schedule: "0 * * * *", ...(suspend === undefined ? {} : { suspend }) } });
const daemonSet = (nodeSelector?: Record<string, string>): Obj => ({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" }, spec: { template: { spec: { containers: [], ...(nodeSelector ? { nodeSelector } : {}) } } } });

/** Off, then on, through the patches as the API server would merge them. */
const roundTrip = (o: Obj) => {
  const off = applyMergePatch(o, deactivationPatch(o)!);
  expect(deactivationPatch(off)).toBeUndefined(); // a second deactivation changes nothing
  const on = applyMergePatch(off, activationPatch(off)!);
  expect(activationPatch(on)).toBeUndefined();
  return { off, on };
};

describe("switching off and on", () => {
  test("scalable workloads: zero replicas, the count remembered, then restored (the default 1 included)", () => {
    const { off, on } = roundTrip(deployment(3));
    expect(off.spec!.replicas).toBe(0);
    expect(off.metadata!.annotations).toEqual({ "lifeboat.io/replicas": "3" });
    expect(on).toEqual({ ...deployment(3), metadata: { ...deployment(3).metadata, annotations: {} } });
    expect(roundTrip(deployment()).on.spec!.replicas).toBe(1);
    expect(roundTrip(deployment(0)).on.spec!.replicas).toBe(0); // scaled down by the admin: stays down
  });

  test("CronJobs: suspended, and an admin's own suspension kept after activation", () => {
    expect(roundTrip(cronJob()).off.spec!.suspend).toBe(true);
    expect(roundTrip(cronJob()).on.spec!.suspend).toBe(false);
    expect(roundTrip(cronJob(true)).on.spec!.suspend).toBe(true);
  });

  test("DaemonSets: parked on no node, their own node selector given back", () => {
    const withSelector = roundTrip(daemonSet({ disk: "ssd" }));
    expect((withSelector.off.spec!.template as { spec: { nodeSelector: object } }).spec.nodeSelector).toEqual(PARKED_NODE_SELECTOR);
    expect((withSelector.on.spec!.template as { spec: { nodeSelector: object } }).spec.nodeSelector).toEqual({ disk: "ssd" });
    expect((roundTrip(daemonSet()).on.spec!.template as { spec: { nodeSelector?: object } }).spec.nodeSelector).toBeUndefined();
  });

  test("what Lifeboat did not switch off is never switched on; other kinds are not touched", () => {
    expect(activationPatch(deployment(0))).toBeUndefined();
    expect(deactivationPatch({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } })).toBeUndefined();
  });

  test("stageObject is the switched-off copy, leaving the input alone", () => {
    const source = deployment(2);
    expect(stageObject(source).spec!.replicas).toBe(0);
    expect(source.spec!.replicas).toBe(2);
  });
});

test("applyMergePatch follows RFC 7386: null deletes, objects merge, arrays and scalars replace", () => {
  expect(applyMergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1, 2] }, { a: null, b: { c: null, f: 4 }, e: [3] })).toEqual({ b: { d: 3, f: 4 }, e: [3] });
});
