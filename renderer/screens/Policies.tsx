// Rules and schedules: the schedule policies (when protection runs, how many copies it keeps), the
// backup schedules made from the Backups wizard, and the rule sets run in pods around a backup.
import { useState } from "react";
import { PageSection, Tab, TabTitleText, Tabs, Title } from "@patternfly/react-core";
import { useUi } from "../store";
import { PolicyTable } from "../components/PolicyTable";
import { ScheduleTable } from "../components/ScheduleTable";
import { RuleTable } from "../components/RuleTable";

const TABS = ["policies", "schedules", "rules"] as const;
type TabKey = (typeof TABS)[number];

export function Policies() {
  const initial = useUi((s) => s.route.params?.tab);
  const [tab, setTab] = useState<TabKey>(TABS.includes(initial as TabKey) ? (initial as TabKey) : "policies");
  return (
    <>
      <PageSection>
        <Title headingLevel="h1">Rules and schedules</Title>
      </PageSection>
      <PageSection>
        <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k as TabKey)} aria-label="Rules and schedules" mountOnEnter>
          <Tab eventKey="policies" title={<TabTitleText>Schedule policies</TabTitleText>}>
            <div style={{ paddingTop: 16 }}><PolicyTable /></div>
          </Tab>
          <Tab eventKey="schedules" title={<TabTitleText>Backup schedules</TabTitleText>}>
            <div style={{ paddingTop: 16 }}><ScheduleTable /></div>
          </Tab>
          <Tab eventKey="rules" title={<TabTitleText>Rules</TabTitleText>}>
            <div style={{ paddingTop: 16 }}><RuleTable /></div>
          </Tab>
        </Tabs>
      </PageSection>
    </>
  );
}
