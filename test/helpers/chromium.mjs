// Launching Debian's Chromium through playwright-core, shared by the browser tests and
// `npm run bench -- html` (plain JavaScript so the benchmark can import it without a build).
import { chromium } from 'playwright-core';

/** Debian's chromium package; nothing downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless, with a fresh profile (playwright makes one per launch). The background-networking
 * flags stop Chromium from calling home: these machines have no network, and a request it made
 * would also count against the "no network request" check of the report pages.
 */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
