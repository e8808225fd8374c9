/**
 * The popup, welcome and options pages rendered by real browsers from seeded
 * local data: the extension's IndexedDB is filled from an extension page (same
 * origin as the background), the page reloaded, and the exact figures read back
 * from the data attributes, never from formatted text. Screenshots go to
 * test-output/screenshots/ for people to look at.
 */
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollupsOf } from '../../extension/db/visit-rollups.js';
import {
  type ExtensionBrowser,
  launchChromiumWithExtension,
  launchFirefoxWithExtension,
} from '../harness/browsers.js';
import {
  clearRangeWindows,
  openExtensionPage,
  siteRows,
  storageValue,
} from '../harness/extension-pages.js';
import { launchExtension, showSection } from './extension-test-kit.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOTS = join(ROOT, 'test-output/screenshots');
const MIN = 60_000;
/** A blank or near-blank page compresses to a few kB; a rendered page with text and bars does not. */
const MIN_PNG_BYTES = 15_000;

interface Seed {
  rollups: { dayOffset: number; domain: string; activeMs: number; visits: number }[];
  visits: {
    id: string;
    domain: string;
    syncState: string;
    rejectCode?: string;
    rejectReason?: string;
  }[];
}

/** Today (offset 0): 70 min in 6 visits over three sites; older days add to the 30-day history. */
const SEED: Seed = {
  rollups: [
    { dayOffset: 0, domain: 'docs.example', activeMs: 40 * MIN, visits: 1 },
    { dayOffset: 0, domain: 'news.example', activeMs: 25 * MIN, visits: 3 },
    { dayOffset: 0, domain: 'mail.example', activeMs: 5 * MIN, visits: 2 },
    { dayOffset: -2, domain: 'docs.example', activeMs: 60 * MIN, visits: 1 },
    { dayOffset: -4, domain: 'news.example', activeMs: 15 * MIN, visits: 4 },
    // Two hosts of one site: one row, codeharbor.io, as pausing names it.
    { dayOffset: -3, domain: 'www.codeharbor.io', activeMs: 10 * MIN, visits: 1 },
    { dayOffset: -3, domain: 'blog.codeharbor.io', activeMs: 5 * MIN, visits: 1 },
    { dayOffset: -6, domain: 'video.example', activeMs: 90 * MIN, visits: 1 },
    { dayOffset: -20, domain: 'video.example', activeMs: 30 * MIN, visits: 1 },
    { dayOffset: -40, domain: 'old.example', activeMs: 99 * MIN, visits: 9 },
  ],
  visits: [
    { id: '0190a6f2-0000-7000-8000-000000000101', domain: 'news.example', syncState: 'pending' },
    { id: '0190a6f2-0000-7000-8000-000000000102', domain: 'news.example', syncState: 'pending' },
    {
      id: '0190a6f2-0000-7000-8000-000000000103',
      domain: 'mail.example',
      syncState: 'rejected',
      rejectCode: 'invalid_url',
      rejectReason: 'url is not a valid URL',
    },
  ],
};

/** Writes the seed into the extension's database (created by the page's first read) and sets consent. */
async function seedExtension(page: Page, seed: Seed): Promise<void> {
  // The visits as stored, and the heat and page rollups the range views read of them.
  const startedMs = Date.now() - 3_600_000;
  const visits = seed.visits.map((v) => ({
    ...v,
    type: 'visit',
    url: `https://${v.domain}/`,
    title: v.domain,
    startedAt: new Date(startedMs).toISOString(),
    endedAt: new Date(startedMs + 60_000).toISOString(),
    activeMs: 30_000,
    sessionId: '0190a6f2-0000-7000-8000-000000000001',
    transition: 'link',
    startedMs,
  }));
  const localDay = (ms: number): string =>
    new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
  const { heat, pages } = rollupsOf(visits, localDay);
  // No month rollups or day sums: a range read adds the daily rollups' to them (schema 9).
  const rollups = {
    heatRollups: [...heat.values()],
    pageRollups: [...pages.values()],
  };
  await page.evaluate(
    async (s: Seed, stored: typeof visits, more: Record<string, unknown[]>) => {
      // The rollups are keyed by the local day, as localDayOf computes it.
      const day = (offset: number): string => {
        const now = Date.now() + offset * 86_400_000;
        return new Date(now - new Date(now).getTimezoneOffset() * 60_000)
          .toISOString()
          .slice(0, 10);
      };
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const open = indexedDB.open('tracksphere');
        open.onsuccess = () => res(open.result);
        open.onerror = () => rej(new Error(String(open.error)));
      });
      const extra = Object.keys(more).filter((n) => db.objectStoreNames.contains(n));
      const tx = db.transaction(['dailyRollups', 'visits', ...extra], 'readwrite');
      for (const name of extra) for (const row of more[name] ?? []) tx.objectStore(name).put(row);
      for (const r of s.rollups) {
        tx.objectStore('dailyRollups').put({
          day: day(r.dayOffset),
          domain: r.domain,
          activeMs: r.activeMs,
          visits: r.visits,
        });
      }
      for (const v of stored) tx.objectStore('visits').put(v);
      await new Promise<void>((res, rej) => {
        tx.oncomplete = () => res();
        tx.onerror = () => rej(new Error(String(tx.error)));
      });
      db.close();
      type StorageApi = {
        storage: { local: { set(items: Record<string, unknown>): Promise<void> } };
      };
      const g = globalThis as unknown as { browser?: StorageApi; chrome?: StorageApi };
      await (g.browser ?? g.chrome)?.storage.local.set({ consent: true });
    },
    seed,
    visits,
    rollups,
  );
  await clearRangeWindows(page);
}

function attribute(page: Page, testId: string, name: string): Promise<string | null> {
  return page.$eval(`[data-testid="${testId}"]`, (el, n) => el.getAttribute(n), name);
}

/** Opens an extension page in front. */
async function open(page: Page, url: string): Promise<void> {
  await openExtensionPage(page, url);
  await page.bringToFront();
}

/** The install opens the welcome page in a tab of its own; it would take the input focus. */
async function screenshot(page: Page, name: string): Promise<number> {
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return (await stat(path)).size;
}

const BROWSERS = [
  { name: 'chromium', dir: 'chrome-mv3', launch: launchChromiumWithExtension, cdp: true },
  // Puppeteer drives Firefox over WebDriver BiDi: no media-feature emulation there.
  { name: 'firefox', dir: 'firefox-mv3', launch: launchFirefoxWithExtension, cdp: false },
];

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
});

describe.each(BROWSERS)('extension pages in $name', ({ name, dir, launch, cdp }) => {
  let eb: ExtensionBrowser;
  let page: Page;

  beforeAll(async () => {
    ({ eb, page } = await launchExtension(dir, launch, { width: 900, height: 900 }));
  }, 60_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('welcome: explains, then records consent and the privacy level through the background', async () => {
    await open(page, `${eb.extensionUrl}welcome.html`);
    await page.waitForSelector('[data-testid="consent-accept"]');
    expect(await attribute(page, 'consent-state', 'data-consent')).toBe('false');
    expect(await page.$('[data-testid="server-url"]')).not.toBeNull();
    expect(await page.$('[data-testid="enrollment-key"]')).not.toBeNull();
    expect(await screenshot(page, `${name}-welcome`)).toBeGreaterThan(MIN_PNG_BYTES);

    // "No": that answer looks chosen, and "Yes" does not.
    await page.click('[data-testid="consent-decline"]');
    await page.waitForSelector('[data-testid="consent-decline"][aria-pressed="true"]');
    expect(await attribute(page, 'consent-accept', 'aria-pressed')).toBe('false');
    const [yes, no] = await Promise.all(
      ['consent-accept', 'consent-decline'].map((id) =>
        page.$eval(`[data-testid="${id}"]`, (el) => getComputedStyle(el).backgroundColor),
      ),
    );
    expect(yes).not.toBe(no);
    expect(await screenshot(page, `${name}-welcome-declined`)).toBeGreaterThan(MIN_PNG_BYTES);

    await page.click('[data-testid="consent-accept"]');
    await page.waitForSelector('[data-testid="consent-state"][data-consent="true"]');
    expect(await storageValue(page, 'consent')).toBe(true);
    await page.select('[data-testid="privacy-level"]', 'path');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="consent-accept"]')?.hasAttribute('disabled') ===
        false,
    );
    await expect.poll(() => storageValue(page, 'privacyLevel')).toBe('path');
  }, 60_000);

  it('popup: shows the seeded totals, top sites, trend and outbox', async () => {
    // Chrome's popup at its largest is about this size; what is below it needs scrolling.
    await page.setViewport({ width: 370, height: 510 });
    // The first load creates the database; the seed goes in, then the popup reads it.
    await open(page, `${eb.extensionUrl}popup.html`);
    await page.waitForSelector('[data-testid="today-total"]');
    await seedExtension(page, SEED);
    await open(page, `${eb.extensionUrl}popup.html?seeded`);
    await page.waitForSelector('[data-testid="today-total"]:not([data-active-ms="0"])');

    expect(await attribute(page, 'today-total', 'data-active-ms')).toBe(String(70 * MIN));
    // The top sites follow the total once the background has named their sites.
    await page.waitForSelector('[data-testid="site-row"]');
    expect(await siteRows(page)).toEqual([
      { domain: 'docs.example', activeMs: 40 * MIN, visits: 1 },
      { domain: 'news.example', activeMs: 25 * MIN, visits: 3 },
      { domain: 'mail.example', activeMs: 5 * MIN, visits: 2 },
    ]);
    // The current site's controls come first, above the fold.
    const pauseAll = await (await page.$('[data-testid="pause-all"]'))?.boundingBox();
    expect((pauseAll?.y ?? 510) + (pauseAll?.height ?? 0)).toBeLessThan(510);
    // Sync is off: the popup has no sync block (the options page has).
    expect(await page.$('[data-testid="pending-count"]')).toBeNull();
    // The trend's earlier days are read after the figures show: wait for the chart.
    await page.waitForSelector('[data-testid="trend-chart"]');
    expect(await page.$$('[data-testid="trend-chart"] [data-day]')).toHaveLength(7);
    expect(await page.$('[data-testid="pause-all"]')).not.toBeNull();
    expect(await screenshot(page, `${name}-popup`)).toBeGreaterThan(MIN_PNG_BYTES);

    // Each day of the chart is reachable by keyboard.
    expect(
      await page.$eval('[data-testid="trend-chart"] [tabindex="0"]', (bar) => {
        (bar as SVGElement).focus();
        return document.activeElement === bar && bar.getAttribute('aria-label') !== '';
      }),
    ).toBe(true);

    if (cdp) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
      expect(await screenshot(page, `${name}-popup-dark`)).toBeGreaterThan(MIN_PNG_BYTES);
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    }
  }, 60_000);

  it('options: 30-day site table, search, rejected visits and the data buttons', async () => {
    await page.setViewport({ width: 1000, height: 900 });
    await open(page, `${eb.extensionUrl}options.html#sites`);
    await page.waitForSelector('[data-testid="history-total"]');

    expect(await attribute(page, 'history-total', 'data-active-ms')).toBe(
      String((70 + 60 + 15 + 15 + 90 + 30) * MIN),
    );
    expect(await siteRows(page)).toEqual([
      { domain: 'video.example', activeMs: 120 * MIN, visits: 2 },
      { domain: 'docs.example', activeMs: 100 * MIN, visits: 2 },
      { domain: 'news.example', activeMs: 40 * MIN, visits: 7 },
      { domain: 'codeharbor.io', activeMs: 15 * MIN, visits: 2 },
      { domain: 'mail.example', activeMs: 5 * MIN, visits: 2 },
    ]);
    expect(
      await page.$$eval('[data-testid="site-hosts"]', (els) => els.map((e) => e.textContent)),
    ).toEqual(['www.codeharbor.io, blog.codeharbor.io']);
    expect(await screenshot(page, `${name}-options`)).toBeGreaterThan(MIN_PNG_BYTES);

    // A figure is never broken over two lines.
    const wraps = await page.$$eval('[data-testid="site-row"] td.num', (cells) =>
      cells.map((c) => getComputedStyle(c).whiteSpace),
    );
    expect(new Set(wraps)).toEqual(new Set(['nowrap']));

    await showSection(page, 'data');
    for (const id of ['export-json', 'export-csv', 'delete-local', 'erase-server']) {
      expect(await page.$(`[data-testid="${id}"]`), id).not.toBeNull();
    }
    await showSection(page, 'settings');
    expect(await attribute(page, 'rejected-row', 'data-code')).toBe('invalid_url');
    expect(await page.$('[data-testid="sync-save"]')).not.toBeNull();

    // An entry that names no site is refused, with an error (not grey notice text) under it.
    await page.type('[data-testid="paused-sites-input"]', 'not a site!!');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="paused-sites-problem"]');
    expect(await attribute(page, 'paused-sites-problem', 'class')).toBe('error');
    const [errorColour, noticeColour] = await page.evaluate(() => {
      const probe = document.createElement('p');
      probe.className = 'notice';
      document.body.append(probe);
      const colours = [
        getComputedStyle(document.querySelector('[data-testid="paused-sites-problem"]') as Element)
          .color,
        getComputedStyle(probe).color,
      ];
      probe.remove();
      return colours;
    });
    expect(errorColour).not.toBe(noticeColour);
    // Nothing was stored (the list was never written).
    expect((await storageValue(page, 'pausedSites')) ?? []).toEqual([]);
    expect(await screenshot(page, `${name}-options-invalid-site`)).toBeGreaterThan(MIN_PNG_BYTES);

    await showSection(page, 'sites');
    await page.waitForSelector('[data-testid="site-search"]');
    await page.type('[data-testid="site-search"]', 'news');
    await page.waitForFunction(
      () => document.querySelectorAll('[data-testid="site-row"]').length === 1,
    );
    expect((await siteRows(page)).map((r) => r.domain)).toEqual(['news.example']);
  }, 60_000);

  it("options: a 90-day range, a site's pages and the hours of the range", async () => {
    await open(page, `${eb.extensionUrl}options.html?range#sites`);
    await page.waitForSelector('[data-testid="history-total"]');
    await page.select('[data-testid="range-picker"]', '90d');
    // 40 days ago comes in: old.example's 99 min.
    await page.waitForFunction(
      (ms: string) =>
        document.querySelector('[data-testid="history-total"]')?.getAttribute('data-active-ms') ===
        ms,
      {},
      String((70 + 60 + 15 + 15 + 90 + 30 + 99) * MIN),
    );
    expect(await attribute(page, 'range-chart', 'data-unit')).toBe('week');
    await page.click(
      '[data-testid="site-row"][data-domain="news.example"] [data-testid="site-pages-button"]',
    );
    await page.waitForSelector('[data-testid="page-row"]');
    // The two seeded visits of news.example, 30 s active each, on one page.
    expect(
      await page.$$eval('[data-testid="page-row"]', (rows) =>
        rows.map((r) => [
          r.getAttribute('data-path'),
          r.getAttribute('data-active-ms'),
          r.getAttribute('data-visits'),
        ]),
      ),
    ).toEqual([['/', '60000', '2']]);
    expect(await screenshot(page, `${name}-options-range`)).toBeGreaterThan(MIN_PNG_BYTES);
    // The hours of the same range: the range chosen stays when the section changes.
    await showSection(page, 'when');
    await page.waitForSelector('[data-testid="heatmap-cell"]');
    expect(
      await page.$eval('[data-testid="range-picker"]', (el) => (el as HTMLSelectElement).value),
    ).toBe('90d');
    expect(await page.$$eval('[data-testid="heatmap-cell"]', (cells) => cells.length)).toBe(168);
    expect(await screenshot(page, `${name}-options-when`)).toBeGreaterThan(MIN_PNG_BYTES);
  }, 60_000);

  it('options: the study (cohort, end), why sync stopped, and Leave the study', async () => {
    const ends = '2026-03-31T00:00:00.000Z';
    await page.evaluate(async (endsAt: string) => {
      type StorageApi = {
        storage: { local: { set(items: Record<string, unknown>): Promise<void> } };
      };
      const g = globalThis as unknown as { browser?: StorageApi; chrome?: StorageApi };
      await (g.browser ?? g.chrome)?.storage.local.set({
        syncConfig: {
          enabled: false,
          serverUrl: 'https://tracksphere.example.org',
          deviceId: '0190a6f2-0000-7000-8000-00000000000a',
          token: '0190a6f2-0000-7000-8000-00000000000a.tokentokentoken',
          withdrawalSecret: 'withdrawal-secret-0123456789',
          stopped: { code: 'study_ended', message: 'The study ended.', at: Date.now() },
        },
        studyInfo: { cohort: 'spring-2026', studyEndsAt: endsAt, studyEnded: true, checkedAt: 1 },
      });
    }, ends);
    await open(page, `${eb.extensionUrl}options.html?study#settings`);
    await page.waitForSelector('[data-testid="study-info"]');
    expect(await attribute(page, 'study-info', 'data-cohort')).toBe('spring-2026');
    expect(await attribute(page, 'study-info', 'data-ends-at')).toBe(ends);
    expect(await attribute(page, 'sync-stopped', 'data-reason')).toBe('study_ended');
    const stopped = await page.$eval('[data-testid="sync-stopped"]', (el) => el.textContent);
    expect(stopped).toContain('The study spring-2026 ended on');
    expect(stopped).toContain('nothing is sent any more');
    expect(await page.$('[data-testid="leave-study"]')).not.toBeNull();
    await page.$eval('[data-testid="study-section"]', (el) => el.scrollIntoView());
    expect(await screenshot(page, `${name}-options-study`)).toBeGreaterThan(MIN_PNG_BYTES);
  }, 60_000);
});
