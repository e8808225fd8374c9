/**
 * Erasing from the options page in a real browser: a site's row (its Erase button, then
 * the confirmation) and a range of days; the figures and the stored visits follow.
 */
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import type { ExtensionBrowser } from '../harness/browsers.js';
import { openExtensionPage, readVisits, siteRows } from '../harness/extension-pages.js';
import { servePlainPages } from '../harness/page-site.js';
import { recordingForSuite, showSection, sleep } from './extension-test-kit.js';

const site = servePlainPages();

describe('erasing from the options page in Chromium', () => {
  let eb: ExtensionBrowser;
  let ext: Page;
  recordingForSuite('chrome-mv3', (launched) => {
    ({ eb, page: ext } = launched);
  });

  async function visit(url: string): Promise<void> {
    const tab = await eb.browser.newPage();
    await tab.bringToFront();
    await tab.goto(url);
    await sleep(1_500);
    await tab.close();
  }

  it("erases a site's row after the confirmation, then a range of days", async () => {
    const { port } = new URL(site.url());
    await visit(`http://127.0.0.1:${port}/kept`);
    await visit(`http://localhost:${port}/erased`);
    await expect.poll(async () => (await readVisits(ext)).length, { timeout: 10_000 }).toBe(2);

    const options = await eb.browser.newPage();
    await options.bringToFront();
    await openExtensionPage(options, `${eb.extensionUrl}options.html#sites`);
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

    // Today, the default range, from Your data.
    await showSection(options, 'data');
    await options.click('[data-testid="erase-range"]');
    await options.waitForSelector('[data-testid="erase-confirm"]');
    await options.click('[data-testid="erase-confirm-yes"]');
    await options.waitForSelector('[data-testid="erase-range-message"]');
    await expect.poll(async () => (await readVisits(ext)).length, { timeout: 10_000 }).toBe(0);
    await showSection(options, 'sites');
    await options.waitForSelector('[data-testid="history-total"]');
    await expect.poll(async () => (await siteRows(options)).length, { timeout: 10_000 }).toBe(0);
    expect(await readVisits(ext)).toEqual([]);
    await options.close();
  }, 90_000);
});
