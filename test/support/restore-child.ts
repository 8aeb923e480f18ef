// A restore in a process of its own, for the test that kills one midway.
// Environment: LB_LOCATION (JSON location config), LB_PASSWORD, LB_KUBECONFIG (path), LB_BACKUP
// (id or name), LB_REQUEST (JSON RestoreRequest). Prints each step as "step <name>".
import { readFileSync } from "node:fs";
import { loadKubeconfig } from "../../main/clusters/kubeconfig";
import { findKubernetesBackup } from "../../main/backup/resources";
import { openLocation, parseLocationConfig } from "../../main/locations";
import { Repository } from "../../main/repo/repository";
import { runRestore } from "../../main/restore/job";
import { closeTransferPool } from "../../main/transfer/pool";

const repo = await Repository.open(openLocation(parseLocationConfig(JSON.parse(process.env.LB_LOCATION!))), process.env.LB_PASSWORD!);
const kc = loadKubeconfig(readFileSync(process.env.LB_KUBECONFIG!, "utf8"), "child");
const backup = await findKubernetesBackup(repo, process.env.LB_BACKUP!);
process.stdout.write("started\n");
const outcome = await runRestore(repo, backup, kc, JSON.parse(process.env.LB_REQUEST!), {
  onStep: (step) => process.stdout.write(`step ${step}\n`),
});
process.stdout.write(`done ${outcome.complete}\n`);
await closeTransferPool();
