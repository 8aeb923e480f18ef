import { FormHelperText, HelperText, HelperTextItem } from "@patternfly/react-core";

/** A form field's helper line: the error when there is one, otherwise the hint. */
export function PolicyFieldError({ error, hint, id }: { error?: string; hint?: string; id?: string }) {
  if (!error && !hint) return null;
  return (
    <FormHelperText>
      <HelperText id={id}>
        <HelperTextItem variant={error ? "error" : "default"}>{error ?? hint}</HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}
