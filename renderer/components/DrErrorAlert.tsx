import { Alert } from "@patternfly/react-core";

/**
 * An engine error (message and hint), as ErrorAlert shows it, but with its title at a chosen heading
 * level (h3 by default) so the headings of the Rules and schedules and Disaster recovery screens stay in order.
 */
export function DrErrorAlert({ error, title = "Something went wrong", headingLevel = "h3" }: {
  error?: Error & { hint?: string; code?: string };
  title?: string;
  headingLevel?: "h2" | "h3" | "h4" | "h5" | "h6";
}) {
  if (!error) return null;
  return (
    <Alert variant="danger" isInline title={title} role="alert" component={headingLevel}>
      <p>{error.message}</p>
      {error.hint && <p>{error.hint}</p>}
    </Alert>
  );
}
