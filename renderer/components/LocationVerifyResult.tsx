import { Alert, AlertActionCloseButton } from "@patternfly/react-core";
import { ConnectionError } from "./ConnectionError";
import { LocationValidation } from "./LocationValidation";
import type { VerifyOutcome } from "./LocationVerifyButton";

/** The outcome of the last "Verify": the round trip's steps, the repository found, or the error. */
export function LocationVerifyResult({ outcome, onClose, headingLevel = "h3" }: { outcome: VerifyOutcome; onClose(): void; headingLevel?: "h2" | "h3" }) {
  if (outcome.error) {
    return <ConnectionError error={outcome.error} title={`Verifying ${outcome.name} failed`} headingLevel={headingLevel} />;
  }
  const r = outcome.result;
  if (!r) return null;
  return (
    <Alert
      component={headingLevel}
      variant={r.validation.ok ? "success" : "danger"}
      isInline
      title={r.validation.ok ? `${outcome.name} is healthy` : `${outcome.name} failed verification`}
      actionClose={<AlertActionCloseButton onClose={onClose} aria-label={`Close the verification result of ${outcome.name}`} />}
    >
      {r.repository && <p>Repository {r.repository.id.slice(0, 8)} holds {r.repository.snapshots} snapshot{r.repository.snapshots === 1 ? "" : "s"}.</p>}
      <LocationValidation validation={r.validation} caption={`Verification steps for ${outcome.name}`} />
    </Alert>
  );
}
