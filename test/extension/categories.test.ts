/**
 * Categories in real Chromium: a browsed site and a seeded one are totalled by category on the
 * options page and in the popup; moving a site to another category from its row, or to a
 * category of the person's own, relabels its history at once (the stored rollups unchanged),
 * and axe-core still finds nothing wrong.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeInstallWelcomeTab,
  type ExtensionBrowser,
  launchChromiumWithExtension,
} from '../harness/browsers.js';
import { waitFor } from '../harness/client.js';
import { stableBuildDir } from '../harness/extension-builds.js';
import {
  openExtensionPage,
  readVisits,
  setStorageValues,
  siteRows,
  storageValue,
} from '../harness/extension-pages.js';
import { servePlainPages } from '../harness/page-site.js';

const AXE_SOURCE = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** The seeded site: 10 min over 2 visits today, on a host under youtube.com (built in: video). */
const SEEDED = { domain: 'www.youtube.com', activeMs: 600_000, visits: 2 };

interface CategoryRow {
  category: string;
  activeMs: number;
  visits: number;
}

function categoryRows(page: Page): Promise<CategoryRow[]> {
  return page.$$eval('[data-testid="category-row"]', (rows) =>
    rows.map((r) => ({
      category: r.getAttribute('data-category') ?? '',
      activeMs: Number(r.getAttribute('data-active-ms')),
      visits: Number(r.getAttribute('data-visits')),
    })),
  );
}

/** Adds a rollup of today (the browser's local day) with plain IndexedDB, as a recorded day. */
function seedTodayRollup(page: Page, row: typeof SEEDED): Promise<void> {
  return page.evaluate(async (r) => {
    const now = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    const day = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
    await new Promise<void>((resolve, reject) => {
      const open = indexedDB.open('tracksphere');
      open.onerror = () => reject(new Error(String(open.error)));
      open.onsuccess = () => {
        const tx = open.result.transaction('dailyRollups', 'readwrite');
        tx.objectStore('dailyRollups').put({ day, ...r });
        tx.oncomplete = () => {
          open.result.close();
          resolve();
        };
        tx.onerror = () => reject(new Error(String(tx.error)));
      };
    });
  }, row);
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(await AXE_SOURCE);
  return page.evaluate(async () => {
    type Axe = { run(ctx: Document): Promise<{ violations: { id: string }[] }> };
    const result = await (globalThis as unknown as { axe: Axe }).axe.run(document);
    return result.violations.map((v) => v.id);
  });
}

const site = servePlainPages();

describe('categories in Chromium', () => {
  let eb: ExtensionBrowser;
  let ext: Page;
  /** The browsed site's (127.0.0.1) active time, as recorded. */
  let browsedMs = 0;

  beforeAll(async () => {
    eb = await launchChromiumWithExtension(await stableBuildDir('chrome-mv3'));
    await closeInstallWelcomeTab(eb);
    ext = await eb.browser.newPage();
    await ext.setViewport({ width: 1000, height: 1400 });
    await openExtensionPage(ext, `${eb.extensionUrl}manifest.json`);
    await setStorageValues(ext, { consent: true });
    const tab = await eb.browser.newPage();
    await tab.bringToFront();
    await tab.goto(`${site.url()}/reading`);
    await new Promise((r) => setTimeout(r, 1_500));
    await tab.goto(`${site.url()}/next`);
    await waitFor(async () => (await readVisits(ext)).length > 0, 'a recorded visit', 15_000);
    await tab.close();
    await waitFor(async () => (await readVisits(ext)).length === 2, 'both visits', 15_000);
    browsedMs = (await readVisits(ext)).reduce((sum, v) => sum + v.activeMs, 0);
    await seedTodayRollup(ext, SEEDED);
    await ext.bringToFront();
  }, 90_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('totals the range by category, and relabels a site chosen from its row', async () => {
    await openExtensionPage(ext, `${eb.extensionUrl}options.html`);
    await ext.waitForSelector('[data-testid="category-row"]');
    expect(browsedMs).toBeGreaterThan(0);
    expect(await categoryRows(ext)).toEqual([
      { category: 'video', activeMs: SEEDED.activeMs, visits: SEEDED.visits },
      { category: 'other', activeMs: browsedMs, visits: 2 },
    ]);
    const rows = await siteRows(ext);
    expect(rows.map((r) => r.domain)).toEqual(['youtube.com', '127.0.0.1']);

    await ext.select('[data-testid="site-category"][data-site="127.0.0.1"]', 'work');
    await waitFor(
      async () => (await categoryRows(ext)).some((r) => r.category === 'work'),
      'the work row',
      5_000,
    );
    expect(await categoryRows(ext)).toEqual([
      { category: 'video', activeMs: SEEDED.activeMs, visits: SEEDED.visits },
      { category: 'work', activeMs: browsedMs, visits: 2 },
    ]);
    expect(await storageValue(ext, 'categories')).toEqual({
      custom: [],
      overrides: { '127.0.0.1': 'work' },
    });
  }, 60_000);

  it("puts a site in a category of the person's own, in the chart and the popup", async () => {
    await ext.type('[data-testid="new-category-input"]', 'Study');
    await ext.click('[data-testid="create-category"]');
    await ext.waitForSelector('[data-testid="custom-category"][data-name="Study"]');
    await ext.select('[data-testid="site-category"][data-site="youtube.com"]', 'custom:1');
    await waitFor(
      async () => (await categoryRows(ext)).some((r) => r.category === 'custom:1'),
      'the Study row',
      5_000,
    );
    expect(await categoryRows(ext)).toEqual([
      { category: 'custom:1', activeMs: SEEDED.activeMs, visits: SEEDED.visits },
      { category: 'work', activeMs: browsedMs, visits: 2 },
    ]);
    expect(
      await ext.$eval('[data-testid="site-category"][data-site="youtube.com"]', (el) => [
        (el as HTMLSelectElement).value,
        (el as HTMLSelectElement).selectedOptions[0]?.textContent,
      ]),
    ).toEqual(['custom:1', 'Study']);
    // Today's bar in the chart, split the same way.
    const segments = await ext.$$eval('.trend-chart g:last-of-type .bar-segment', (els) =>
      els.map((el) => [el.getAttribute('data-segment'), Number(el.getAttribute('data-active-ms'))]),
    );
    expect(segments).toEqual([
      ['work', browsedMs],
      ['custom:1', SEEDED.activeMs],
    ]);
    expect(await axeViolations(ext)).toEqual([]);
    await ext.screenshot({ path: 'test-output/categories-options.png', fullPage: true });
    // The category colours have a dark set: nothing axe-core objects to there either.
    await ext.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    expect(await axeViolations(ext)).toEqual([]);
    await ext.screenshot({ path: 'test-output/categories-options-dark.png', fullPage: true });
    await ext.emulateMediaFeatures([]);

    const popup = await eb.browser.newPage();
    await popup.setViewport({ width: 370, height: 900 });
    await openExtensionPage(popup, `${eb.extensionUrl}popup.html`);
    await popup.waitForSelector('[data-testid="category-row"]');
    expect(await categoryRows(popup)).toEqual([
      { category: 'custom:1', activeMs: SEEDED.activeMs, visits: SEEDED.visits },
      { category: 'work', activeMs: browsedMs, visits: 2 },
    ]);
    const popupSegments = await popup.$$eval('.trend-chart g:last-of-type .bar-segment', (els) =>
      els.map((el) => [el.getAttribute('data-segment'), Number(el.getAttribute('data-active-ms'))]),
    );
    expect(popupSegments).toEqual([
      ['work', browsedMs],
      ['custom:1', SEEDED.activeMs],
    ]);
    expect(await axeViolations(popup)).toEqual([]);
    await popup.screenshot({ path: 'test-output/categories-popup.png', fullPage: true });
    await popup.close();
  }, 60_000);

  it('sends the sites of a deleted category back to their built-in one', async () => {
    ext.once('dialog', (dialog) => void dialog.accept());
    await ext.click('[data-testid="delete-category"]');
    await waitFor(
      async () => (await categoryRows(ext)).some((r) => r.category === 'video'),
      'the video row again',
      5_000,
    );
    expect(await categoryRows(ext)).toEqual([
      { category: 'video', activeMs: SEEDED.activeMs, visits: SEEDED.visits },
      { category: 'work', activeMs: browsedMs, visits: 2 },
    ]);
    expect(await storageValue(ext, 'categories')).toEqual({
      custom: [],
      overrides: { '127.0.0.1': 'work' },
    });
  }, 60_000);
});
