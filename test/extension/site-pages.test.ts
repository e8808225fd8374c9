/**
 * A busy site's pages in real browsers (Chromium and Firefox ESR): over the latest 30 days the
 * options page reads the top 100 from the range window's pages (schema version 8) with the
 * count of all, shows more and searches over every page when asked, and passes axe-core; over
 * 12 months it shows the same from every page of the days until its first open has moved the
 * year's pages, and from those after.
 * The seed is put into the extension's IndexedDB as the tracker keeps it (visits, daily, page
 * and heat rollups); the range view builds its window from them.
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
} from '../harness/extension-pages.js';
import { axeViolationIds, BROWSERS, launchExtension } from './extension-test-kit.js';

const MIN = 60_000;
const SCREENSHOTS = join(process.cwd(), 'test-output/screenshots');
const PAGES = 250;

function localDayOf(ms: number): string {
  return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

/** Local midnight `offset` days from today. */
function midnight(offset: number): number {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + offset).getTime();
}

/**
 * busy.example: 250 pages over the 20 days before today, each visited twice on different days
 * (its title changed between them), active time falling with the page's number; one visit
 * with no address; quiet.example beside it.
 */
interface SeedVisit {
  id: string;
  domain: string;
  url: string | null;
  title: string | null;
  startedMs: number;
  endedMs: number;
  activeMs: number;
}

function seedVisits(): SeedVisit[] {
  const visits: SeedVisit[] = [];
  for (let i = 0; i < PAGES; i++) {
    for (const [n, back] of [
      [0, 2 + (i % 10)],
      [1, 12 + (i % 9)],
    ] as const) {
      const start = midnight(-back) + 9 * 3_600_000 + i * 60_000 + n * 1_000;
      visits.push({
        id: `0190a6f2-0000-7000-8000-${String(i * 2 + n).padStart(12, '0')}`,
        domain: 'busy.example',
        url: `https://busy.example/docs/${i}`,
        title: n === 0 ? `Chapter ${i}` : `Chapter ${i} (draft)`,
        startedMs: start,
        endedMs: start + 30_000,
        activeMs: (PAGES - i) * 2_000 + n,
      });
    }
  }
  const start = midnight(-3) + 15 * 3_600_000;
  visits.push(
    {
      ...(visits[0] as SeedVisit),
      id: '0190a6f2-0000-7000-8000-100000000001',
      url: null,
      title: null,
    },
    {
      id: '0190a6f2-0000-7000-8000-100000000002',
      domain: 'quiet.example',
      url: 'https://quiet.example/',
      title: 'Quiet',
      startedMs: start,
      endedMs: start + 5 * MIN,
      activeMs: 4 * MIN,
    },
  );
  return visits;
}

async function seed(page: Page): Promise<void> {
  const visits = seedVisits();
  const withEnd = visits.map((v) => ({ ...v, endedAt: new Date(v.endedMs).toISOString() }));
  const { heat, pages } = rollupsOf(withEnd, localDayOf);
  const daily = new Map<
    string,
    { day: string; domain: string; activeMs: number; visits: number }
  >();
  for (const v of visits) {
    const day = localDayOf(v.startedMs);
    const row = daily.get(`${day} ${v.domain}`) ?? {
      day,
      domain: v.domain,
      activeMs: 0,
      visits: 0,
    };
    row.activeMs += v.activeMs;
    row.visits += 1;
    daily.set(`${day} ${v.domain}`, row);
  }
  // No month rollups or day sums: a range read adds the daily rollups' to them (schema 9).
  const stores: Record<string, unknown[]> = {
    dailyRollups: [...daily.values()],
    heatRollups: [...heat.values()],
    pageRollups: [...pages.values()],
    visits: visits.map((v) => ({
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
    })),
  };
  await page.evaluate(async (data: Record<string, unknown[]>) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const open = indexedDB.open('tracksphere');
      open.onsuccess = () => res(open.result);
      open.onerror = () => rej(new Error(String(open.error)));
    });
    const tx = db.transaction(Object.keys(data), 'readwrite');
    for (const [name, rows] of Object.entries(data)) {
      for (const row of rows) tx.objectStore(name).put(row);
    }
    await new Promise<void>((res, rej) => {
      tx.oncomplete = () => res();
      tx.onerror = () => rej(new Error(String(tx.error)));
    });
    db.close();
  }, stores);
  // The windows (and their pages) are built by the first range view that reads them.
  await clearRangeWindows(page);
}

function pageRows(page: Page): Promise<[string | null, number, number][]> {
  return page.$$eval('[data-testid="page-row"]', (els) =>
    els.map((r): [string | null, number, number] => [
      r.getAttribute('data-path'),
      Number(r.getAttribute('data-active-ms')),
      Number(r.getAttribute('data-visits')),
    ]),
  );
}

describe.each(BROWSERS)("a busy site's pages in $name", ({ dir, launch }) => {
  let eb: ExtensionBrowser;
  let page: Page;

  beforeAll(async () => {
    ({ eb, page } = await launchExtension(dir, launch, { width: 1000, height: 900 }));
    await openExtensionPage(page, `${eb.extensionUrl}options.html#sites`);
    await page.waitForSelector('[data-testid="history-total"]');
    await setStorageValues(page, { consent: true });
    await seed(page);
    await openExtensionPage(page, `${eb.extensionUrl}options.html?seeded#sites`);
    await page.bringToFront();
    await page.waitForSelector('[data-testid="site-row"][data-domain="busy.example"]');
  }, 90_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('shows the top 100 of 250 pages from the range window, more and a search over all', async () => {
    await page.click(
      '[data-testid="site-row"][data-domain="busy.example"] [data-testid="site-pages-button"]',
    );
    await page.waitForSelector('[data-testid="page-row"]');
    const top = await pageRows(page);
    // Busiest first: each page's two visits summed over the 30 days.
    expect(top).toHaveLength(100);
    expect(top.slice(0, 2)).toEqual([
      ['/docs/0', PAGES * 4_000 + 1, 2],
      ['/docs/1', (PAGES - 1) * 4_000 + 1, 2],
    ]);
    expect(top[99]).toEqual(['/docs/99', (PAGES - 99) * 4_000 + 1, 2]);
    expect(
      await page.$eval('[data-testid="pages-more"]', (el) => el.getAttribute('data-total')),
    ).toBe(String(PAGES));
    // The latest visit's title (the first of each page's two is the later one).
    expect(await page.$eval('[data-testid="page-row"] .page-title', (el) => el.textContent)).toBe(
      'Chapter 0',
    );
    expect(
      await page.$eval('[data-testid="pages-without-address"]', (el) =>
        el.getAttribute('data-visits'),
      ),
    ).toBe('1');
    // One visit: the singular message (it said "1 visits ... were recorded").
    expect(
      await page.$eval('[data-testid="pages-without-address"]', (el) => el.textContent),
    ).toMatch(
      /^1 visit \(.+\) was recorded at the “Site name only” level: no page is kept for it\.$/,
    );
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({
      path: join(SCREENSHOTS, `${dir}-options-site-pages-top.png`),
      fullPage: true,
    });
    expect(await axeViolationIds(page)).toEqual([]);

    await page.click('[data-testid="pages-more"] button');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="page-row"]').length === 200,
    );
    expect((await pageRows(page))[199]?.[0]).toBe('/docs/199');
    await page.type('[data-testid="page-search"]', 'docs/249');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="page-row"]').length === 1,
    );
    expect(await pageRows(page)).toEqual([['/docs/249', 4_000 + 1, 2]]);
    await page.screenshot({
      path: join(SCREENSHOTS, `${dir}-options-site-pages-search.png`),
      fullPage: true,
    });
    expect(await axeViolationIds(page)).toEqual([]);
  }, 60_000);

  it("over 12 months: the same top 100, read from the year's pages once the view has moved them", async () => {
    await openExtensionPage(page, `${eb.extensionUrl}options.html?year#sites`);
    await page.bringToFront();
    await page.waitForSelector('[data-testid="site-row"][data-domain="busy.example"]');
    await page.select('[data-testid="range-picker"]', '365d');
    await page.waitForSelector('[data-testid="range-chart"][data-unit="month"]');
    const open = async (): Promise<void> => {
      await page.click(
        '[data-testid="site-row"][data-domain="busy.example"] [data-testid="site-pages-button"]',
      );
      await page.waitForSelector('[data-testid="page-row"]');
      const top = await pageRows(page);
      expect(top).toHaveLength(100);
      expect(top.slice(0, 2)).toEqual([
        ['/docs/0', PAGES * 4_000 + 1, 2],
        ['/docs/1', (PAGES - 1) * 4_000 + 1, 2],
      ]);
      expect(top[99]).toEqual(['/docs/99', (PAGES - 99) * 4_000 + 1, 2]);
      expect(
        await page.$eval('[data-testid="pages-more"]', (el) => el.getAttribute('data-total')),
      ).toBe(String(PAGES));
      expect(await page.$eval('[data-testid="page-row"] .page-title', (el) => el.textContent)).toBe(
        'Chapter 0',
      );
    };
    // The first open finds the year's pages elsewhere: it reads every page of the days, and
    // moves them (tail-pages.ts's YEAR_PAGES, window -365) in the background.
    await open();
    const yesterday = localDayOf(midnight(-1));
    await page.waitForFunction(
      async (through: string) => {
        const db = await new Promise<IDBDatabase>((res, rej) => {
          const req = indexedDB.open('tracksphere');
          req.onsuccess = () => res(req.result);
          req.onerror = () => rej(new Error(String(req.error)));
        });
        const tx = db.transaction(['tailWindows', 'tailPages'], 'readonly');
        const row = await new Promise<{ through?: string } | undefined>((res) => {
          const get = tx.objectStore('tailWindows').get(-365);
          get.onsuccess = () => res(get.result);
        });
        const rows = await new Promise<number>((res) => {
          const count = tx.objectStore('tailPages').count(IDBKeyRange.bound([-365], [-364]));
          count.onsuccess = () => res(count.result);
        });
        db.close();
        // busy.example's 250 pages and its visit without an address, quiet.example's page, and
        // each host's count of its rows (schema version 12).
        return row?.through === through && rows === 254;
      },
      { polling: 250, timeout: 30_000 },
      yesterday,
    );
    // Opened again: the top 100 and the count from the year's pages, as every page gave them.
    await page.click('[data-testid="close-pages"]');
    await open();
    expect(await axeViolationIds(page)).toEqual([]);
  }, 60_000);
});
