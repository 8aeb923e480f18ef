// Before and after the integration tests: sweep clusters left by runs that were killed, so a crashed
// run never leaves processes, mounts, namespaces or cgroups behind for the next one.
import { sweepStale } from "./host";

export default function setup(): () => void {
  const swept = sweepStale();
  if (swept.length) console.log(`[testenv] swept leftovers of test cluster slots ${swept.join(", ")}`);
  return () => {
    sweepStale();
  };
}
