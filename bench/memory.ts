// The virtual machine's memory, held steady for the benchmark's duration.
//
// Some VMs (Firecracker with virtio-balloon free page reporting, as on our CI machines) hand every
// freed block of memory back to the hypervisor; the next process to touch it pays a fault in the
// host for each page. Measured here: first touch of such memory 300-600 MB/s, of memory the kernel
// kept 2.4 GB/s. Every tool and MinIO pay it in proportion to the fresh memory they touch, by
// whatever ran before them: MinIO's kernel time for the same 700 MB backup went from 0.5 s to
// 2.7-3.0 s, and the figures said more about the previous step than about the tool. The benchmark
// therefore stops the reporting while it runs (root only; restored afterwards, also by the reaper)
// and touches some memory once so that what the steps allocate is backed. `--page-reporting keep`
// leaves the machine as it is.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";

export const PAGE_REPORTING_ORDER = "/sys/module/page_reporting/parameters/page_reporting_order";

/** One above the largest order of the kernel's free lists (columns of /proc/buddyinfo): no block is ever that large. Pure. */
export function orderAboveLargest(buddyinfo: string): number | undefined {
  const counts = buddyinfo.split("\n").map((line) => line.replace(/^.*zone\s+\S+/, "").trim().split(/\s+/).filter(Boolean).length);
  const orders = Math.max(0, ...counts);
  return orders > 0 ? orders : undefined;
}

export interface PageReportingHold {
  /** The setting before, written back by `release`. */
  original: string;
  held: string;
  release(): void;
}

/** Stops free page reporting where the kernel has it and we may change it; undefined otherwise. */
export function holdFreedMemory(): PageReportingHold | undefined {
  let original: string;
  let held: number | undefined;
  try {
    original = readFileSync(PAGE_REPORTING_ORDER, "utf8").trim();
    held = orderAboveLargest(readFileSync("/proc/buddyinfo", "utf8"));
    if (held === undefined || Number(original) >= held) return undefined; // nothing is reported already
    writeFileSync(PAGE_REPORTING_ORDER, String(held));
  } catch {
    return undefined; // no such knob, or not root
  }
  return {
    original,
    held: String(held),
    release: () => {
      try {
        writeFileSync(PAGE_REPORTING_ORDER, original);
      } catch {
        // already gone or not ours to change any more
      }
    },
  };
}

/** Touches `bytes` of memory once in a child process, which frees it on exit: the kernel keeps it, backed, for the steps to come. */
export function touchMemory(bytes: number): void {
  const script = `const n=${Math.floor(bytes / (256 << 20))};const k=[];for(let i=0;i<n;i++)k.push(Buffer.alloc(256<<20,1));`;
  execFileSync(process.execPath, ["-e", script], { stdio: "ignore" });
}
