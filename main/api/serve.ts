// Served mode as a process: the engine host over the CLI's state directory (so `lifeboat` commands
// and the browser see the same clusters and locations), secrets sealed by the key file or the
// passphrase vault, the renderer build on 127.0.0.1 behind a per-launch token. Used by
// `npm run serve`, `npm start` without Electron, and `lifeboat serve`.
import { lifeboatHome } from "../state/state";
import { defaultVault } from "../vault/index";
import { createEngineHost } from "./engine-host";
import { startServedHost, type ServedHost } from "./served";

export interface ServeOptions {
  staticDir: string;
  dataDir?: string;
  port?: number;
  /** Print the URL and stop on SIGINT/SIGTERM (default true). */
  interactive?: boolean;
}

export async function serveEngine(opts: ServeOptions): Promise<ServedHost & { stop(): Promise<void> }> {
  const dataDir = opts.dataDir ?? lifeboatHome();
  const vault = defaultVault(dataDir);
  const engine = createEngineHost({ host: "served", dataDir, vault, moverImage: process.env.LIFEBOAT_MOVER_IMAGE, runSchedules: true });
  const served = await startServedHost({ engine, staticDir: opts.staticDir, port: opts.port });
  const stop = async () => {
    await engine.close();
    await served.close();
  };
  if (opts.interactive !== false) {
    console.log(`\nLifeboat is running in served mode (state in ${dataDir}, secrets sealed with the ${vault.kind === "passphrase" ? "passphrase" : "key file"}).`);
    console.log(`Open this URL in a browser (it holds this session's token):\n\n  ${served.url}\n\nPress Ctrl+C to stop: running jobs are cancelled and nothing half-done is committed.`);
    let stopping = false;
    const shutdown = () => {
      if (stopping) process.exit(130);
      stopping = true;
      console.log("\nStopping: cancelling running jobs…");
      void stop().then(() => process.exit(0));
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
  }
  return { ...served, stop };
}
