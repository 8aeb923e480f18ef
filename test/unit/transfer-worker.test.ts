// The transfer worker's housekeeping, in a thread of its own as in the pool: each task ends with a
// minor garbage collection, so the buffers Node's ciphers return per encrypted piece are freed at
// once instead of piling up until V8's external-memory trigger.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { expect, test } from "vitest";

test("sealing 256 MiB holds at most about one task's cipher output at a time", async () => {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const thread = new Worker(join(import.meta.dirname, "../../main/transfer/thread-from-source.cjs"), {
    argv: [join(import.meta.dirname, "../support/seal-memory-thread.ts")],
    execArgv: ["--import", tsx],
  });
  try {
    const peakMiB = await new Promise<number>((resolve, reject) => {
      thread.once("message", resolve);
      thread.once("error", reject);
    });
    // A task seals 8 MiB; without the collection this thread held 27 MiB and more.
    expect(peakMiB).toBeLessThan(18);
  } finally {
    await thread.terminate();
  }
}, 60_000);
