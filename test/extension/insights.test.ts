/**
 * The options page's range views in real browsers, from local data seeded into the
 * extension's IndexedDB: the range picker's totals, a site's page rows and the heatmap's
 * cells, read from their data attributes and compared with figures computed here in the
 * same local time zone as the browser's.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupsOf } from '../../extension/db/visit-rollups.js';
import type { ExtensionBrowser } from '../harness/browsers.js';
import {
  clearRangeWindows,
  openExtensionPage,
  setStorageValues,
  siteRows,
} from '../harness/extension-pages.js';
import { BROWSERS, launchExtension, showSection } from './extension-test-kit.js';

const MIN = 60_000;

/** Local midnight `offset` days from today, and its 'YYYY-MM-DD'. */
function localDay(offset: number): { startMs: number; day: string } {
  const now = new Date();
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate() + offset);
  const day = `${start.getFullYear()}-${String(start.getMonth() + 1).padStart(2, '0')}-${String(start.getDate()).padStart(2, '0')}`;
  return { startMs: start.getTime(), day };
}

interface SeedVisit {
  id: string;
  domain: string;
  url: string | null;
  title: string | null;
  startedMs: number;
  endedMs: number;
  activeMs: number;
}

interface Seed {
  rollups: { day: string; domain: string; activeMs: number; visits: number }[];
  visits: SeedVisit[];
}

const twoDaysAgo = localDay(-2);
const at = (hours: number, minutes = 0): number =>
  twoDaysAgo.startMs + hours * 3_600_000 + minutes * MIN;
const today = localDay(0);
/** Today's visit: the last 20 minutes (from midnight if that is nearer), 1 min active. */
const todayEnd = Math.max(today.startMs, Date.now() - 5_000);
const todayStart = Math.max(today.startMs, todayEnd - 20 * MIN);
const todayActive = Math.min(MIN, todayEnd - todayStart);

const SEED: Seed = {
  rollups: [
    { day: localDay(-400).day, domain: 'old.example', activeMs: 50 * MIN, visits: 1 },
    { day: localDay(-200).day, domain: 'docs.example', activeMs: 30 * MIN, visits: 1 },
    { day: twoDaysAgo.day, domain: 'docs.example', activeMs: 20 * MIN, visits: 2 },
    { day: today.day, domain: 'mail.example', activeMs: todayActive, visits: 1 },
  ],
  visits: [
    {
      id: '0190a6f2-0000-7000-8000-000000000201',
      domain: 'docs.example',
      url: 'https://docs.example/guide?part=2',
      title: 'The guide',
      startedMs: at(10),
      endedMs: at(10, 20),
      activeMs: 12 * MIN,
    },
    // Across two hours: 4 min lands at 11, 4 at 12.
    {
      id: '0190a6f2-0000-7000-8000-000000000202',
      domain: 'docs.example',
      url: 'https://docs.example/api',
      title: null,
      startedMs: at(11, 30),
      endedMs: at(12, 30),
      activeMs: 8 * MIN,
    },
    {
      id: '0190a6f2-0000-7000-8000-000000000203',
      domain: 'mail.example',
      url: null,
      title: null,
      startedMs: todayStart,
      endedMs: todayEnd,
      activeMs: todayActive,
    },
  ],
};

async function seed(page: Page, s: Seed): Promise<void> {
  // The heat and page rollups the range views read, as the tracker keeps them with the visits.
  const localDay = (ms: number): string =>
    new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
  const { heat, pages } = rollupsOf(
    s.visits.map((v) => ({ ...v, endedAt: new Date(v.endedMs).toISOString() })),
    localDay,
  );
  // The month and day sums the long ranges read are left to the range reads, which add the
  // daily rollups' up to yesterday to them (schema version 9: a new database holds none).
  const more = {
    heatRollups: [...heat.values()],
    pageRollups: [...pages.values()],
  };
  await page.evaluate(
    async (data: Seed, extra: Record<string, unknown[]>) => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const open = indexedDB.open('tracksphere');
        open.onsuccess = () => res(open.result);
        open.onerror = () => rej(new Error(String(open.error)));
      });
      const stores = Object.keys(extra).filter((n) => db.objectStoreNames.contains(n));
      const tx = db.transaction(['dailyRollups', 'visits', ...stores], 'readwrite');
      for (const name of stores) for (const row of extra[name] ?? []) tx.objectStore(name).put(row);
      for (const r of data.rollups) tx.objectStore('dailyRollups').put(r);
      for (const v of data.visits) {
        tx.objectStore('visits').put({
          id: v.id,
          type: 'visit',
          url: v.url,
          domain: v.domain,
          title: v.title,
          startedAt: new Date(v.startedMs).toISOString(),
          endedAt: new Date(v.endedMs).toISOString(),
          activeMs: v.activeMs,
          sessionId: '0190a6f2-0000-7000-8000-000000000001',
          transition: 'link',
          startedMs: v.startedMs,
          syncState: 'local',
        });
      }
      await new Promise<void>((res, rej) => {
        tx.oncomplete = () => res();
        tx.onerror = () => rej(new Error(String(tx.error)));
      });
      db.close();
    },
    s,
    more,
  );
  await clearRangeWindows(page);
}

const SCREENSHOTS = join(process.cwd(), 'test-output/screenshots');

function total(page: Page): Promise<number> {
  return page.$eval('[data-testid="history-total"]', (el) =>
    Number(el.getAttribute('data-active-ms')),
  );
}

async function choose(page: Page, range: string, expected: number): Promise<void> {
  await page.select('[data-testid="range-picker"]', range);
  await page.waitForFunction(
    (ms: number) =>
      document.querySelector('[data-testid="history-total"]')?.getAttribute('data-active-ms') ===
      String(ms),
    { timeout: 10_000 },
    expected,
  );
}

describe.each(BROWSERS)('options range views in $name', ({ dir, launch }) => {
  let eb: ExtensionBrowser;
  let page: Page;

  beforeAll(async () => {
    ({ eb, page } = await launchExtension(dir, launch, { width: 1000, height: 900 }));
    // The options page's first read creates the database (its current schema); then the seed.
    await openExtensionPage(page, `${eb.extensionUrl}options.html#sites`);
    await page.waitForSelector('[data-testid="history-total"]');
    await setStorageValues(page, { consent: true });
    await seed(page, SEED);
    await openExtensionPage(page, `${eb.extensionUrl}options.html?seeded#sites`);
    await page.bringToFront();
    await page.waitForSelector('[data-testid="site-row"]');
  }, 90_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('totals each range from the daily rollups', async () => {
    expect(await total(page)).toBe(20 * MIN + todayActive);
    await choose(page, 'today', todayActive);
    await choose(page, '365d', 50 * MIN + todayActive);
    expect(await siteRows(page)).toEqual([
      { domain: 'docs.example', activeMs: 50 * MIN, visits: 3 },
      { domain: 'mail.example', activeMs: todayActive, visits: 1 },
    ]);
    expect(
      await page.$eval('[data-testid="range-chart"]', (el) => [
        el.getAttribute('data-unit'),
        el.querySelectorAll('.bar-hit').length,
      ]),
    ).toEqual(['month', 13]);
    // The 12-month view as shown (read from its range window since schema version 7).
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, `${dir}-options-365d.png`), fullPage: true });
    // A custom range starts as the last 30 days.
    await choose(page, 'custom', 20 * MIN + todayActive);
    // A range that ends before it starts is refused, and said so.
    await page.$eval('[data-testid="range-from"]', (el) => {
      (el as HTMLInputElement).value = '2030-01-02';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.waitForSelector('[data-testid="range-problem"]');
    await page.$eval(
      '[data-testid="range-from"]',
      (el, day) => {
        (el as HTMLInputElement).value = day;
        el.dispatchEvent(new Event('change', { bubbles: true }));
      },
      localDay(-400).day,
    );
    await page.waitForFunction(
      (ms: number) =>
        document.querySelector('[data-testid="history-total"]')?.getAttribute('data-active-ms') ===
        String(ms),
      { timeout: 10_000 },
      100 * MIN + todayActive,
    );
    await choose(page, '30d', 20 * MIN + todayActive);
  }, 60_000);

  it("lists a site's pages by active time", async () => {
    await page.click(
      '[data-testid="site-row"][data-domain="docs.example"] [data-testid="site-pages-button"]',
    );
    await page.waitForSelector('[data-testid="page-row"]');
    const rows = await page.$$eval('[data-testid="page-row"]', (els) =>
      els.map((r) => [
        r.getAttribute('data-path'),
        Number(r.getAttribute('data-active-ms')),
        Number(r.getAttribute('data-visits')),
      ]),
    );
    expect(rows).toEqual([
      ['/guide?part=2', 12 * MIN, 1],
      ['/api', 8 * MIN, 1],
    ]);
    // The pages took the focus: the keyboard is where the person asked to go.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('site-pages-heading');
    // Closing them gives the focus back to the row's button.
    await page.click('[data-testid="close-pages"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="site-pages"]') === null);
    expect(
      await page.evaluate(() => [
        document.activeElement?.getAttribute('data-testid'),
        document.activeElement?.closest('[data-testid="site-row"]')?.getAttribute('data-domain'),
      ]),
    ).toEqual(['site-pages-button', 'docs.example']);
  }, 60_000);

  it("spreads active time over the hours it was spent, and shows today's visits", async () => {
    // The 90 days' hours, read from their kept cells and today's rollup (heat-windows.ts).
    await choose(page, '90d', 20 * MIN + todayActive);
    await showSection(page, 'when');
    await page.waitForSelector('[data-testid="heatmap-cell"]');
    await page.screenshot({
      path: join(SCREENSHOTS, `${dir}-options-when-90d.png`),
      fullPage: true,
    });
    const cells = await page.$$eval('[data-testid="heatmap-cell"]', (els) =>
      els
        .filter((c) => c.getAttribute('data-active-ms') !== '0')
        .map((c) => [
          Number(c.getAttribute('data-weekday')),
          Number(c.getAttribute('data-hour')),
          Number(c.getAttribute('data-active-ms')),
        ]),
    );
    expect(await page.$$eval('[data-testid="heatmap-cell"]', (els) => els.length)).toBe(168);
    const weekday = new Date(twoDaysAgo.startMs).getDay();
    // Today's visit lands in the hours of its last minutes (one or two of them).
    const todays = cells.filter(([w]) => w === new Date(todayEnd).getDay());
    expect(todays.reduce((sum, [, , ms]) => sum + (ms ?? 0), 0)).toBeCloseTo(todayActive, -1);
    expect(cells.filter(([w]) => w === weekday)).toEqual([
      [weekday, 10, 12 * MIN],
      [weekday, 11, 4 * MIN],
      [weekday, 12, 4 * MIN],
    ]);
    const blocks = await page.$$eval('[data-testid="timeline-block"]', (els) =>
      els.map((b) => [
        b.getAttribute('data-domain'),
        b.getAttribute('data-started-at'),
        b.getAttribute('data-ended-at'),
      ]),
    );
    expect(blocks).toEqual([
      ['mail.example', new Date(todayStart).toISOString(), new Date(todayEnd).toISOString()],
    ]);
  }, 60_000);
});
