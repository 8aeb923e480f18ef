// lifeboat serve: the desktop console in a browser (served mode), over the same state as the CLI.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CommandError, command, type Group } from "./command";

const root = fileURLToPath(new URL("../..", import.meta.url));

const serve = command({
  name: "serve",
  summary: "Open the console in a browser: the app's screens served on 127.0.0.1 with a per-launch token",
  usage: "[--port PORT]",
  description: [
    "Serves the desktop app's screens and its engine on 127.0.0.1 and prints a URL holding a random token for",
    "this launch: every request without it is refused. Clusters, locations and schedules are those of",
    "$LIFEBOAT_HOME, as for every other command; secrets there are sealed with its key file (vault.key, mode",
    "0600) or, when LIFEBOAT_PASSPHRASE is set, with that passphrase. Ctrl-C cancels running jobs and stops.",
  ].join("\n"),
  args: { min: 0, max: 0 },
  flags: { port: { type: "string", value: "PORT", help: "listen on this port (default: any free port)" } },
  examples: ["lifeboat serve", "LIFEBOAT_PASSPHRASE=… lifeboat serve --port 8443"],
  interruptNote: "",
  async run(ctx, { flags }) {
    const port = flags.port === undefined ? undefined : Number(flags.port);
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new CommandError(`--port must be a port number, not "${flags.port}"`);
    const staticDir = `${root}dist/renderer`;
    if (!existsSync(`${staticDir}/index.html`)) {
      ctx.err("Building the console (first run)…");
      const built = spawnSync("npx", ["vite", "build", "--logLevel", "warn"], { cwd: root, stdio: "inherit" });
      if (built.status !== 0) throw new CommandError("building the console failed (see above)");
    }
    const { serveEngine } = await import("../api/serve");
    const served = await serveEngine({ staticDir, dataDir: ctx.state.home, port, interactive: false });
    ctx.out(`Lifeboat console for ${ctx.state.home}:\n\n  ${served.url}\n\nPress Ctrl+C to stop.`);
    await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
    await served.stop();
    return 0;
  },
});

export const serveGroup: Group = { name: "serve", summary: "Open the console in a browser (served mode)", commands: [], command: serve };
