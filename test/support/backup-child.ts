// A backup in a process of its own, for tests that kill it mid-upload.
// Environment: LB_LOCATION (JSON location config), LB_PASSWORD, LB_BYTES, LB_SEED.
import { openLocation, parseLocationConfig } from "../../main/locations";
import { Repository } from "../../main/repo/repository";
import { backupStream } from "../../main/transfer/backup";
import { closeTransferPool } from "../../main/transfer/pool";
import { pseudoRandom } from "./data";

const location = openLocation(parseLocationConfig(JSON.parse(process.env.LB_LOCATION!)));
const repo = await Repository.open(location, process.env.LB_PASSWORD!);
process.stdout.write("started\n");
const snap = await backupStream(repo, "data", pseudoRandom(Number(process.env.LB_BYTES), process.env.LB_SEED!), { tags: { backup: "child" } });
process.stdout.write(`committed ${snap.id}\n`);
await closeTransferPool();
