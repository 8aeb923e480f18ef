import { PageSection, Title } from "@patternfly/react-core";

// Placeholder until this screen is built.
export function Locations() {
  return (
    <PageSection>
      <Title headingLevel="h1">Locations</Title>
    </PageSection>
  );
}
