import { useState } from "react";
import { ExpandableSection, Label, LabelGroup, List, ListItem, Stack, StackItem, Title } from "@patternfly/react-core";
import { Table, Tbody, Td, Th, Thead, Tr } from "@patternfly/react-table";
import type { InventoryView } from "../../shared/api";

/** What a backup of this scope would take: the resources grouped by kind, and the kinds Lifeboat skips with why. */
export function InventoryKinds({ inventory }: { inventory: InventoryView }) {
  const [open, setOpen] = useState<Record<string, boolean>>({});
  return (
    <Stack hasGutter>
      <StackItem>
        <p>{inventory.total} resource{inventory.total === 1 ? "" : "s"} of {inventory.kinds.length} kind{inventory.kinds.length === 1 ? "" : "s"}.</p>
      </StackItem>
      {inventory.kinds.map((k) => {
        const key = `${k.apiVersion}/${k.kind}`;
        return (
          <StackItem key={key}>
            <ExpandableSection
              toggleText={`${k.kind} (${k.count})`}
              isExpanded={!!open[key]}
              onToggle={(_e, v) => setOpen((o) => ({ ...o, [key]: v }))}
              data-kind={k.kind}
            >
              <p className="lb-mono">{k.apiVersion}{k.namespaced ? "" : " · cluster-scoped"}</p>
              <Table aria-label={`${k.kind} resources`} variant="compact">
                <Thead>
                  <Tr>
                    <Th>Name</Th>
                    {k.namespaced && <Th>Namespace</Th>}
                    <Th>Labels</Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {k.items.map((item) => (
                    <Tr key={`${item.namespace ?? ""}/${item.name}`}>
                      <Td dataLabel="Name">{item.name}</Td>
                      {k.namespaced && <Td dataLabel="Namespace">{item.namespace ?? "–"}</Td>}
                      <Td dataLabel="Labels">
                        {Object.keys(item.labels).length === 0 ? (
                          "–"
                        ) : (
                          <LabelGroup numLabels={3} aria-label={`Labels of ${item.name}`}>
                            {Object.entries(item.labels).map(([lk, lv]) => (
                              <Label key={lk} isCompact textMaxWidth="32ch">{`${lk}=${lv}`}</Label>
                            ))}
                          </LabelGroup>
                        )}
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
              {k.items.length < k.count && <p>Showing {k.items.length} of {k.count}.</p>}
            </ExpandableSection>
          </StackItem>
        );
      })}
      {inventory.skipped.length > 0 && (
        <StackItem>
          <Title headingLevel="h3">Skipped kinds</Title>
          <List>
            {inventory.skipped.map((s) => (
              <ListItem key={`${s.apiVersion}/${s.kind}`}>
                <span className="lb-mono">{s.kind}</span> ({s.apiVersion}): {s.reason}
              </ListItem>
            ))}
          </List>
        </StackItem>
      )}
    </Stack>
  );
}
