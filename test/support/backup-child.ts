// A backup in a process of its own, for tests that kill it mid-upload.
// Environment: LB_LOCATION (JSON location config), LB_PASSWORD, and either LB_BYTES and LB_SEED
// (pseudo-random data) or LB_SOURCE=stdin (whatever is piped in, read from its file descriptor).
import { openLocation, parseLocationConfig } from "../../main/locations";
import { Repository } from "../../main/repo/repository";
import { backupStream } from "../../main/transfer/backup";
import { closeTransferPool } from "../../main/transfer/pool";
import { pseudoRandom } from "./data";

const location = openLocation(parseLocationConfig(JSON.parse(process.env.LB_LOCATION!)));
const repo = await Repository.open(location, process.env.LB_PASSWORD!);
process.stdout.write("started\n");
const source = process.env.LB_SOURCE === "stdin" ? { fd: 0 } : pseudoRandom(Number(process.env.LB_BYTES), process.env.LB_SEED!);
const snap = await backupStream(repo, "data", source, { tags: { backup: "child" } });
process.stdout.write(`committed ${snap.id}\n`);
await closeTransferPool();
