// Disaster recovery: the DR dashboard (a card per replicated application with its RPO), cluster
// pairs, migration schedules, guided failover / failback, and the history with measured RTOs.
import { useState } from "react";
import { Button, Flex, FlexItem, PageSection, Tab, TabTitleText, Tabs, Title } from "@patternfly/react-core";
import { useUi } from "../store";
import { useCall } from "../useCall";
import { ErrorAlert } from "../components/ErrorAlert";
import { DrOverview } from "../components/DrOverview";
import { PairTable } from "../components/PairTable";
import { MigrationTable } from "../components/MigrationTable";
import { FailoverHistory } from "../components/FailoverHistory";
import { FailoverWizard } from "../components/FailoverWizard";

const TABS = ["overview", "pairs", "migrations", "history"] as const;
type TabKey = (typeof TABS)[number];

export function DisasterRecovery() {
  const initial = useUi((s) => s.route.params?.tab);
  const [tab, setTab] = useState<TabKey>(TABS.includes(initial as TabKey) ? (initial as TabKey) : "overview");
  const [switching, setSwitching] = useState<{ migration?: string; kind?: "failover" | "failback" }>();
  const migrations = useCall("dr.migrations.list", {}, ["dr", "policies"]);
  const pairs = useCall("dr.pairs.list", {}, ["dr"]);
  const switchovers = useCall("dr.switchovers.list", tab === "history" ? {} : undefined, ["dr"]);
  const reloadAll = () => {
    migrations.reload();
    pairs.reload();
  };

  return (
    <>
      <PageSection>
        <Flex justifyContent={{ default: "justifyContentSpaceBetween" }} alignItems={{ default: "alignItemsCenter" }}>
          <FlexItem>
            <Title headingLevel="h1">Disaster recovery</Title>
            <p>Replicate applications to another cluster and move them there when their cluster fails.</p>
          </FlexItem>
          <FlexItem>
            <Button variant="secondary" isDisabled={!migrations.data?.length} onClick={() => setSwitching({})}>Fail over or fail back…</Button>
          </FlexItem>
        </Flex>
      </PageSection>
      <PageSection>
        <ErrorAlert headingLevel="h3" error={tab === "overview" ? migrations.error ?? pairs.error : undefined} title="The disaster recovery state could not be loaded" />
        <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k as TabKey)} aria-label="Disaster recovery" mountOnEnter>
          <Tab eventKey="overview" title={<TabTitleText>Overview</TabTitleText>}>
            <div style={{ paddingTop: 16 }}>
              <DrOverview migrations={migrations.data} pairs={pairs.data} loading={migrations.loading} onSwitch={(migration, kind) => setSwitching({ migration, kind })} />
            </div>
          </Tab>
          <Tab eventKey="pairs" title={<TabTitleText>Cluster pairs</TabTitleText>}>
            <div style={{ paddingTop: 16 }}>
              <PairTable pairs={pairs.data} loading={pairs.loading} error={pairs.error} reload={reloadAll} />
            </div>
          </Tab>
          <Tab eventKey="migrations" title={<TabTitleText>Migrations</TabTitleText>}>
            <div style={{ paddingTop: 16 }}>
              <MigrationTable migrations={migrations.data} pairs={pairs.data ?? []} loading={migrations.loading} error={migrations.error} reload={reloadAll} />
            </div>
          </Tab>
          <Tab eventKey="history" title={<TabTitleText>Failover history</TabTitleText>}>
            <div style={{ paddingTop: 16 }}>
              <FailoverHistory switchovers={switchovers.data} loading={switchovers.loading} error={switchovers.error} />
            </div>
          </Tab>
        </Tabs>
      </PageSection>
      {switching && migrations.data && (
        <FailoverWizard
          migrations={migrations.data}
          pairs={pairs.data ?? []}
          initial={switching}
          onClose={() => { setSwitching(undefined); reloadAll(); }}
        />
      )}
    </>
  );
}
