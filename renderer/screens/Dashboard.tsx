import { Button, EmptyState, EmptyStateActions, EmptyStateBody, EmptyStateFooter, Grid, GridItem, PageSection, Title } from "@patternfly/react-core";
import { useCall } from "../useCall";
import { useUi } from "../store";
import { DashboardJobsCard } from "../components/DashboardJobsCard";
import { DashboardProtectedCard } from "../components/DashboardProtectedCard";
import { DashboardLocationsCard } from "../components/DashboardLocationsCard";
import { DashboardDrCard } from "../components/DashboardDrCard";
import { DashboardEngineCard } from "../components/DashboardEngineCard";

/** The overview: recent jobs, what is protected, whether the locations are healthy, and how disaster recovery keeps up. */
export function Dashboard() {
  const navigate = useUi((s) => s.navigate);
  const clusters = useCall("clusters.list", {}, ["clusters"]);
  const noClusters = clusters.data !== undefined && clusters.data.length === 0;
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Dashboard</Title>
      </PageSection>
      {noClusters && (
        <PageSection>
          <EmptyState headingLevel="h2" titleText="Start by adding a cluster" variant="sm">
            <EmptyStateBody>
              Lifeboat needs a cluster to back up. A backup location is ready already (an encrypted folder in the data directory), so once a cluster is added
              you can back up an application straight away.
            </EmptyStateBody>
            <EmptyStateFooter>
              <EmptyStateActions>
                <Button variant="primary" onClick={() => navigate("clusters")}>Go to Clusters</Button>
              </EmptyStateActions>
            </EmptyStateFooter>
          </EmptyState>
        </PageSection>
      )}
      <PageSection>
        <Grid hasGutter>
          <GridItem lg={6}>
            <DashboardJobsCard />
          </GridItem>
          <GridItem lg={6}>
            <DashboardProtectedCard hasClusters={!noClusters} />
          </GridItem>
          <GridItem lg={6}>
            <DashboardLocationsCard />
          </GridItem>
          <GridItem lg={6}>
            <DashboardDrCard />
          </GridItem>
          <GridItem span={12}>
            <DashboardEngineCard />
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}
