// The Electron shell: one window, the renderer loaded from a local custom protocol, and IPC that
// forwards the shared API contract to the engine host. Kept thin: the engine lives in main/.
import { app, BrowserWindow, ipcMain, Menu, net, protocol, session, shell, type IpcMainInvokeEvent } from "electron";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { IPC } from "../shared/api";
import { createEngineHost, toApiError } from "../main/api/engine-host";

const SCHEME = "lifeboat";
const ORIGIN = `${SCHEME}://app`;
// Bundled layout: dist/electron/main.mjs and preload.cjs next to dist/renderer/.
const here = dirname(fileURLToPath(import.meta.url));
const rendererRoot = resolve(here, "..", "renderer");

protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  const engine = createEngineHost({ host: "electron", version: app.getVersion() });
  let window: BrowserWindow | undefined;

  app.on("second-instance", () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });

  // Every IPC message must come from our own page in our own window.
  const trustedSender = (event: IpcMainInvokeEvent) =>
    event.senderFrame?.url.startsWith(`${ORIGIN}/`) === true && BrowserWindow.fromWebContents(event.sender) === window;

  ipcMain.handle(IPC.call, async (event, name: unknown, request: unknown) => {
    if (!trustedSender(event)) return { ok: false, error: { code: "invalid-request", message: "untrusted sender" } };
    try {
      return { ok: true, result: await engine.handle(name, request) };
    } catch (err) {
      return { ok: false, error: toApiError(err) };
    }
  });

  app.on("web-contents-created", (_e, contents) => {
    contents.on("will-navigate", (event, url) => {
      if (!url.startsWith(`${ORIGIN}/`)) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      // Only documentation links leave the app, and only to https.
      if (url.startsWith("https://")) void shell.openExternal(url);
      return { action: "deny" };
    });
    contents.on("will-attach-webview", (event) => event.preventDefault());
  });

  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    session.defaultSession.setPermissionCheckHandler(() => false);
    protocol.handle(SCHEME, (request) => {
      const path = decodeURIComponent(new URL(request.url).pathname);
      const file = resolve(join(rendererRoot, path === "/" ? "index.html" : path));
      if (!file.startsWith(rendererRoot + sep)) return new Response("not found", { status: 404 });
      return net.fetch(pathToFileURL(file).toString());
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate([
      { role: "fileMenu" }, { role: "editMenu" }, { role: "viewMenu" }, { role: "windowMenu" },
    ]));
    window = new BrowserWindow({
      width: 1400,
      height: 900,
      title: "Lifeboat",
      show: false,
      webPreferences: {
        preload: join(here, "preload.cjs"),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    window.once("ready-to-show", () => window?.show());
    void window.loadURL(`${ORIGIN}/index.html`);
  });

  app.on("window-all-closed", () => app.quit());
}
