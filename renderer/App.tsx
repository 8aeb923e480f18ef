// The console's frame: masthead, navigation and the current screen. Screens are one file each under
// screens/; they talk to the engine only through the shared contract (api.ts, useCall.ts).
import { useEffect, type ReactNode } from "react";
import {
  Alert, Masthead, MastheadBrand, MastheadLogo, MastheadMain, Nav, NavItem, NavList, Page, PageSidebar, PageSidebarBody, SkipToContent,
} from "@patternfly/react-core";
import { connectEngine, useUi, type Screen } from "./store";
import { Dashboard } from "./screens/Dashboard";
import { Clusters } from "./screens/Clusters";
import { Applications } from "./screens/Applications";
import { Locations } from "./screens/Locations";
import { Backups } from "./screens/Backups";
import { Restores } from "./screens/Restores";
import { Policies } from "./screens/Policies";
import { DisasterRecovery } from "./screens/DisasterRecovery";
import { Jobs } from "./screens/Jobs";
import { FirstRun } from "./screens/FirstRun";

const SCREENS: Array<{ id: Screen; label: string; render: () => ReactNode }> = [
  { id: "dashboard", label: "Dashboard", render: () => <Dashboard /> },
  { id: "clusters", label: "Clusters", render: () => <Clusters /> },
  { id: "applications", label: "Applications", render: () => <Applications /> },
  { id: "locations", label: "Backup locations", render: () => <Locations /> },
  { id: "backups", label: "Backups", render: () => <Backups /> },
  { id: "restores", label: "Restores", render: () => <Restores /> },
  { id: "policies", label: "Rules and schedules", render: () => <Policies /> },
  { id: "dr", label: "Disaster recovery", render: () => <DisasterRecovery /> },
  { id: "jobs", label: "Jobs", render: () => <Jobs /> },
];

export function App() {
  const route = useUi((s) => s.route);
  const navigate = useUi((s) => s.navigate);
  const engineGone = useUi((s) => s.engineGone);
  useEffect(() => connectEngine(), []);
  const current = SCREENS.find((s) => s.id === route.screen) ?? SCREENS[0]!;

  useEffect(() => {
    document.title = `${current.label} · Lifeboat`;
  }, [current.label]);

  const masthead = (
    <Masthead>
      <MastheadMain>
        <MastheadBrand>
          <MastheadLogo component="a" href="#/dashboard" aria-label="Lifeboat home">
            <span className="brand">Lifeboat</span>
          </MastheadLogo>
        </MastheadBrand>
      </MastheadMain>
    </Masthead>
  );
  const sidebar = (
    <PageSidebar>
      <PageSidebarBody>
        <Nav aria-label="Lifeboat">
          <NavList>
            {SCREENS.map((s) => (
              <NavItem key={s.id} itemId={s.id} isActive={s.id === current.id} to={`#/${s.id}`} onClick={(e) => { e.preventDefault(); navigate(s.id); }}>
                {s.label}
              </NavItem>
            ))}
          </NavList>
        </Nav>
      </PageSidebarBody>
    </PageSidebar>
  );
  return (
    <Page masthead={masthead} sidebar={sidebar} isManagedSidebar skipToContent={<SkipToContent href="#main">Skip to content</SkipToContent>} mainContainerId="main">
      {engineGone && <Alert variant="danger" title="The engine stopped" isInline>{engineGone}</Alert>}
      <FirstRun />
      {current.render()}
    </Page>
  );
}
