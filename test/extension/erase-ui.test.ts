/**
 * Erasing from the options page in a real browser: a site's row (its Erase button, then
 * the confirmation) and a range of days; the figures and the stored visits follow.
 */
import { createServer, type Server } from 'node:http';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeInstallWelcomeTab,
  type ExtensionBrowser,
  launchChromiumWithExtension,
} from '../harness/browsers.js';
import { stableBuildDir } from '../harness/extension-builds.js';
import {
  openExtensionPage,
  readVisits,
  setStorageValues,
  siteRows,
} from '../harness/extension-pages.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let site: Server;
let port: number;

beforeAll(async () => {
  site = createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>Page ${req.url}</title><h1>${req.url}</h1>`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const addr = site.address();
  port = typeof addr === 'object' && addr !== null ? addr.port : 0;
});

afterAll(async () => {
  await new Promise((r) => site?.close(r));
});

describe('erasing from the options page in Chromium', () => {
  let eb: ExtensionBrowser;
  let ext: Page;

  beforeAll(async () => {
    eb = await launchChromiumWithExtension(await stableBuildDir('chrome-mv3'));
    await closeInstallWelcomeTab(eb);
    ext = await eb.browser.newPage();
    await openExtensionPage(ext, `${eb.extensionUrl}manifest.json`);
    await setStorageValues(ext, { consent: true });
  }, 60_000);

  afterAll(async () => {
    await eb?.close();
  });

  async function visit(url: string): Promise<void> {
    const tab = await eb.browser.newPage();
    await tab.bringToFront();
    await tab.goto(url);
    await sleep(1_500);
    await tab.close();
  }

  it("erases a site's row after the confirmation, then a range of days", async () => {
    await visit(`http://127.0.0.1:${port}/kept`);
    await visit(`http://localhost:${port}/erased`);
    await expect.poll(async () => (await readVisits(ext)).length, { timeout: 10_000 }).toBe(2);

    const options = await eb.browser.newPage();
    await options.bringToFront();
    await openExtensionPage(options, `${eb.extensionUrl}options.html`);
    await options.waitForSelector('[data-testid="site-row"][data-domain="localhost"]');
    expect((await siteRows(options)).map((r) => r.domain).sort()).toEqual([
      '127.0.0.1',
      'localhost',
    ]);

    await options.click(
      '[data-testid="site-row"][data-domain="localhost"] [data-testid="erase-site"]',
    );
    await options.waitForSelector('[data-testid="erase-confirm"]');
    // Nothing goes before the confirmation.
    expect(await readVisits(ext)).toHaveLength(2);
    await options.click('[data-testid="erase-confirm-yes"]');
    await options.waitForSelector('[data-testid="erase-site-message"]');
    await expect
      .poll(async () => (await siteRows(options)).map((r) => r.domain), { timeout: 10_000 })
      .toEqual(['127.0.0.1']);
    expect((await readVisits(ext)).map((v) => v.domain)).toEqual(['127.0.0.1']);
    const total = await options.$eval('[data-testid="history-total"]', (el) =>
      el.getAttribute('data-visits'),
    );
    expect(total).toBe('1');

    // Today, the default range.
    await options.click('[data-testid="erase-range"]');
    await options.waitForSelector('[data-testid="erase-confirm"]');
    await options.click('[data-testid="erase-confirm-yes"]');
    await options.waitForSelector('[data-testid="erase-range-message"]');
    await expect.poll(async () => (await siteRows(options)).length, { timeout: 10_000 }).toBe(0);
    expect(await readVisits(ext)).toEqual([]);
    await options.close();
  }, 90_000);
});
