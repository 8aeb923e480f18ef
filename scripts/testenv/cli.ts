// `npm run testenv -- <command>`: prepare the test environment, or run clusters by hand for exploring.
import { ensureTestEnv } from "./ensure";

async function main(): Promise<void> {
  const [command = "help"] = process.argv.slice(2);
  switch (command) {
    case "ensure":
      await ensureTestEnv();
      break;
    default:
      console.log("usage: npm run testenv -- ensure");
      process.exitCode = command === "help" ? 0 : 2;
  }
}

main().catch((err: unknown) => {
  console.error(`testenv: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
