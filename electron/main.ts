// The Electron shell: one window, the renderer loaded from a local custom protocol, and IPC that
// forwards the shared API contract to the engine host. Kept thin: the engine lives in main/.
//
// Security: the renderer is sandboxed and isolated, gets nothing but the contract (preload.ts), can
// load nothing but our own files (CSP on every response, every other request blocked), cannot
// navigate away, open windows, attach webviews or get any permission; IPC from anything but our
// own page in our own window is refused.
import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, safeStorage, screen, session, shell, type IpcMainInvokeEvent } from "electron";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { IPC, type EventName } from "../shared/api";
import { createEngineHost, toApiError, type EngineHost } from "../main/api/engine-host";
import { VaultError } from "../main/vault/types";
import { chooseVault } from "./safe-storage-vault";
import { openSettings, type AppSettings } from "./settings";
import { DEFAULT_SIZE, startUrl } from "./window-state";

const SCHEME = "lifeboat";
const ORIGIN = `${SCHEME}://app`;
/** The same policy as renderer/index.html's meta tag, sent as a header on every response too. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'";
/** How long a quit waits for running jobs to stop (the engine's own limit), and a little more for the rest. */
const CLOSE_TIMEOUT_MS = 10_000;
const CLOSE_GRACE_MS = 2_000;
// Bundled layout: dist/electron/main.mjs and preload.cjs next to dist/renderer/.
const here = dirname(fileURLToPath(import.meta.url));
const rendererRoot = resolve(here, "..", "renderer");

// Every renderer sandboxed, whatever a BrowserWindow asks for; must precede "ready".
app.enableSandbox();
protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

const isOurs = (url: string) => url.startsWith(`${ORIGIN}/`);
/** What the session may request at all: our own files, and the developer tools. */
const allowedRequest = (url: string) => isOurs(url) || url.startsWith("devtools://") || url.startsWith("data:");

/** Every lifeboat:// response carries the CSP (and no MIME sniffing), whatever the page's meta says. */
function secured(res: Response): Response {
  const headers = new Headers(res.headers);
  headers.set("Content-Security-Policy", CSP);
  headers.set("X-Content-Type-Options", "nosniff");
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let engine: EngineHost | undefined;
  let unsubscribe: (() => void) | undefined;
  let window: BrowserWindow | undefined;
  let settings: AppSettings | undefined;
  let quitting: "no" | "closing" | "done" = "no";

  app.on("second-instance", () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });

  // Every IPC message must come from our own page in our own window.
  const trustedSender = (event: IpcMainInvokeEvent) =>
    event.senderFrame?.url.startsWith(`${ORIGIN}/`) === true && BrowserWindow.fromWebContents(event.sender) === window;

  ipcMain.handle(IPC.call, async (event, name: unknown, request: unknown) => {
    if (!trustedSender(event)) return { ok: false, error: { code: "invalid-request", message: "untrusted sender" } };
    if (!engine || quitting !== "no") return { ok: false, error: { code: "unreachable", message: "the Lifeboat engine is not running (starting or shutting down)" } };
    try {
      return { ok: true, result: await engine.handle(name, request) };
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
  });

  app.on("web-contents-created", (_e, contents) => {
    contents.on("will-navigate", (event, url) => {
      if (!isOurs(url)) event.preventDefault();
    });
    contents.on("will-redirect", (event, url) => {
      if (!isOurs(url)) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      // Only documentation links leave the app, and only to https, in the user's browser.
      if (url.startsWith("https://")) void shell.openExternal(url);
      return { action: "deny" };
    });
    contents.on("will-attach-webview", (event) => event.preventDefault());
  });

  // A clean quit: the engine stops its jobs, schedulers, workers and child processes first (at most
  // CLOSE_TIMEOUT_MS), then the app exits.
  app.on("before-quit", (event) => {
    if (quitting === "done" || !engine) return;
    event.preventDefault();
    if (quitting === "closing") return;
    quitting = "closing";
    settings?.saveWindow();
    const running = engine;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((done) => {
      timer = setTimeout(() => {
        console.warn(`lifeboat: the engine did not stop within ${(CLOSE_TIMEOUT_MS + CLOSE_GRACE_MS) / 1000} s; exiting anyway`);
        done();
      }, CLOSE_TIMEOUT_MS + CLOSE_GRACE_MS);
    });
    void Promise.race([running.close(CLOSE_TIMEOUT_MS), timeout])
      .catch((err: unknown) => console.error(`lifeboat: stopping the engine failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        clearTimeout(timer);
        unsubscribe?.();
        quitting = "done";
        app.exit(0);
      });
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => app.quit());
  app.on("window-all-closed", () => app.quit());

  void app.whenReady().then(() => {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    ses.setPermissionCheckHandler(() => false);
    ses.setDevicePermissionHandler(() => false);
    ses.webRequest.onBeforeRequest({ urls: ["<all_urls>"] }, (details, callback) => callback({ cancel: !allowedRequest(details.url) }));
    protocol.handle(SCHEME, async (request) => {
      try {
        const url = new URL(request.url);
        const path = decodeURIComponent(url.pathname);
        const file = resolve(join(rendererRoot, path === "/" ? "index.html" : path));
        if (url.host !== "app" || !file.startsWith(rendererRoot + sep)) throw new Error("outside the renderer");
        return secured(await net.fetch(pathToFileURL(file).toString()));
      } catch {
        return secured(new Response("not found", { status: 404 }));
      }
    });

    // The vault first: without a safe place for secrets, no engine.
    const dataDir = app.getPath("userData");
    const refuse = (title: string, message: string, detail: string) => {
      dialog.showMessageBoxSync({ type: "error", title, message, detail, buttons: ["Quit"] });
      app.exit(1);
    };
    try {
      const choice = chooseVault({ dataDir, env: process.env, platform: process.platform, safeStorage });
      if (!choice.ok) return refuse(choice.title, choice.message, choice.detail);
      engine = createEngineHost({ host: "electron", dataDir, vault: choice.vault, version: app.getVersion(), moverImage: process.env.LIFEBOAT_MOVER_IMAGE, runSchedules: true });
    } catch (err) {
      return refuse("Lifeboat cannot start", err instanceof Error ? err.message : String(err), err instanceof VaultError ? err.hint ?? "" : `Data directory: ${dataDir}`);
    }
    unsubscribe = engine.subscribe((name: EventName, payload: unknown) => {
      if (window && !window.isDestroyed()) window.webContents.send(IPC.event, name, payload);
    });

    Menu.setApplicationMenu(Menu.buildFromTemplate([
      { role: "fileMenu" }, { role: "editMenu" }, { role: "viewMenu" }, { role: "windowMenu" },
    ]));
    settings = openSettings();
    const initial = settings.initialWindow(screen.getAllDisplays().map((d) => d.workArea));
    window = new BrowserWindow({
      ...DEFAULT_SIZE,
      ...initial.bounds,
      title: "Lifeboat",
      show: false,
      webPreferences: {
        preload: join(here, "preload.cjs"),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
        spellcheck: false,
      },
    });
    settings.track(window);
    window.once("ready-to-show", () => {
      if (initial.maximized) window?.maximize();
      window?.show();
    });
    window.on("closed", () => {
      window = undefined;
    });
    void window.loadURL(startUrl(ORIGIN, initial.lastScreen));
  });
}
