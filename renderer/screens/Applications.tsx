import { PageSection, Title } from "@patternfly/react-core";

// Placeholder until this screen is built.
export function Applications() {
  return (
    <PageSection>
      <Title headingLevel="h1">Applications</Title>
    </PageSection>
  );
}
