// Bundles the Electron shell: main process as ESM (with the engine inside), preload as CommonJS
// (a sandboxed preload cannot be an ES module). The renderer is built by vite into dist/renderer.
import { build, type BuildOptions } from "esbuild";
import { THREAD_SCRIPTS } from "../main/transfer/thread-scripts";
import { ENGINE_EXTERNALS } from "./engine-externals";

// Left in node_modules: electron-builder ships production dependencies.
const common: BuildOptions = { bundle: true, platform: "node", target: "node22", sourcemap: true, external: ["electron", ...ENGINE_EXTERNALS], logLevel: "warning" };
const esmRequire = { js: "import { createRequire as __lbRequire } from 'node:module'; const require = __lbRequire(import.meta.url);" };

// Some dependencies still call require(); give the ESM bundles one.
await build({ ...common, entryPoints: ["electron/main.ts"], outfile: "dist/electron/main.mjs", format: "esm", banner: esmRequire });
// The engine loads its thread scripts from beside the main bundle (main/transfer/pool.ts, workerEntry).
for (const [source, bundle] of Object.entries(THREAD_SCRIPTS)) {
  await build({ ...common, entryPoints: [`main/transfer/${source}.ts`], outfile: `dist/electron/${bundle}.mjs`, format: "esm", banner: esmRequire });
}
await build({ ...common, entryPoints: ["electron/preload.ts"], outfile: "dist/electron/preload.cjs", format: "cjs" });
console.log(`built dist/electron/main.mjs, preload.cjs and ${Object.values(THREAD_SCRIPTS).map((b) => `${b}.mjs`).join(", ")}`);
