import { PageSection, Title } from "@patternfly/react-core";

// Placeholder until this screen is built.
export function Jobs() {
  return (
    <PageSection>
      <Title headingLevel="h1">Jobs</Title>
    </PageSection>
  );
}
