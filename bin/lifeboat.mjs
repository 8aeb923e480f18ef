#!/usr/bin/env node
// `lifeboat` from a checkout: the TypeScript sources run through tsx's loader (dev dependency).
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { runCli } = await import("../main/cli/main.ts");
process.exit(await runCli(process.argv.slice(2)));
