import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Label, Stack, StackItem } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { ConnectionReportView } from "../../shared/api";

/** What a connection test found: the server, its version and platform, and each permission Lifeboat needs. */
export function ConnectionReport({ report, caption = "Permission checks" }: { report: ConnectionReportView; caption?: string }) {
  return (
    <Stack hasGutter>
      <StackItem>
        <DescriptionList isCompact isHorizontal>
          <DescriptionListGroup>
            <DescriptionListTerm>Server</DescriptionListTerm>
            <DescriptionListDescription className="lb-mono">{report.server}</DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Version</DescriptionListTerm>
            <DescriptionListDescription>{report.version}</DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Platform</DescriptionListTerm>
            <DescriptionListDescription>{report.platform}</DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>Access</DescriptionListTerm>
            <DescriptionListDescription>
              {report.fullAccess ? (
                <Label color="green" status="success">Full access</Label>
              ) : (
                <Label color="orange" status="warning">Limited access: some checks were denied</Label>
              )}
            </DescriptionListDescription>
          </DescriptionListGroup>
        </DescriptionList>
      </StackItem>
      <StackItem>
        <Table aria-label={caption} variant="compact">
          <Thead>
            <Tr>
              <Th>Purpose</Th>
              <Th>Verb</Th>
              <Th>Resource</Th>
              <Th>Namespace</Th>
              <Th>Result</Th>
            </Tr>
          </Thead>
          <Tbody>
            {report.checks.map((c, i) => (
              <Tr key={`${c.purpose}-${c.verb}-${c.group}-${c.resource}-${c.namespace}-${i}`}>
                <Td dataLabel="Purpose">{c.purpose}</Td>
                <Td dataLabel="Verb" className="lb-mono">{c.verb}</Td>
                <Td dataLabel="Resource" className="lb-mono">{c.group ? `${c.resource}.${c.group}` : c.resource}</Td>
                <Td dataLabel="Namespace">{c.namespace || "all namespaces"}</Td>
                <Td dataLabel="Result">
                  {c.allowed ? (
                    <Label color="green" status="success" isCompact>Allowed</Label>
                  ) : (
                    <Label color="red" status="danger" isCompact>Denied</Label>
                  )}
                  {c.reason && <div>{c.reason}</div>}
                </Td>
              </Tr>
            ))}
          </Tbody>
        </Table>
      </StackItem>
    </Stack>
  );
}
