// What the window remembers between runs, as pure functions (unit-tested without Electron): its
// bounds, whether it was maximized, and the screen of the console it showed last.
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowSettings {
  bounds?: Rect;
  maximized: boolean;
  /** The console's screen (renderer route, e.g. "clusters"), reopened on the next start. */
  lastScreen?: string;
}

export const DEFAULT_SIZE = { width: 1400, height: 900 } as const;
const MIN_SIZE = { width: 800, height: 500 } as const;

const isRect = (r: unknown): r is Rect =>
  typeof r === "object" && r !== null && ["x", "y", "width", "height"].every((k) => Number.isFinite((r as Record<string, unknown>)[k]));

/**
 * The saved bounds when enough of the window (a title bar's worth) still lands on one of the
 * displays' work areas; otherwise undefined, and the window opens centred at the default size (a
 * monitor was unplugged, or the resolution shrank).
 */
export function restoredBounds(saved: unknown, workAreas: Rect[]): Rect | undefined {
  if (!isRect(saved)) return undefined;
  const bounds = { ...saved, width: Math.max(MIN_SIZE.width, Math.round(saved.width)), height: Math.max(MIN_SIZE.height, Math.round(saved.height)) };
  const visible = workAreas.some((area) => {
    const w = Math.min(bounds.x + bounds.width, area.x + area.width) - Math.max(bounds.x, area.x);
    const h = Math.min(bounds.y + 40, area.y + area.height) - Math.max(bounds.y, area.y);
    return w >= 100 && h >= 20;
  });
  return visible ? bounds : undefined;
}

/** A screen id from a renderer URL ("lifeboat://app/index.html#/clusters?x=1" → "clusters"), if it looks like one. */
export function screenFromUrl(url: string): string | undefined {
  let hash: string;
  try {
    hash = new URL(url).hash;
  } catch {
    return undefined;
  }
  const screen = hash.replace(/^#\/?/, "").split("?")[0] ?? "";
  return /^[a-z][a-z0-9-]{0,40}$/.test(screen) ? screen : undefined;
}

/** The page to open: the last screen when one was saved (the renderer falls back to its dashboard for unknown ones). */
export function startUrl(origin: string, lastScreen: unknown): string {
  const screen = typeof lastScreen === "string" && /^[a-z][a-z0-9-]{0,40}$/.test(lastScreen) ? lastScreen : undefined;
  return `${origin}/index.html${screen ? `#/${screen}` : ""}`;
}
