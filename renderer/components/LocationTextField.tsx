import { FormGroup, FormHelperText, HelperText, HelperTextItem, TextArea, TextInput } from "@patternfly/react-core";

/** One labelled text field of the location form (a password field for secrets, a text area for PEM). */
export function LocationTextField({ id, label, value, onChange, isRequired, helper, type = "text", placeholder, multiline }: {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  isRequired?: boolean;
  helper?: string;
  type?: "text" | "password";
  placeholder?: string;
  multiline?: boolean;
}) {
  return (
    <FormGroup label={label} fieldId={id}>
      {multiline ? (
        <TextArea id={id} value={value} onChange={(_e, v) => onChange(v)} isRequired={isRequired} rows={6} resizeOrientation="vertical" className="lb-mono" placeholder={placeholder} />
      ) : (
        <TextInput id={id} type={type} value={value} onChange={(_e, v) => onChange(v)} isRequired={isRequired} placeholder={placeholder} autoComplete={type === "password" ? "new-password" : "off"} spellCheck={false} />
      )}
      {helper && (
        <FormHelperText>
          <HelperText>
            <HelperTextItem>{helper}</HelperTextItem>
          </HelperText>
        </FormHelperText>
      )}
    </FormGroup>
  );
}
