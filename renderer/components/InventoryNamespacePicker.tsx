import { useState } from "react";
import { Button, Checkbox, Flex, FlexItem, HelperText, HelperTextItem, SearchInput } from "@patternfly/react-core";

/** The cluster's namespaces as a filterable checkbox list. */
export function InventoryNamespacePicker({ namespaces, selected, onChange }: {
  namespaces: Array<{ name: string; labels: Record<string, string> }>;
  selected: string[];
  onChange(selected: string[]): void;
}) {
  const [filter, setFilter] = useState("");
  const f = filter.trim().toLowerCase();
  const shown = namespaces.filter((n) => !f || n.name.toLowerCase().includes(f) || Object.entries(n.labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(f)));
  const chosen = new Set(selected);
  const toggle = (name: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(name);
    else next.delete(name);
    onChange(namespaces.map((n) => n.name).filter((n) => next.has(n)));
  };
  return (
    <Flex direction={{ default: "column" }} spaceItems={{ default: "spaceItemsSm" }}>
      <FlexItem>
        <SearchInput aria-label="Filter namespaces" placeholder="Filter namespaces" value={filter} onChange={(_e, v) => setFilter(v)} onClear={() => setFilter("")} />
      </FlexItem>
      <FlexItem>
        <Button variant="link" isInline onClick={() => onChange(namespaces.map((n) => n.name).filter((n) => chosen.has(n) || shown.some((s) => s.name === n)))} isDisabled={shown.length === 0}>
          Select all shown
        </Button>{" · "}
        <Button variant="link" isInline onClick={() => onChange([])} isDisabled={selected.length === 0}>Clear selection</Button>
      </FlexItem>
      <FlexItem>
        <HelperText>
          <HelperTextItem>{selected.length} of {namespaces.length} selected</HelperTextItem>
        </HelperText>
      </FlexItem>
      <FlexItem>
        <div role="group" aria-label="Namespaces" style={{ maxHeight: "28rem", overflowY: "auto" }}>
          {shown.map((n) => (
            <Checkbox key={n.name} id={`ns-${n.name}`} label={n.name} isChecked={chosen.has(n.name)} onChange={(_e, on) => toggle(n.name, on)} />
          ))}
          {shown.length === 0 && <p>No namespace matches “{filter}”.</p>}
        </div>
      </FlexItem>
    </Flex>
  );
}
