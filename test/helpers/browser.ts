import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';

export { CHROMIUM, launchChromium } from './chromium.mjs';

/** What a page did while it was open: console errors, uncaught errors, requests off disk. */
export interface PageWatch {
  readonly errors: string[];
  readonly requests: string[];
}

/**
 * Open a report file from disk and wait until its script has drawn it (`body[data-ready]`).
 * Returns the page, what it did, and the milliseconds from navigation to interactive.
 */
export async function openReport(
  browser: Browser,
  path: string,
  timeoutMs = 30_000,
): Promise<{ page: Page; watch: PageWatch; readyMs: number }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const watch: PageWatch = { errors: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(message.text());
  });
  page.on('pageerror', (error) => watch.errors.push(error.message));
  page.on('request', (request) => {
    if (!request.url().startsWith('file:')) watch.requests.push(request.url());
  });
  const started = Date.now();
  await page.goto(pathToFileURL(path).href);
  await page.waitForSelector('body[data-ready="true"]', { timeout: timeoutMs });
  return { page, watch, readyMs: Date.now() - started };
}
