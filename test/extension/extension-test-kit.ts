/**
 * The browser tests' shared set-up: the two browsers each suite runs in, a build launched with
 * its welcome tab closed, consent given from a page on the extension's origin, and axe-core.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll } from 'vitest';
import {
  closeInstallWelcomeTab,
  type ExtensionBrowser,
  launchChromiumWithExtension,
  launchFirefoxWithExtension,
} from '../harness/browsers.js';
import { waitFor } from '../harness/client.js';
import { stableBuildDir } from '../harness/extension-builds.js';
import {
  openExtensionPage,
  openExtensionPageReady,
  setStorageValues,
  storageValue,
} from '../harness/extension-pages.js';

export type Launch = (buildDir: string) => Promise<ExtensionBrowser>;

/** The browsers a suite runs in (describe.each): each with its build's directory. */
export const BROWSERS: { name: string; dir: string; launch: Launch }[] = [
  { name: 'Chromium', dir: 'chrome-mv3', launch: launchChromiumWithExtension },
  { name: 'Firefox ESR', dir: 'firefox-mv3', launch: launchFirefoxWithExtension },
];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface LaunchedExtension {
  eb: ExtensionBrowser;
  /** A new blank page of the browser's, for the test to take to the extension's pages. */
  page: Page;
}

/** A build (its .output directory name) launched, its welcome tab closed, and a new page. */
export async function launchExtension(
  dir: string,
  launch: Launch = launchChromiumWithExtension,
  viewport?: { width: number; height: number },
): Promise<LaunchedExtension> {
  const eb = await launch(await stableBuildDir(dir));
  await closeInstallWelcomeTab(eb);
  const page = await eb.browser.newPage();
  if (viewport !== undefined) await page.setViewport(viewport);
  return { eb, page };
}

/**
 * The suite's recording Chromium (launchRecording of `dir`): launched before its tests, handed to
 * `use`, and closed after them.
 */
export function recordingForSuite(dir: string, use: (launched: LaunchedExtension) => void): void {
  let eb: ExtensionBrowser | undefined;
  beforeAll(async () => {
    const launched = await launchRecording(dir);
    eb = launched.eb;
    use(launched);
  }, 60_000);
  afterAll(async () => {
    await eb?.close();
  });
}

/**
 * Registers the browser with the server at `serverUrl` through its options page (a new page,
 * brought to the front if `front`): sync turned on, the address and `enrollmentKey` typed, saved;
 * resolves once the token is stored and the link section shows, with that page and the ids.
 */
export async function registerFromOptions(
  eb: ExtensionBrowser,
  serverUrl: string,
  enrollmentKey: string,
  what: string,
  front = false,
): Promise<{ options: Page; token: string; deviceId: string }> {
  const options = await eb.browser.newPage();
  if (front) await options.bringToFront();
  await options.setViewport({ width: 900, height: 900 });
  await openExtensionPage(options, `${eb.extensionUrl}options.html#settings`);
  await options.waitForSelector('[data-testid="sync-enable"]', { timeout: 20_000 });
  await options.click('[data-testid="sync-enable"]');
  await options.type('[data-testid="server-url"]', serverUrl);
  await options.type('[data-testid="enrollment-key"]', enrollmentKey);
  await options.click('[data-testid="sync-save"]');
  let config: { token?: string | null; deviceId?: string | null } | undefined;
  await waitFor(async () => {
    config = (await storageValue(options, 'syncConfig')) as typeof config;
    return config?.token != null;
  }, what);
  await options.waitForSelector('[data-testid="link-section"]');
  return { options, token: config?.token ?? '', deviceId: config?.deviceId ?? '' };
}

/**
 * As launchExtension, then the page opens the extension's manifest (its origin: its storage and
 * IndexedDB) and stores consent to record, with any other storage values given.
 */
export async function launchRecording(
  dir: string,
  launch: Launch = launchChromiumWithExtension,
  opts: { viewport?: { width: number; height: number }; storage?: Record<string, unknown> } = {},
): Promise<LaunchedExtension> {
  const launched = await launchExtension(dir, launch, opts.viewport);
  // Ready once the page is there with the extension's API: Firefox never reports the navigation
  // done, and openExtensionPage would wait out its 5 s.
  await openExtensionPageReady(launched.page, `${launched.eb.extensionUrl}manifest.json`);
  await setStorageValues(launched.page, { consent: true, ...opts.storage });
  return launched;
}

export const AXE_SOURCE = readFile(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/** axe-core's violation ids on the page as it is now (its source injected into the page). */
export async function axeViolationIds(page: Page): Promise<string[]> {
  await page.evaluate(await AXE_SOURCE);
  return page.evaluate(async () => {
    type Axe = { run(ctx: Document): Promise<{ violations: { id: string }[] }> };
    const result = await (globalThis as unknown as { axe: Axe }).axe.run(document);
    return result.violations.map((v) => v.id);
  });
}

/** Where a failed wait leaves its screenshot. */
const FAILURES = join(process.cwd(), 'test-output', 'screenshots');

/** The console lines and errors of each page watchPage was given, newest last. */
const consoles = new WeakMap<Page, string[]>();

/**
 * Keeps the page's console lines and uncaught errors (the last 50), for pageReport: a page that
 * never shows what a test waits for usually said why.
 */
export function watchPage(page: Page): void {
  if (consoles.has(page)) return;
  const lines: string[] = [];
  consoles.set(page, lines);
  const keep = (line: string): void => {
    lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (lines.length > 50) lines.shift();
  };
  page.on('console', (m) => keep(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => keep(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
}

/**
 * What the page shows and said, for a failed wait's message: its address and hash, the section
 * marked current, its visibility, the start of its text, its console (if watched); and a
 * screenshot in test-output/screenshots named after `what`.
 */
export async function pageReport(page: Page, what: string): Promise<string> {
  const state = await Promise.race([
    page
      .evaluate(() => ({
        href: location.href,
        current: document.querySelector('[aria-current="page"]')?.getAttribute('href') ?? null,
        visibility: document.visibilityState,
        readyState: document.readyState,
        text: (document.body?.innerText ?? '').replace(/\s+/g, ' ').slice(0, 300),
      }))
      .then((s) => JSON.stringify(s))
      .catch((e: unknown) => `(no answer: ${String(e)})`),
    sleep(5_000).then(() => '(no answer in 5 s)'),
  ]);
  let shot = '';
  try {
    await mkdir(FAILURES, { recursive: true });
    const path = join(FAILURES, `failed-${what.replace(/[^a-z0-9]+/gi, '-')}-${Date.now()}.png`);
    await Promise.race([page.screenshot({ path }), sleep(5_000)]);
    shot = `; screenshot ${path}`;
  } catch (e) {
    shot = `; no screenshot (${String(e)})`;
  }
  const said = consoles.get(page);
  const log = said === undefined ? '' : `; console:\n  ${said.join('\n  ') || '(nothing)'}`;
  return `page: ${state}${shot}${log}`;
}

/**
 * Moves the options page to one of its sections (overview, sites, when, categories, settings,
 * data) as its navigation does: through the URL's hash, without reloading the page.
 */
export async function showSection(page: Page, section: string): Promise<void> {
  await page.evaluate((s: string) => {
    window.location.hash = s;
  }, section);
  try {
    await page.waitForFunction(
      (s: string) =>
        document.querySelector('[aria-current="page"]')?.getAttribute('href') === `#${s}`,
      {},
      section,
    );
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(
      `the options page did not show its section ${section}: ${message}\n${await pageReport(page, `section-${section}`)}`,
    );
  }
}
