/**
 * Categories in real Chromium: a browsed site and a seeded one are totalled by category on the
 * options page and in the popup; moving a site to another category from its row, or to a
 * category of the person's own, relabels its history at once (the stored rollups unchanged),
 * and axe-core still finds nothing wrong.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtensionBrowser } from '../harness/browsers.js';
import { waitFor } from '../harness/client.js';
import {
  openExtensionPage,
  readVisits,
  siteRows,
  storageValue,
} from '../harness/extension-pages.js';
import { servePlainPages } from '../harness/page-site.js';
import {
  axeViolationIds as axeViolations,
  launchRecording,
  showSection,
  sleep,
} from './extension-test-kit.js';

/** The seeded site: 10 min over 2 visits today, on a host under youtube.com (built in: video). */
const SEEDED = { domain: 'www.youtube.com', activeMs: 600_000, visits: 2 };

/** A rollup of yesterday: 5 min on the same host, in a day the 30-day window keeps. */
const YESTERDAY = { domain: 'www.youtube.com', activeMs: 300_000, visits: 1 };

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

const site = servePlainPages();

describe('categories in Chromium', () => {
  let eb: ExtensionBrowser;
  let ext: Page;
  /** The browsed site's (127.0.0.1) active time, as recorded. */
  let browsedMs = 0;

  beforeAll(async () => {
    ({ eb, page: ext } = await launchRecording('chrome-mv3', undefined, {
      viewport: { width: 1000, height: 1400 },
    }));
    const tab = await eb.browser.newPage();
    await tab.bringToFront();
    await tab.goto(`${site.url()}/reading`);
    await sleep(1_500);
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

  /** The two sites' rows once relabelled: the seeded one in `seeded`, the browsed one in work. */
  const relabelledRows = (seeded: string): CategoryRow[] => [
    { category: seeded, activeMs: SEEDED.activeMs, visits: SEEDED.visits },
    { category: 'work', activeMs: browsedMs, visits: 2 },
  ];

  /** Waits for the options page's `category` row, then expects relabelledRows(seeded). */
  async function expectRelabelled(category: string, what: string, seeded: string): Promise<void> {
    await waitFor(
      async () => (await categoryRows(ext)).some((r) => r.category === category),
      what,
      5_000,
    );
    expect(await categoryRows(ext)).toEqual(relabelledRows(seeded));
  }

  /** What the extension stored once the browsed site was moved to work. */
  const WORK_OVERRIDE = { custom: [], overrides: { '127.0.0.1': 'work' } };

  /** Today's bar in the page's chart: its segments' categories and times. */
  function todaySegments(page: Page): Promise<(string | number | null)[][]> {
    return page.$$eval('.trend-chart g:last-of-type .bar-segment', (els) =>
      els.map((el) => [el.getAttribute('data-segment'), Number(el.getAttribute('data-active-ms'))]),
    );
  }

  it('totals the range by category, and relabels a site chosen from its row', async () => {
    await openExtensionPage(ext, `${eb.extensionUrl}options.html#sites`);
    await ext.waitForSelector('[data-testid="category-row"]');
    expect(browsedMs).toBeGreaterThan(0);
    expect(await categoryRows(ext)).toEqual([
      { category: 'video', activeMs: SEEDED.activeMs, visits: SEEDED.visits },
      { category: 'other', activeMs: browsedMs, visits: 2 },
    ]);
    const rows = await siteRows(ext);
    expect(rows.map((r) => r.domain)).toEqual(['youtube.com', '127.0.0.1']);

    await ext.select('[data-testid="site-category"][data-site="127.0.0.1"]', 'work');
    await expectRelabelled('work', 'the work row', 'video');
    expect(await storageValue(ext, 'categories')).toEqual(WORK_OVERRIDE);
  }, 60_000);

  it("puts a site in a category of the person's own, in the chart and the popup", async () => {
    // Created in the Categories section, chosen from the site's row in the Sites section.
    await showSection(ext, 'categories');
    await ext.type('[data-testid="new-category-input"]', 'Study');
    await ext.click('[data-testid="create-category"]');
    await ext.waitForSelector('[data-testid="custom-category"][data-name="Study"]');
    await showSection(ext, 'sites');
    await ext.waitForSelector('[data-testid="site-category"][data-site="youtube.com"]');
    await ext.select('[data-testid="site-category"][data-site="youtube.com"]', 'custom:1');
    await expectRelabelled('custom:1', 'the Study row', 'custom:1');
    expect(
      await ext.$eval('[data-testid="site-category"][data-site="youtube.com"]', (el) => [
        (el as HTMLSelectElement).value,
        (el as HTMLSelectElement).selectedOptions[0]?.textContent,
      ]),
    ).toEqual(['custom:1', 'Study']);
    // Today's bar in the chart, split the same way.
    expect(await todaySegments(ext)).toEqual([
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
    expect(await categoryRows(popup)).toEqual(relabelledRows('custom:1'));
    expect(await todaySegments(popup)).toEqual([
      ['work', browsedMs],
      ['custom:1', SEEDED.activeMs],
    ]);
    expect(await axeViolations(popup)).toEqual([]);
    await popup.screenshot({ path: 'test-output/categories-popup.png', fullPage: true });
    await popup.close();
  }, 60_000);

  it('sends the sites of a deleted category back to their built-in one', async () => {
    await showSection(ext, 'categories');
    ext.once('dialog', (dialog) => void dialog.accept());
    await ext.click('[data-testid="delete-category"]');
    await expectRelabelled('video', 'the video row again', 'video');
    expect(await storageValue(ext, 'categories')).toEqual(WORK_OVERRIDE);
  }, 60_000);

  it("splits the window's days from its kept split, built from the daily rollups", async () => {
    // A rollup of yesterday (a day the 30-day window keeps), the window and its split dropped
    // with it (as every writer drops them): the page moves the window and builds the split.
    const yesterday = await ext.evaluate(async (r) => {
      const now = new Date(Date.now() - 86_400_000);
      const pad = (n: number) => String(n).padStart(2, '0');
      const day = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
      await new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('tracksphere');
        open.onerror = () => reject(new Error(String(open.error)));
        open.onsuccess = () => {
          const tx = open.result.transaction(['dailyRollups', 'tailWindows'], 'readwrite');
          tx.objectStore('dailyRollups').put({ day, ...r });
          tx.objectStore('tailWindows').delete(30);
          tx.objectStore('tailWindows').delete(3_030);
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(new Error(String(tx.error)));
        };
      });
      return day;
    }, YESTERDAY);
    await openExtensionPage(ext, `${eb.extensionUrl}options.html#sites`);
    const segments = `.trend-chart g[data-day="${yesterday}"] .bar-segment`;
    await ext.waitForSelector(segments, { timeout: 15_000 });
    expect(
      await ext.$$eval(segments, (els) =>
        els.map((el) => [
          el.getAttribute('data-segment'),
          Number(el.getAttribute('data-active-ms')),
        ]),
      ),
    ).toEqual([['video', YESTERDAY.activeMs]]);
    // Read from the split kept for the window's days (split-lists.ts), as typed columns.
    const split = await ext.evaluate(
      () =>
        new Promise<unknown>((resolve, reject) => {
          const open = indexedDB.open('tracksphere');
          open.onerror = () => reject(new Error(String(open.error)));
          open.onsuccess = () => {
            const get = open.result
              .transaction('hostLists', 'readonly')
              .objectStore('hostLists')
              .get(3_030);
            get.onsuccess = () => {
              const list = get.result;
              open.result.close();
              resolve(
                list === undefined
                  ? null
                  : {
                      through: list.through,
                      domains: list.domains,
                      typed: list.bar instanceof Uint16Array,
                    },
              );
            };
          };
        }),
    );
    expect(split).toEqual({ through: yesterday, domains: [YESTERDAY.domain], typed: true });
  }, 60_000);
});
