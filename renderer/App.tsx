import { useEffect, useState } from "react";
import type { AppInfo } from "../shared/api";
import { api } from "./api";

export function App() {
  const [info, setInfo] = useState<AppInfo>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    api.call("app.info", {}).then(setInfo, (err: Error) => setError(err.message));
  }, []);

  return (
    <main className="shell">
      <header className="topbar">
        <h1>Lifeboat</h1>
        <span className="muted">Kubernetes backup, restore and disaster recovery</span>
      </header>
      <section className="panel" aria-live="polite">
        {error && <p role="alert" className="error">{error}</p>}
        {!error && !info && <p>Connecting to the engine…</p>}
        {info && (
          <dl className="facts">
            <dt>Version</dt>
            <dd>{info.version}</dd>
            <dt>Engine</dt>
            <dd>Node.js {info.engineNode} ({info.host === "electron" ? "desktop app" : "served mode"}, {info.platform})</dd>
          </dl>
        )}
      </section>
    </main>
  );
}
