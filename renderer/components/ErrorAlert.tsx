import { Alert } from "@patternfly/react-core";

/** An engine error as an admin reads it: what failed, and the hint on what to do when there is one. */
export function ErrorAlert({ error, title = "Something went wrong", headingLevel = "h4" }: { error?: Error & { hint?: string; code?: string }; title?: string; headingLevel?: "h2" | "h3" | "h4" | "h5" | "h6" }) {
  if (!error) return null;
  return (
    <Alert variant="danger" isInline title={title} role="alert" component={headingLevel}>
      <p>{error.message}</p>
      {error.hint && <p>{error.hint}</p>}
    </Alert>
  );
}
