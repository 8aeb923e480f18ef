import { Alert } from "@patternfly/react-core";

export type CodedError = Error & { code?: string; hint?: string; field?: string };

/** An engine error shown in full inside a form: its stable code, the message and the hint, and which field it names. */
export function ConnectionError({ error, title, headingLevel = "h3" }: { error?: CodedError | { code: string; message: string; hint?: string; field?: string }; title: string; headingLevel?: "h2" | "h3" | "h4" }) {
  if (!error) return null;
  return (
    <Alert component={headingLevel} variant="danger" isInline title={title} role="alert" data-error-code={error.code}>
      <p>
        {error.code && <strong>{error.code}: </strong>}
        <span style={{ whiteSpace: "pre-wrap" }}>{error.message}</span>
      </p>
      {error.field && <p>Field: <span className="lb-mono">{error.field}</span></p>}
      {error.hint && <p>{error.hint}</p>}
    </Alert>
  );
}
