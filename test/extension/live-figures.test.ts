/**
 * The figures a person sees while pages are still open, in real browsers: a tab left open
 * and the page the person is on count in the popup before either is closed.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtensionBrowser } from '../harness/browsers.js';
import { openExtensionPage, readVisits, siteRows } from '../harness/extension-pages.js';
import { servePlainPages } from '../harness/page-site.js';
import { BROWSERS, launchRecording, sleep } from './extension-test-kit.js';

/** The toolbar button's badge text, read from one of the extension's pages. */
function badge(page: Page): Promise<string> {
  return page.evaluate(async () => {
    type Action = { action: { getBadgeText(details: object): Promise<string> } };
    const g = globalThis as unknown as { browser?: Action; chrome?: Action };
    return (g.browser ?? g.chrome)?.action.getBadgeText({}) ?? '';
  });
}

const site = servePlainPages();

describe.each(BROWSERS)('live figures in $name', ({ dir, launch }) => {
  let eb: ExtensionBrowser;
  let ext: Page;

  beforeAll(async () => {
    ({ eb, page: ext } = await launchRecording(dir, launch));
  }, 60_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('counts the pages still open in the popup, before any of them is closed', async () => {
    const mail = await eb.browser.newPage();
    await mail.bringToFront();
    await mail.goto(`${site.url()}/mail`);
    await sleep(2_000);
    const current = await eb.browser.newPage();
    await current.bringToFront();
    await current.goto(`${site.url()}/article`);
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

  it("shows the current site's time today on the toolbar badge, and follows tab switches", async () => {
    const tab = await eb.browser.newPage();
    await tab.bringToFront();
    await tab.goto(`${site.url()}/badge`);
    // The site's time today includes the earlier test's visits: a few seconds.
    await expect.poll(() => badge(ext), { timeout: 10_000 }).toBe('<1m');
    const blank = await eb.browser.newPage();
    await blank.bringToFront();
    await blank.goto('about:blank');
    await expect.poll(() => badge(ext), { timeout: 10_000 }).toBe('');
    await tab.bringToFront();
    await expect.poll(() => badge(ext), { timeout: 10_000 }).toBe('<1m');
    await Promise.all([tab.close(), blank.close()]);
  }, 60_000);
});
