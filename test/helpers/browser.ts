/**
 * Headless chromium for rendering tests: Debian's /usr/bin/chromium driven by playwright-core (which never
 * downloads a browser), with a fresh profile per launch. Without chromium the tests are skipped, except
 * under CI=true, where its absence is a failure (.ci/run installs it).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(process.cwd(), 'test-results', 'ui');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why browser tests cannot run here, or undefined when they can (and must). */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing under CI=true; .ci/run installs it with apt-get install -y chromium`);
  return `${CHROMIUM} is not installed (apt-get install -y chromium); browser tests skipped`;
}

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab that records dialogs (alert, confirm, prompt) and console errors. */
  page(): Promise<WatchedPage>;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  dialogs: string[];
  consoleErrors: string[];
}

export async function launchBrowser(): Promise<TestBrowser> {
  const profile = await mkdtemp(join(tmpdir(), 'mv-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  return {
    context,
    page: async () => {
      const page = await context.newPage();
      const watched: WatchedPage = { page, dialogs: [], consoleErrors: [] };
      page.on('dialog', (dialog) => {
        watched.dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      page.on('console', (message) => {
        if (message.type() === 'error') watched.consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => watched.consoleErrors.push(error.message));
      return watched;
    },
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page screenshot as test-results/ui/<name>.png (a test artifact). */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Whether the page's style sheet was applied (a blocked one leaves the top bar without its border). */
export async function styled(page: Page): Promise<boolean> {
  return (await page.evaluate('getComputedStyle(document.querySelector("header.top")).borderBottomStyle')) === 'solid';
}

/** Runs an expression in the page (test code has no DOM types, so expressions are strings). */
export async function inPage<T>(page: Page, expression: string): Promise<T> {
  return (await page.evaluate(expression));
}
