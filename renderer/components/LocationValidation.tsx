import { Label, Stack, StackItem } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { ValidationView } from "../../shared/api";
import { ConnectionError } from "./ConnectionError";

/** The round trip a location was put through (write, read, list, delete), step by step, with timings. */
export function LocationValidation({ validation, caption = "Validation steps" }: { validation: ValidationView; caption?: string }) {
  return (
    <Stack hasGutter>
      <StackItem>
        {validation.ok ? (
          <Label color="green" status="success">Validation passed</Label>
        ) : (
          <Label color="red" status="danger">Validation failed</Label>
        )}
      </StackItem>
      {validation.steps.length > 0 && (
        <StackItem>
          <Table aria-label={caption} variant="compact">
            <Thead>
              <Tr>
                <Th>Step</Th>
                <Th>Result</Th>
                <Th>Time</Th>
              </Tr>
            </Thead>
            <Tbody>
              {validation.steps.map((s, i) => (
                <Tr key={`${s.step}-${i}`}>
                  <Td dataLabel="Step">{s.step}</Td>
                  <Td dataLabel="Result">
                    {s.ok ? <Label color="green" status="success" isCompact>OK</Label> : <Label color="red" status="danger" isCompact>Failed</Label>}
                  </Td>
                  <Td dataLabel="Time">{Math.round(s.ms)} ms</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </StackItem>
      )}
      {validation.error && (
        <StackItem>
          <ConnectionError error={validation.error} title="The location did not pass validation" />
        </StackItem>
      )}
    </Stack>
  );
}
