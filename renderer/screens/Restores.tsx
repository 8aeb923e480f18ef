import { PageSection, Title } from "@patternfly/react-core";

// Placeholder until this screen is built.
export function Restores() {
  return (
    <PageSection>
      <Title headingLevel="h1">Restores</Title>
    </PageSection>
  );
}
