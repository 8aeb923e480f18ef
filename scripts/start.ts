// `npm start`: builds the UI, then opens the Electron app where its binary is available; otherwise
// (as on machines that cannot download Electron) says so and starts served mode in the browser.
// `npm run serve` goes straight to served mode.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveEngine } from "../main/api/serve";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const servedOnly = process.argv.includes("--served");

function step(cmd: string, args: string[]): void {
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed`);
}

/** The Electron binary, downloading it on first use as electron@45 does; undefined with the reason when impossible. */
function electronBinary(): { path?: string; reason?: string } {
  const pkgDir = dirname(createRequire(import.meta.url).resolve("electron/package.json"));
  const pathFile = join(pkgDir, "path.txt");
  const existing = existsSync(pathFile) ? join(pkgDir, "dist", readFileSync(pathFile, "utf8")) : undefined;
  if (existing && existsSync(existing)) return { path: existing };
  console.log("Fetching the Electron binary (first run)…");
  const res = spawnSync(process.execPath, [join(pkgDir, "install.js")], { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8", timeout: 120_000 });
  const installed = existsSync(pathFile) ? join(pkgDir, "dist", readFileSync(pathFile, "utf8")) : undefined;
  if (res.status === 0 && installed && existsSync(installed)) return { path: installed };
  // The first line that is not a stack frame says what went wrong ("TypeError: fetch failed", …).
  const lines = (res.stderr || res.error?.message || "").split("\n").map((l) => l.trim()).filter(Boolean);
  const why = lines.find((l) => !l.startsWith("at ")) ?? "download failed";
  return { reason: `downloading it failed: ${why}` };
}

async function serve(): Promise<void> {
  await serveEngine({ staticDir: join(root, "dist", "renderer") });
}

async function main(): Promise<void> {
  step("npx", ["vite", "build", "--logLevel", "warn"]);
  if (!servedOnly) {
    const electron = electronBinary();
    if (electron.path) {
      step("npx", ["tsx", "scripts/build-electron.ts"]);
      const child = spawn(electron.path, [root], { stdio: "inherit" });
      child.on("exit", (code) => process.exit(code ?? 0));
      return;
    }
    console.log(`\nThe Electron binary is not available on this machine (${electron.reason}).\nStarting served mode instead: the same app, in your browser.`);
  }
  await serve();
}

main().catch((err: unknown) => {
  console.error(`lifeboat: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
