import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The renderer build, shared by Electron (lifeboat:// protocol) and served mode (http://127.0.0.1).
export default defineConfig({
  root: "renderer",
  base: "./",
  plugins: [react()],
  build: { outDir: "../dist/renderer", emptyOutDir: true, sourcemap: true },
});
