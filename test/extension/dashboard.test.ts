/**
 * The options page's dashboard in real Chromium and Firefox ESR, with a month of realistic
 * browsing seeded into the extension's database: each section reached from the navigation by
 * keyboard (the focus lands on its heading, the URL's hash names it, reload and Back keep it),
 * axe-core finds nothing wrong in any of them, and screenshots of each (Chromium in both
 * themes) go to test-output/screenshots/ (the README's pictures come from there).
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RollupVisit, rollupsOf } from '../../extension/db/visit-rollups.js';
import type { ExtensionBrowser } from '../harness/browsers.js';
import { clearRangeWindows, openExtensionPage } from '../harness/extension-pages.js';
import { AXE_SOURCE, BROWSERS, launchRecording } from './extension-test-kit.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOTS = join(ROOT, 'test-output/screenshots');
const SECTIONS = ['overview', 'sites', 'when', 'categories', 'settings', 'data'] as const;

interface SeedVisit extends RollupVisit {
  id: string;
  type: 'visit';
  startedAt: string;
  sessionId: string;
  transition: string;
  syncState: string;
}

const localDay = (ms: number): string =>
  new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);

/**
 * A month of one person's browsing: work hours on weekdays, evenings and weekends apart, each
 * visit with its page. A fixed pseudo-random sequence: the same figures every run.
 */
function month(now: number): SeedVisit[] {
  let state = 42;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const visits: SeedVisit[] = [];
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  for (let back = 29; back >= 0; back--) {
    const day = new Date(midnight.getTime());
    day.setDate(day.getDate() - back);
    const weekday = day.getDay();
    const workday = weekday !== 0 && weekday !== 6;
    const hours = workday ? [9, 10, 11, 14, 15, 16, 20, 21] : [11, 15, 19, 20, 21, 22];
    for (const hour of hours) {
      const count = 1 + Math.floor(random() * 3);
      let at = day.getTime() + hour * 3_600_000 + Math.floor(random() * 600_000);
      for (let i = 0; i < count; i++) {
        const [domain, paths] = workday && hour < 18 ? pick(WORK) : pick(LEISURE);
        const activeMs = Math.round((2 + random() * 16) * 60_000);
        const endMs = at + activeMs + Math.round(random() * 120_000);
        if (endMs > now - 60_000) break;
        visits.push({
          id: `0190a6f2-0000-7000-8000-${String(visits.length).padStart(12, '0')}`,
          type: 'visit',
          domain,
          url: `https://${domain}${pick(paths)}`,
          title: null,
          startedAt: new Date(at).toISOString(),
          endedAt: new Date(endMs).toISOString(),
          startedMs: at,
          activeMs,
          sessionId: '0190a6f2-0000-7000-8000-000000000001',
          transition: 'link',
          syncState: 'local',
        });
        at = endMs + Math.round(random() * 300_000);
      }
    }
  }
  // Before the first seeded hour of the day (a run after midnight), today still has a visit:
  // the overview's total and the day's timeline are what the test looks at.
  if (!visits.some((v) => v.startedMs >= midnight.getTime())) {
    const at = midnight.getTime() + 5_000;
    const endMs = now - 60_000;
    visits.push({
      id: `0190a6f2-0000-7000-8000-${String(visits.length).padStart(12, '0')}`,
      type: 'visit',
      domain: 'en.wikipedia.org',
      url: 'https://en.wikipedia.org/wiki/Midnight',
      title: null,
      startedAt: new Date(at).toISOString(),
      endedAt: new Date(endMs).toISOString(),
      startedMs: at,
      activeMs: endMs - at,
      sessionId: '0190a6f2-0000-7000-8000-000000000001',
      transition: 'link',
      syncState: 'local',
    });
  }
  return visits;
}

const WORK = [
  ['github.com', ['/tracksphere/tracksphere/pulls', '/tracksphere/tracksphere/issues/16']],
  ['mail.google.com', ['/mail/u/0/']],
  ['docs.google.com', ['/document/d/roadmap', '/spreadsheets/d/budget']],
  ['stackoverflow.com', ['/questions/tagged/indexeddb', '/questions/tagged/preact']],
  ['developer.mozilla.org', ['/en-US/docs/Web/API/IndexedDB_API']],
  ['slack.com', ['/client/T01/C02']],
] as const;
const LEISURE = [
  ['youtube.com', ['/watch', '/feed/subscriptions']],
  ['news.ycombinator.com', ['/', '/item']],
  ['en.wikipedia.org', ['/wiki/Time_tracking', '/wiki/Preact']],
  ['reddit.com', ['/r/webdev/', '/r/firefox/']],
  ['amazon.com', ['/gp/cart/view.html']],
  ['netflix.com', ['/browse']],
  ['theguardian.com', ['/international', '/technology']],
] as const;

/**
 * Writes the month into the extension's database as the tracker keeps it: the visits, their
 * daily rollups, and the heat and page rollups the range views read (visit-rollups.ts).
 */
async function seedMonth(page: Page): Promise<number> {
  // Today's visit needs a minute or two of today to lie in.
  const sinceMidnight = Date.now() - new Date().setHours(0, 0, 0, 0);
  if (sinceMidnight < 90_000) await new Promise((r) => setTimeout(r, 90_000 - sinceMidnight));
  const visits = month(Date.now());
  const daily = new Map<
    string,
    { day: string; domain: string; activeMs: number; visits: number }
  >();
  for (const v of visits) {
    const day = localDay(v.startedMs);
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
  const { heat, pages } = rollupsOf(visits, localDay);
  const stores = {
    visits,
    dailyRollups: [...daily.values()],
    heatRollups: [...heat.values()],
    pageRollups: [...pages.values()],
    // No month rollups or day sums: a range read adds the daily rollups' to them (schema 9).
  };
  await page.evaluate(async (rows: Record<string, unknown[]>) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const open = indexedDB.open('tracksphere');
      open.onsuccess = () => res(open.result);
      open.onerror = () => rej(new Error(String(open.error)));
    });
    const names = Object.keys(rows).filter((n) => db.objectStoreNames.contains(n));
    const tx = db.transaction(names, 'readwrite');
    for (const name of names) for (const row of rows[name] ?? []) tx.objectStore(name).put(row);
    await new Promise<void>((res, rej) => {
      tx.oncomplete = () => res();
      tx.onerror = () => rej(new Error(String(tx.error)));
    });
    db.close();
  }, stores);
  await clearRangeWindows(page);
  return visits.length;
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(await AXE_SOURCE);
  return page.evaluate(async () => {
    type Axe = {
      run(ctx: Document): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }>;
    };
    const result = await (globalThis as unknown as { axe: Axe }).axe.run(document);
    return result.violations.map(
      (v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
  });
}

/** What has the focus: its test id, else its id, else its tag. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el?.getAttribute('data-testid') || el?.id || el?.tagName || 'none';
  });
}

/** What each section waits for before it is looked at. */
const READY: Record<(typeof SECTIONS)[number], string> = {
  overview: '[data-testid="today-total"]:not([data-active-ms="0"])',
  sites: '[data-testid="site-row"]',
  when: '[data-testid="timeline-block"]',
  categories: '[data-testid="category-row"]',
  settings: '[data-testid="consent-switch"]',
  data: '[data-testid="export-json"]',
};

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
});

describe.each(BROWSERS)('the options dashboard in $name', ({ name, dir, launch }) => {
  let eb: ExtensionBrowser;
  let page: Page;
  const shot = name === 'Chromium' ? 'chromium' : 'firefox';

  beforeAll(async () => {
    ({ eb, page } = await launchRecording(dir, launch, { viewport: { width: 1200, height: 900 } }));
    await openExtensionPage(page, `${eb.extensionUrl}options.html`);
    await page.waitForSelector('[data-testid="today-total"]');
    expect(await seedMonth(page)).toBeGreaterThan(300);
  }, 180_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('moves between the sections by keyboard, keeps the section in the URL, and each passes axe-core', async () => {
    // In front: a page behind another tab is not painted, and its screenshot waits for it.
    await page.bringToFront();
    await openExtensionPage(page, `${eb.extensionUrl}options.html?seeded`);
    await page.waitForSelector(READY.overview);
    expect(await page.$eval('nav[aria-label]', (n) => n.querySelectorAll('a').length)).toBe(6);
    expect(await page.$eval('[aria-current="page"]', (a) => a.getAttribute('href'))).toBe(
      '#overview',
    );
    for (const section of SECTIONS) {
      // By keyboard: the link's focus, then Enter.
      await page.focus(`[data-testid="nav-${section}"]`);
      await page.keyboard.press('Enter');
      await page.waitForSelector(READY[section], { timeout: 20_000 });
      expect(await page.evaluate(() => window.location.hash)).toBe(`#${section}`);
      if (section !== 'overview') {
        // The section's rows may render before the move's focus lands (a later task): wait for
        // it, within a bound, then check where it is.
        await page
          .waitForFunction(
            (id: string) => document.activeElement?.id === id,
            { timeout: 5_000 },
            `section-${section}`,
          )
          .catch(() => undefined);
        expect(await focused(page)).toBe(`section-${section}`);
      }
      expect(await page.$eval('[aria-current="page"]', (a) => a.getAttribute('href'))).toBe(
        `#${section}`,
      );
      expect(await axeViolations(page), section).toEqual([]);
      if (section !== 'settings' && section !== 'data') {
        await page.screenshot({
          path: join(SCREENSHOTS, `${shot}-dashboard-${section}.png`),
          fullPage: false,
        });
      }
    }
    // Back returns to the section before; a reload keeps the one shown.
    await page.goBack();
    await page.waitForSelector(READY.settings);
    expect(await page.evaluate(() => window.location.hash)).toBe('#settings');
    await openExtensionPage(page, `${eb.extensionUrl}options.html?again#when`);
    await page.waitForSelector(READY.when);
    expect(await page.$('[data-testid="heatmap-cell"]')).not.toBeNull();
    // The skip link leads past the navigation to the section shown.
    await page.focus('[data-testid="skip-link"]');
    await page.keyboard.press('Enter');
    expect(await focused(page)).toBe('section-when');
  }, 300_000);

  it('shows the dashboard in the dark theme too, without an axe-core finding', async () => {
    if (name !== 'Chromium') return;
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    for (const section of ['overview', 'sites'] as const) {
      await openExtensionPage(page, `${eb.extensionUrl}options.html?dark#${section}`);
      await page.waitForSelector(READY[section]);
      expect(await axeViolations(page), section).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, `${shot}-dashboard-${section}-dark.png`) });
    }
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  }, 120_000);

  it('fits a narrow window: no section scrolls the page sideways', async () => {
    await page.setViewport({ width: 420, height: 900 });
    try {
      for (const section of SECTIONS) {
        await openExtensionPage(page, `${eb.extensionUrl}options.html?narrow#${section}`);
        await page.waitForSelector(READY[section], { timeout: 20_000 });
        const { scroll, client } = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth,
        }));
        // The sites' table is wider than 420 px: it scrolls in its own box (.table-scroll).
        expect(scroll, section).toBeLessThanOrEqual(client);
      }
    } finally {
      await page.setViewport({ width: 1200, height: 900 });
    }
  }, 120_000);
});
