import { PageSection, Title } from "@patternfly/react-core";

// Placeholder until this screen is built.
export function DisasterRecovery() {
  return (
    <PageSection>
      <Title headingLevel="h1">DisasterRecovery</Title>
    </PageSection>
  );
}
