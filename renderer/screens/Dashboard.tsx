import { PageSection, Title } from "@patternfly/react-core";

// Placeholder until this screen is built.
export function Dashboard() {
  return (
    <PageSection>
      <Title headingLevel="h1">Dashboard</Title>
    </PageSection>
  );
}
