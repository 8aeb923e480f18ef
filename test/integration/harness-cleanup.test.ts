// The harness's promise that nothing is left running: a process that owns a full cluster with a
// running pod is killed with SIGKILL (no chance to clean up), and within seconds every process,
// mount, network namespace and cgroup of its slot is gone.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { RUN_ROOT, paths } from "../../scripts/testenv/pins";
import { slotFor } from "../support/host";
import { isAlive, waitFor } from "../support/proc";

const cli = ["node_modules/.bin/tsx", "scripts/testenv/cli.ts"];

function processesMentioning(marker: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.split(") ")[1]?.startsWith("Z")) continue; // a zombie is dead, merely unreaped
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(marker) && !cmdline.includes("sweep-slot") && !cmdline.includes("lifeboat-testenv-reaper")) found.push(`${entry}: ${cmdline}`);
    } catch { /* exited meanwhile */ }
  }
  return found;
}

test("a cluster owner killed with SIGKILL leaves nothing running or mounted", async () => {
  execFileSync(cli[0]!, [cli[1]!, "up", "reap-test"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const info = JSON.parse(readFileSync(join(RUN_ROOT, "manual", "reap-test.json"), "utf8")) as { pid: number; kubeconfig: string };
  const kubectl = (...args: string[]) => execFileSync(paths.bin("kubectl"), ["--kubeconfig", info.kubeconfig, ...args], { encoding: "utf8" });
  kubectl("run", "victim", "--image=lifeboat.test/busybox:1.35", "--image-pull-policy=Never", "--", "sleep", "3600");
  kubectl("wait", "--for=condition=Ready", "pod/victim", "--timeout=90s");

  const slotNumber = Number(readdirSync(join(RUN_ROOT, "slots")).map((f) => {
    const m = /^(\d+)\.owner$/.exec(f);
    return m && readFileSync(join(RUN_ROOT, "slots", f), "utf8").includes(`"name":"reap-test"`) ? m[1] : undefined;
  }).find(Boolean));
  const slot = slotFor(slotNumber);
  // The containers run under containerd's shim, which is detached from the owner by design.
  expect(processesMentioning(slot.runDir + "/").some((p) => p.includes("containerd-shim"))).toBe(true);

  process.kill(info.pid, "SIGKILL");
  await waitFor("the owner to die", () => !isAlive(info.pid), { timeoutMs: 10_000 });
  await waitFor("the slot to be swept", () => !existsSync(join(RUN_ROOT, "slots", `${slot.n}.owner`)) && !existsSync(join(RUN_ROOT, "slots", `${slot.n}.sweeping`)), {
    timeoutMs: 60_000,
  });

  expect(processesMentioning(slot.runDir + "/")).toEqual([]);
  expect(processesMentioning(slot.netnsPath)).toEqual([]);
  expect(existsSync(slot.netnsPath)).toBe(false);
  expect(existsSync(slot.runDir)).toBe(false);
  expect(existsSync(slot.dataDir)).toBe(false);
  expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(slot.runDir);
  expect(existsSync(join("/sys/fs/cgroup/pids", slot.cgroupRoot))).toBe(false);
  // `down` knows the owner is gone and tidies its record.
  expect(execFileSync(cli[0]!, [cli[1]!, "down", "reap-test"], { encoding: "utf8" })).toContain("not running");
});
