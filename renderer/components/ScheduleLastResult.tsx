import { Label } from "@patternfly/react-core";
import type { ScheduleView } from "../../shared/api";
import { formatTime } from "../format";

/** A schedule's last run: its result in words, the message and when it ended. */
export function ScheduleLastResult({ s }: { s: ScheduleView }) {
  if (!s.last?.result && !s.last?.message) return <>Not run yet</>;
  const ok = /^(ok|succeeded|success|completed)$/i.test(s.last.result ?? "");
  const failed = /fail|error/i.test(s.last.result ?? "");
  return (
    <>
      {s.last.result && <Label isCompact status={ok ? "success" : failed ? "danger" : "info"}>{s.last.result}</Label>}
      {s.last.message && <div>{s.last.message}</div>}
      {s.last.endedAt && <div>{formatTime(s.last.endedAt)}</div>}
    </>
  );
}

