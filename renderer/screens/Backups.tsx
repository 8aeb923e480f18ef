import { PageSection, Title } from "@patternfly/react-core";

// Placeholder until this screen is built.
export function Backups() {
  return (
    <PageSection>
      <Title headingLevel="h1">Backups</Title>
    </PageSection>
  );
}
