// Lint rules, including the layer boundaries that keep the architecture honest:
// shared/ is pure types and pure functions; renderer/ never reaches Node or the engine directly;
// the engine (main/) never imports Electron, so it runs the same under the CLI, served mode and tests.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

const nodeBuiltins = { group: ["node:*"], message: "Node built-ins are not available here." };
const electron = { name: "electron", message: "Only electron/ may import Electron." };
const layer = (dir, why) => ({ group: [`**/${dir}/**`, `../${dir}/*`, `../../${dir}/*`], message: why });

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "renderer/dist/**", "test-results/**", "**/*.tmp.ts", ".lbx/**", "bench/.build/**", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      eqeqeq: ["error", "smart"],
      "no-console": "off",
    },
  },
  {
    files: ["shared/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [electron],
        patterns: [nodeBuiltins, layer("main", "shared/ may not depend on the engine."), layer("renderer", "shared/ may not depend on the UI.")],
      }],
    },
  },
  {
    files: ["renderer/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "no-restricted-imports": ["error", {
        paths: [electron],
        patterns: [nodeBuiltins, layer("main", "The UI talks to the engine only through the shared API contract."), layer("electron", "The UI must not import the shell.")],
      }],
    },
  },
  {
    files: ["main/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", {
        paths: [electron],
        patterns: [layer("renderer", "The engine may not depend on the UI."), layer("electron", "The engine may not depend on the shell.")],
      }],
    },
  },
);
