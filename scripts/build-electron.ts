// Bundles the Electron shell: main process as ESM (with the engine inside), preload as CommonJS
// (a sandboxed preload cannot be an ES module). The renderer is built by vite into dist/renderer.
import { build, type BuildOptions } from "esbuild";

const common: BuildOptions = { bundle: true, platform: "node", target: "node22", sourcemap: true, external: ["electron"], logLevel: "warning" };

await build({ ...common, entryPoints: ["electron/main.ts"], outfile: "dist/electron/main.mjs", format: "esm",
  // Some dependencies still call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __lbRequire } from 'node:module'; const require = __lbRequire(import.meta.url);" } });
await build({ ...common, entryPoints: ["electron/preload.ts"], outfile: "dist/electron/preload.cjs", format: "cjs" });
console.log("built dist/electron/main.mjs and dist/electron/preload.cjs");
