// Debian's Chromium driven by playwright-core (no browser download): headless, for UI tests.
// Playwright gives each launch a fresh temporary profile and removes it on close.
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.LIFEBOAT_CHROMIUM ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The background-networking flags keep Chromium from dialling out of this closed network.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
  });
}
