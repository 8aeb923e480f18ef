import { useEffect, useState } from "react";
import {
  ActionGroup, Button, EmptyState, EmptyStateBody, Form, FormGroup, FormHelperText, FormSelect, FormSelectOption, Grid, GridItem, HelperText,
  HelperTextItem, InputGroup, InputGroupItem, PageSection, Spinner, TextInput, Title,
} from "@patternfly/react-core";
import { useCall } from "../useCall";
import { useUi } from "../store";
import { ConnectionError } from "../components/ConnectionError";
import { InventoryNamespacePicker } from "../components/InventoryNamespacePicker";
import { InventoryKinds } from "../components/InventoryKinds";

/** The application view: a cluster's namespaces and, for the ones chosen and a label selector, the resources a backup would take. */
export function Applications() {
  const params = useUi((s) => s.route.params);
  const navigate = useUi((s) => s.navigate);
  const clusters = useCall("clusters.list", {}, ["clusters"]);
  const [cluster, setCluster] = useState(params?.cluster ?? "");
  const [selected, setSelected] = useState<string[]>(() => (params?.namespaces ? params.namespaces.split(",").filter(Boolean) : []));
  const [draft, setDraft] = useState(params?.selector ?? "");
  const [selector, setSelector] = useState(params?.selector ?? "");

  // Follow a navigation here with a cluster (?cluster=…); otherwise default to the first cluster.
  useEffect(() => {
    if (params?.cluster) setCluster(params.cluster);
  }, [params?.cluster]);
  useEffect(() => {
    const names = clusters.data?.map((c) => c.name) ?? [];
    if (names.length > 0 && !names.includes(cluster)) setCluster(names[0]!);
  }, [clusters.data, cluster]);

  const namespaces = useCall("inventory.namespaces", cluster ? { cluster } : undefined, ["clusters"]);
  const known = namespaces.data?.map((n) => n.name);
  const chosen = known ? selected.filter((n) => known.includes(n)) : selected;
  const resources = useCall("inventory.resources", cluster && chosen.length > 0 ? { cluster, namespaces: chosen, labelSelector: selector.trim() || undefined } : undefined);
  // The engine rejects a malformed selector as an invalid request before it asks the cluster: show it at the field.
  const inlineError = resources.error && selector.trim() && resources.error.code === "invalid-request" ? resources.error : undefined;

  function changeCluster(name: string) {
    setCluster(name);
    setSelected([]);
  }

  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Applications</Title>
        <p>An application is a set of namespaces, optionally narrowed by labels. Choose them to see what a backup would take.</p>
      </PageSection>
      <PageSection>
        <ConnectionError error={clusters.error} title="The clusters could not be listed" headingLevel="h2" />
        {clusters.loading && !clusters.data && <Spinner size="lg" aria-label="Loading clusters" />}
        {clusters.data && clusters.data.length === 0 && (
          <EmptyState headingLevel="h2" titleText="No clusters yet">
            <EmptyStateBody>Add a cluster first: its applications show here.</EmptyStateBody>
            <Button variant="primary" onClick={() => navigate("clusters")}>Go to Clusters</Button>
          </EmptyState>
        )}
        {clusters.data && clusters.data.length > 0 && (
          <Form onSubmit={(e) => { e.preventDefault(); setSelector(draft); }}>
            <Grid hasGutter>
              <GridItem md={4}>
                <FormGroup label="Cluster" fieldId="app-cluster">
                  <FormSelect id="app-cluster" value={cluster} onChange={(_e, v) => changeCluster(v)}>
                    {clusters.data.map((c) => <FormSelectOption key={c.id} value={c.name} label={c.name} />)}
                  </FormSelect>
                </FormGroup>
              </GridItem>
              <GridItem md={8}>
                <FormGroup label="Label selector" fieldId="app-selector">
                  <InputGroup>
                    <InputGroupItem isFill>
                      <TextInput
                        id="app-selector"
                        value={draft}
                        onChange={(_e, v) => setDraft(v)}
                        onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); setSelector(draft); } }}
                        placeholder="app=shop,tier in (web,db)"
                        validated={inlineError ? "error" : "default"}
                        spellCheck={false}
                      />
                    </InputGroupItem>
                    <InputGroupItem>
                      <Button variant="control" type="submit">Apply</Button>
                    </InputGroupItem>
                  </InputGroup>
                  <FormHelperText>
                    <HelperText>
                      {inlineError ? (
                        <HelperTextItem variant="error">{inlineError.message}{inlineError.hint ? ` ${inlineError.hint}` : ""}</HelperTextItem>
                      ) : (
                        <HelperTextItem>kubectl syntax: key=value, key!=value, key in (a,b), !key. Press Enter or Apply.</HelperTextItem>
                      )}
                    </HelperText>
                  </FormHelperText>
                </FormGroup>
              </GridItem>
            </Grid>
            <ActionGroup>
              <Button
                variant="primary"
                isDisabled={!cluster || chosen.length === 0 || !!inlineError}
                onClick={() => navigate("backups", { wizard: "1", cluster, namespaces: chosen.join(","), selector: selector.trim() })}
              >
                Back up these
              </Button>
            </ActionGroup>
          </Form>
        )}
      </PageSection>
      {cluster && clusters.data && clusters.data.length > 0 && (
        <PageSection>
          <Grid hasGutter>
            <GridItem md={4}>
              <Title headingLevel="h2">Namespaces</Title>
              <ConnectionError error={namespaces.error} title={`The namespaces of ${cluster} could not be listed`} />
              {namespaces.loading && !namespaces.data && <Spinner size="md" aria-label="Loading namespaces" />}
              {namespaces.data && <InventoryNamespacePicker namespaces={namespaces.data} selected={chosen} onChange={setSelected} />}
            </GridItem>
            <GridItem md={8}>
              <Title headingLevel="h2">Resources</Title>
              {chosen.length === 0 && <p>Select one or more namespaces to see their resources.</p>}
              {inlineError && <p>Correct the label selector to see the resources it selects.</p>}
              {resources.error && !inlineError && <ConnectionError error={resources.error} title="The resources could not be listed" />}
              {resources.loading && <Spinner size="md" aria-label="Loading resources" />}
              {resources.data && chosen.length > 0 && !resources.error && <InventoryKinds inventory={resources.data} />}
            </GridItem>
          </Grid>
        </PageSection>
      )}
    </>
  );
}
