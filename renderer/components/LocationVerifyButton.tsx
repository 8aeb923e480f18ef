import { useState } from "react";
import { Button } from "@patternfly/react-core";
import type { CallResponse } from "../../shared/api";
import { api } from "../api";
import type { CodedError } from "./ConnectionError";

export type VerifyOutcome = { name: string; result?: CallResponse<"locations.verify">; error?: CodedError };

/** "Verify": runs the location's write/read/list/delete round trip and reports the outcome. */
export function LocationVerifyButton({ name, onDone, variant = "secondary" }: { name: string; onDone(outcome: VerifyOutcome): void; variant?: "secondary" | "link" }) {
  const [busy, setBusy] = useState(false);
  async function verify() {
    setBusy(true);
    try {
      onDone({ name, result: await api.call("locations.verify", { name }) });
    } catch (err) {
      onDone({ name, error: err as CodedError });
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button variant={variant} size="sm" onClick={verify} isLoading={busy} isDisabled={busy} isInline={variant === "link"}>
      Verify
    </Button>
  );
}
