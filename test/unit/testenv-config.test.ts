// Pure parts of the test harness: slot addressing and generated kubeconfigs.
import { describe, expect, test } from "vitest";
import { KubeConfig } from "@kubernetes/client-node";
import { MAX_SLOTS, slotFor } from "../support/host";
import { kubeconfigYaml } from "../support/pki";

describe("slots", () => {
  test("every slot has its own addresses, subnet, namespace and cgroup root", () => {
    const slots = Array.from({ length: MAX_SLOTS }, (_, i) => slotFor(i + 1));
    for (const key of ["hostIp", "nodeIp", "podSubnet", "netnsName", "cgroupRoot", "runDir", "dataDir"] as const) {
      expect(new Set(slots.map((s) => s[key])).size).toBe(MAX_SLOTS);
    }
    expect(slotFor(7)).toMatchObject({ hostIp: "10.201.7.1", nodeIp: "10.201.7.2", podSubnet: "10.202.7.0/24", netnsName: "lbt7" });
  });

  test("interface names stay within the kernel's 15-character limit", () => {
    expect(`lbh${MAX_SLOTS}`.length).toBeLessThanOrEqual(15);
    expect(`cni${MAX_SLOTS}`.length).toBeLessThanOrEqual(15);
  });
});

describe("kubeconfigYaml", () => {
  test("produces a kubeconfig client-node loads, with embedded credentials", () => {
    const files: Record<string, string> = { "/ca": "CA PEM", "/crt": "CERT PEM", "/key": "KEY PEM" };
    const yaml = kubeconfigYaml({
      cluster: "a", server: "https://10.201.1.1:6443", caFile: "/ca", namespace: "db",
      user: { name: "admin", cert: "/crt", key: "/key" }, readFile: (p) => files[p]!,
    });
    const kc = new KubeConfig();
    kc.loadFromString(yaml);
    expect(kc.getCurrentCluster()?.server).toBe("https://10.201.1.1:6443");
    expect(Buffer.from(kc.getCurrentCluster()!.caData!, "base64").toString()).toBe("CA PEM");
    expect(Buffer.from(kc.getCurrentUser()!.keyData!, "base64").toString()).toBe("KEY PEM");
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe("db");
  });
});
