/**
 * The options page's scope in real Chromium and Firefox ESR against the real server (embedded,
 * PostgreSQL) behind a proxy the test can take away: "All my browsers" chosen on the Overview
 * holds in Sites, When and Categories, after a reload and on reopening; Sites over the last 7
 * days shows the other browser's time from the server plus this browser's visits it has not
 * sent, per site and per browser; offline, the page shows the cached figures "as of" when they
 * came. axe-core finds nothing in the sections under "all"; Chromium's Sites goes to
 * test-output/screenshots/.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered } from '#protocol';
import type { ExtensionBrowser } from '../harness/browsers.js';
import { makeBatch, makeEvent, postEvents, registerDevice, request } from '../harness/client.js';
import {
  clearRangeWindows,
  openExtensionPage,
  setStorageValues,
  siteRows,
} from '../harness/extension-pages.js';
import { type Stack, startStack } from '../server/modes.js';
import { axeViolationIds, BROWSERS, launchRecording, showSection } from './extension-test-kit.js';
import { type FaultProxy, startFaultProxy } from './fault-proxy.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOTS = join(ROOT, 'test-output/screenshots');
const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

/** Local noon `back` days before today: far from midnight in any zone the machine has. */
function noon(back: number): number {
  const d = new Date();
  d.setHours(12, 0, 0, 0);
  d.setDate(d.getDate() - back);
  return d.getTime();
}

const localDay = (ms: number): string =>
  new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 10);

/** The other browser's visits on the server: a minute of remote.test on each of 6 days, more. */
function otherVisits() {
  const at = (back: number, domain: string, activeMs: number) =>
    makeEvent({
      domain,
      url: `https://${domain}/`,
      startedAt: new Date(noon(back)).toISOString(),
      endedAt: new Date(noon(back) + activeMs + 1_000).toISOString(),
      activeMs,
    });
  return [
    ...[1, 2, 3, 4, 5, 6].map((back) => at(back, 'remote.test', 60_000)),
    at(2, 'shared.test', 30_000),
    // Out of the 7 days: never among their rows.
    at(10, 'old.test', 90_000),
  ];
}

/** This browser's visits, recorded with sync off (never sent): counted from its database. */
function localVisits() {
  const visit = (n: number, back: number, domain: string, activeMs: number) => ({
    id: `0190a6f2-0000-7000-8000-${String(n).padStart(12, '0')}`,
    type: 'visit',
    domain,
    url: `https://${domain}/`,
    title: null,
    startedAt: new Date(noon(back) + 3_600_000).toISOString(),
    endedAt: new Date(noon(back) + 3_600_000 + activeMs).toISOString(),
    startedMs: noon(back) + 3_600_000,
    activeMs,
    sessionId: '0190a6f2-0000-7000-8000-000000000001',
    transition: 'link',
    syncState: 'local',
  });
  return [visit(1, 2, 'shared.test', 45_000), visit(2, 3, 'local.test', 20_000)];
}

/** The visits and their daily rollups into the extension's database, as the tracker keeps them. */
async function seedLocal(page: Page): Promise<void> {
  const visits = localVisits();
  const dailyRollups = visits.map((v) => ({
    day: localDay(v.startedMs),
    domain: v.domain,
    activeMs: v.activeMs,
    visits: 1,
  }));
  await page.evaluate(
    async (rows: Record<string, unknown[]>) => {
      const db = await new Promise<IDBDatabase>((res, rej) => {
        const open = indexedDB.open('tracksphere');
        open.onsuccess = () => res(open.result);
        open.onerror = () => rej(new Error(String(open.error)));
      });
      const tx = db.transaction(Object.keys(rows), 'readwrite');
      for (const [name, list] of Object.entries(rows))
        for (const row of list) tx.objectStore(name).put(row);
      await new Promise<void>((res, rej) => {
        tx.oncomplete = () => res();
        tx.onerror = () => rej(new Error(String(tx.error)));
      });
      db.close();
    },
    // No day sums: a range read adds the daily rollups' to them (schema version 9).
    { visits, dailyRollups },
  );
  await clearRangeWindows(page);
}

const EXPECTED_SITES = { 'remote.test': 360_000, 'shared.test': 75_000, 'local.test': 20_000 };

async function scopeValue(page: Page): Promise<string> {
  await page.waitForSelector('[data-testid="view-scope"]', { timeout: 20_000 });
  return page.$eval('[data-testid="view-scope"]', (el) => (el as HTMLSelectElement).value);
}

/** "as of" once the refresh is over (no "Updating…"): its data-as-of. */
async function settledAsOf(page: Page): Promise<number> {
  const handle = await page.waitForFunction(
    () => {
      const el = document.querySelector('[data-testid="scope-as-of"]');
      const at = el?.getAttribute('data-as-of');
      return at != null && !el?.textContent?.includes('…') ? at : false;
    },
    { timeout: 30_000 },
  );
  return Number(await handle.jsonValue());
}

/**
 * Sites over the last 7 days: resolves once the rows are the expected ones (or after the wait,
 * with whatever shows, for the assertion to tell).
 */
async function sitesOfWeek(page: Page): Promise<Record<string, number>> {
  await page.waitForSelector('[data-testid="range-picker"]', { timeout: 20_000 });
  await page.select('[data-testid="range-picker"]', '7d');
  await page
    .waitForFunction(
      (want: Record<string, number>) => {
        const rows = [...document.querySelectorAll('[data-testid="site-row"]')];
        return (
          rows.length === Object.keys(want).length &&
          rows.every(
            (r) =>
              want[r.getAttribute('data-domain') ?? ''] ===
              Number(r.getAttribute('data-active-ms')),
          )
        );
      },
      { timeout: 30_000 },
      EXPECTED_SITES,
    )
    .catch(() => undefined);
  return Object.fromEntries((await siteRows(page)).map((row) => [row.domain, row.activeMs]));
}

async function browserRows(page: Page): Promise<Record<string, number>> {
  return Object.fromEntries(
    await page.$$eval('[data-testid="browser-row"]', (rows) =>
      rows.map((r): [string, number] => [
        r.getAttribute('data-device-id') ?? '',
        Number(r.getAttribute('data-active-ms')),
      ]),
    ),
  );
}

describe.each(BROWSERS)(
  'the options page under All my browsers in $name',
  ({ name, dir, launch }) => {
    let stack: Stack;
    let proxy: FaultProxy;
    let eb: ExtensionBrowser;
    let page: Page;
    let me: DeviceRegistered;
    let other: DeviceRegistered;

    beforeAll(async () => {
      await mkdir(SCREENSHOTS, { recursive: true });
      stack = await startStack('embedded');
      proxy = await startFaultProxy(stack.server.url, () => ({ kind: 'forward' }));
      const base = stack.server.url;
      me = await registerDevice(base);
      other = await registerDevice(base, { userAgent: FIREFOX_UA });
      const sent = await postEvents(base, other.token, makeBatch(otherVisits()));
      expect(sent.status, sent.text).toBeLessThan(300);
      const code = await request<{ code: string }>(`${base}/api/v1/me/link-code`, {
        method: 'POST',
        headers: { authorization: `Bearer ${me.token}` },
      });
      const linked = await request(`${base}/api/v1/me/link`, {
        method: 'POST',
        headers: { authorization: `Bearer ${other.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ code: code.body.code }),
      });
      expect(linked.status, linked.text).toBe(200);

      ({ eb, page } = await launchRecording(dir, launch, {
        viewport: { width: 1200, height: 900 },
      }));
      await setStorageValues(page, {
        syncConfig: { enabled: true, serverUrl: proxy.url, deviceId: me.deviceId, token: me.token },
      });
      await openExtensionPage(page, `${eb.extensionUrl}options.html`);
      await page.waitForSelector('[data-testid="today-total"]', { timeout: 20_000 });
      await seedLocal(page);
    }, 120_000);

    afterAll(async () => {
      await eb?.close();
      await proxy?.close().catch(() => undefined);
      await stack?.stop();
    });

    it('keeps "all" across sections, reloads and offline, with every browser in Sites', async () => {
      await page.bringToFront();
      await openExtensionPage(page, `${eb.extensionUrl}options.html?start#overview`);
      expect(await scopeValue(page)).toBe('this');
      await page.select('[data-testid="view-scope"]', 'all');
      await page.waitForSelector('[data-testid="today-total"][data-scope="all"]');

      // Sites: the choice holds; the week is both browsers', per site and per browser.
      await showSection(page, 'sites');
      expect(await scopeValue(page)).toBe('all');
      expect(await sitesOfWeek(page)).toEqual(EXPECTED_SITES);
      const asOf = await settledAsOf(page);
      expect(await browserRows(page)).toEqual({
        [other.deviceId]: 390_000,
        [me.deviceId]: 65_000,
      });
      expect(
        Number(
          await page.$eval('[data-testid="history-total"]', (el) =>
            el.getAttribute('data-active-ms'),
          ),
        ),
      ).toBe(455_000);
      // Each site's row splits its time by browser, the busiest first.
      expect(
        await page.$eval(
          '[data-testid="site-row"][data-domain="shared.test"] [data-testid="site-browsers"]',
          (el) => el.textContent ?? '',
        ),
      ).toMatch(/\(this browser\): 45 sec, .+: 30 sec$/);
      expect(await page.$('[data-testid="scope-local-note"]')).not.toBeNull();
      // Erase takes this browser's visits (and their server copy) only: none on a site that
      // only the other browser has; Limit stays on every row.
      const erasable = await page.$$eval('[data-testid="site-row"]', (rows) =>
        rows
          .filter((r) => r.querySelector('[data-testid="erase-site"]') !== null)
          .map((r) => r.getAttribute('data-domain'))
          .sort(),
      );
      expect(erasable).toEqual(['local.test', 'shared.test']);
      const heads = await page.$$eval('thead th', (ths) => ths.map((th) => th.textContent ?? ''));
      expect(heads).toContain('Limit and erase');
      expect(await axeViolationIds(page), 'sites').toEqual([]);
      if (name === 'Chromium') {
        await page.screenshot({ path: join(SCREENSHOTS, 'chromium-dashboard-sites-all.png') });
      }

      // When says its hours are this browser's; Categories totals every browser's sites.
      for (const section of ['when', 'categories'] as const) {
        await showSection(page, section);
        expect(await scopeValue(page), section).toBe('all');
        await page.waitForSelector(
          section === 'when' ? '[data-testid="scope-local-note"]' : '[data-testid="category-row"]',
          { timeout: 20_000 },
        );
        await settledAsOf(page);
        expect(await axeViolationIds(page), section).toEqual([]);
      }

      // A reload, and the page opened again without its address: still all the browsers.
      await openExtensionPage(page, `${eb.extensionUrl}options.html?reloaded#sites`);
      expect(await scopeValue(page)).toBe('all');
      await openExtensionPage(page, `${eb.extensionUrl}options.html`);
      await page.waitForSelector('[data-testid="today-total"][data-scope="all"]', {
        timeout: 20_000,
      });
      // The Overview's 30-day trend is this browser's, and says so.
      expect(await page.$('[data-testid="scope-local-note"]')).not.toBeNull();

      // The popup remembers the same choice; choosing there is kept for the page too.
      await openExtensionPage(page, `${eb.extensionUrl}popup.html`);
      await page.waitForSelector('[data-testid="today-total"][data-scope="all"]', {
        timeout: 20_000,
      });
      expect(await scopeValue(page)).toBe('all');
      if (name === 'Chromium') {
        await page.screenshot({ path: join(SCREENSHOTS, 'chromium-popup-scope-kept.png') });
      }
      await page.select('[data-testid="view-scope"]', 'this');
      await openExtensionPage(page, `${eb.extensionUrl}popup.html?again`);
      await page.waitForSelector('[data-testid="today-total"][data-scope="this"]');
      await page.select('[data-testid="view-scope"]', 'all');
      await page.waitForSelector('[data-testid="today-total"][data-scope="all"]');

      // The server unreachable: the week shows at once from the cache, as of when it came.
      await proxy.close();
      await openExtensionPage(page, `${eb.extensionUrl}options.html?offline#sites`);
      expect(await scopeValue(page)).toBe('all');
      expect(await sitesOfWeek(page)).toEqual(EXPECTED_SITES);
      expect(await settledAsOf(page)).toBeGreaterThanOrEqual(asOf);
      expect(await page.$eval('[data-testid="scope-as-of"]', (el) => el.textContent ?? '')).toMatch(
        /as of/i,
      );
      expect(await browserRows(page)).toEqual({
        [other.deviceId]: 390_000,
        [me.deviceId]: 65_000,
      });
    }, 240_000);
  },
);
