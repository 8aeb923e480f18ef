// The DR context for one CLI command (see main/dr/runtime.ts): everything the command opens is
// closed when it ends.
import type { State } from "../state/state";
import { drContext, type Closeable, type DrContext } from "../dr/runtime";

export { checkPairForMigrations, drContext, type Closeable, type DrContext } from "../dr/runtime";

/** The context for one command, and close() for everything it opened. */
export async function commandRuntime(state: State): Promise<{ ctx: DrContext; close(): Promise<void> }> {
  const [clusters, locations] = await Promise.all([state.clusters(), state.locations()]);
  const opened: Closeable[] = [];
  const ctx = drContext(clusters, locations, (c) => opened.push(c));
  return { ctx, close: async () => void (await Promise.allSettled(opened.splice(0).map((c) => c.close()))) };
}
