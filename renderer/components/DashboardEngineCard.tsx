import { Card, CardBody, CardTitle, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Title } from "@patternfly/react-core";
import type { AppInfo } from "../../shared/api";
import { useCall } from "../useCall";
import { ConnectionError } from "./ConnectionError";

const HOSTS: Record<AppInfo["host"], string> = { electron: "desktop app", served: "served mode", cli: "command line" };
const VAULTS: Record<AppInfo["vault"], string> = { "safe-storage": "OS keychain", "key-file": "key file", passphrase: "passphrase" };

/** What engine this console talks to: version, how it runs, where it keeps its state. */
export function DashboardEngineCard() {
  const info = useCall("app.info", {});
  const i = info.data;
  return (
    <Card>
      <CardTitle>
        <Title headingLevel="h2" size="lg">Engine</Title>
      </CardTitle>
      <CardBody>
        <ConnectionError error={info.error} title="The engine did not answer" />
        {i && (
          <DescriptionList isCompact isHorizontal columnModifier={{ lg: "2Col" }}>
            <DescriptionListGroup>
              <DescriptionListTerm>Version</DescriptionListTerm>
              <DescriptionListDescription>{i.version}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Running as</DescriptionListTerm>
              <DescriptionListDescription>{HOSTS[i.host] ?? i.host}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Data directory</DescriptionListTerm>
              <DescriptionListDescription className="lb-mono">{i.dataDir}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Secrets kept in</DescriptionListTerm>
              <DescriptionListDescription>{VAULTS[i.vault] ?? i.vault}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Schedules</DescriptionListTerm>
              <DescriptionListDescription>{i.scheduler.by === "app" ? "run by this app while it is open" : i.scheduler.message}</DescriptionListDescription>
            </DescriptionListGroup>
            <DescriptionListGroup>
              <DescriptionListTerm>Platform</DescriptionListTerm>
              <DescriptionListDescription>{i.platform}, Node.js {i.engineNode}</DescriptionListDescription>
            </DescriptionListGroup>
          </DescriptionList>
        )}
      </CardBody>
    </Card>
  );
}
