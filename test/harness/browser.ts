/**
 * Debian's chromium driven by playwright-core, headless, for the web UI's tests. Never downloads
 * a browser: fails loudly when /usr/bin/chromium is missing (scripts/system-deps.sh installs it).
 * Collects console errors and uncaught page errors, which a test expects to stay empty.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
/** Where screenshots go: left by the run, never committed (`test-output/` is ignored). */
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../test-output/screenshots');

/** Flags for this machine: no sandbox as root, and no background calls to the outside world. */
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/system-deps.sh as root (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

export interface WatchedPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** Console errors and uncaught exceptions seen so far, in words. */
  readonly errors: string[];
}

/** A new browser context (its own storage: one signed-in person) and page, watched for errors. */
export async function openPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(`console: ${message.text()}`));
  page.on('pageerror', (error) => errors.push(`page error: ${error.stack ?? error.message}`));
  return { page, context, errors };
}

/** Saves a full-page screenshot as `test-output/screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
