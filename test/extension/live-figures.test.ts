/**
 * The figures a person sees while pages are still open, in real browsers: a tab left open
 * and the page the person is on count in the popup before either is closed.
 */
import { createServer, type Server } from 'node:http';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeInstallWelcomeTab,
  type ExtensionBrowser,
  launchChromiumWithExtension,
  launchFirefoxWithExtension,
} from '../harness/browsers.js';
import { extensionBuildDir } from '../harness/extension-builds.js';
import {
  openExtensionPage,
  readVisits,
  setStorageValues,
  siteRows,
} from '../harness/extension-pages.js';

const BROWSERS = [
  { name: 'Chromium', dir: 'chrome-mv3', launch: launchChromiumWithExtension },
  { name: 'Firefox ESR', dir: 'firefox-mv3', launch: launchFirefoxWithExtension },
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let site: Server;
let siteUrl: string;

beforeAll(async () => {
  site = createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>Page ${req.url}</title><h1>${req.url}</h1>`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const addr = site.address();
  siteUrl = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
});

afterAll(async () => {
  await new Promise((r) => site?.close(r));
});

describe.each(BROWSERS)('live figures in $name', ({ dir, launch }) => {
  let eb: ExtensionBrowser;
  let ext: Page;

  beforeAll(async () => {
    eb = await launch(extensionBuildDir(dir));
    await closeInstallWelcomeTab(eb);
    ext = await eb.browser.newPage();
    await openExtensionPage(ext, `${eb.extensionUrl}manifest.json`);
    await setStorageValues(ext, { consent: true });
  }, 60_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('counts the pages still open in the popup, before any of them is closed', async () => {
    const mail = await eb.browser.newPage();
    await mail.bringToFront();
    await mail.goto(`${siteUrl}/mail`);
    await sleep(2_000);
    const current = await eb.browser.newPage();
    await current.bringToFront();
    await current.goto(`${siteUrl}/article`);
    await sleep(2_000);

    const popup = await eb.browser.newPage();
    await popup.bringToFront();
    await openExtensionPage(popup, `${eb.extensionUrl}popup.html`);
    await popup.waitForSelector('[data-testid="today-total"]');
    // Nothing is recorded yet: both pages are still open.
    expect(await readVisits(ext)).toEqual([]);
    const total = Number(
      await popup.$eval('[data-testid="today-total"]', (el) => el.getAttribute('data-active-ms')),
    );
    expect(total).toBeGreaterThan(3_000);
    expect(total).toBeLessThan(30_000);
    const rows = await siteRows(popup);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ domain: '127.0.0.1', visits: 2, activeMs: total });
    await Promise.all([mail.close(), current.close(), popup.close()]);
  }, 60_000);
});
