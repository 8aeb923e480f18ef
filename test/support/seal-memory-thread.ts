// A thread for test/unit/transfer-worker.test.ts: runs the transfer worker's task function on 256 MiB
// of random data (stored raw, so every byte goes through the cipher) and reports how far this
// thread's ArrayBuffer memory grew meanwhile, in MiB.
import { randomBytes } from "node:crypto";
import { parentPort } from "node:worker_threads";
import run from "../../main/transfer/worker";

const MiB = 1024 * 1024;
const keys = { encryptionKey: randomBytes(32), idKey: randomBytes(32), contentId: "blake3-keyed" as const };
const segment = new SharedArrayBuffer(8 * MiB);
new Uint8Array(segment).set(randomBytes(8 * MiB));
const ranges = Array.from({ length: 8 }, (_, c) => [c * MiB, (c + 1) * MiB]).flat();
const before = process.memoryUsage().arrayBuffers;
let peak = 0;
for (let i = 0; i < 32; i++) {
  run({ op: "seal", segment, ranges, keys, known: null, level: 1 });
  peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
}
parentPort!.postMessage(peak / MiB);
