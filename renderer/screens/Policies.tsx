import { PageSection, Title } from "@patternfly/react-core";

// Placeholder until this screen is built.
export function Policies() {
  return (
    <PageSection>
      <Title headingLevel="h1">Policies</Title>
    </PageSection>
  );
}
