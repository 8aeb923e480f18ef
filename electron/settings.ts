// The desktop app's settings (electron-store, in the user data directory): window bounds, whether
// the window was maximized, the console's last screen. No secrets here: those live in the vault.
import type { BrowserWindow } from "electron";
import Store from "electron-store";
import { restoredBounds, screenFromUrl, type Rect, type WindowSettings } from "./window-state";

interface Settings extends Record<string, unknown> {
  window: WindowSettings;
}

export interface AppSettings {
  /** Bounds for a new window (undefined: default size, centred) and whether to maximize it. */
  initialWindow(workAreas: Rect[]): { bounds?: Rect; maximized: boolean; lastScreen?: string };
  /** Remembers the window's bounds when it closes and the screen it shows as it changes. */
  track(window: BrowserWindow): void;
  /** Saves the tracked window's bounds now (a quit ends with app.exit, which closes no window). */
  saveWindow(): void;
}

export function openSettings(): AppSettings {
  const store = new Store<Settings>({
    name: "settings",
    defaults: { window: { maximized: false } },
    // A damaged settings file is not worth refusing to start over.
    clearInvalidConfig: true,
  });
  const read = (): WindowSettings => {
    const value = store.get("window") as Partial<WindowSettings> | undefined;
    return { maximized: value?.maximized === true, bounds: value?.bounds, lastScreen: typeof value?.lastScreen === "string" ? value.lastScreen : undefined };
  };
  const write = (patch: Partial<WindowSettings>) => {
    try {
      store.set("window", { ...read(), ...patch });
    } catch (err) {
      console.warn(`lifeboat: cannot save settings: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  let tracked: BrowserWindow | undefined;
  const saveWindow = () => {
    if (tracked && !tracked.isDestroyed()) write({ bounds: tracked.getNormalBounds(), maximized: tracked.isMaximized() });
  };
  return {
    saveWindow,
    initialWindow(workAreas) {
      const saved = read();
      return { bounds: restoredBounds(saved.bounds, workAreas), maximized: saved.maximized, lastScreen: saved.lastScreen };
    },
    track(window) {
      tracked = window;
      window.on("close", saveWindow);
      window.webContents.on("did-navigate-in-page", (_event, url) => {
        const screen = screenFromUrl(url);
        if (screen) write({ lastScreen: screen });
      });
    },
  };
}
