import { PageSection, Title } from "@patternfly/react-core";

// Placeholder until this screen is built.
export function Clusters() {
  return (
    <PageSection>
      <Title headingLevel="h1">Clusters</Title>
    </PageSection>
  );
}
