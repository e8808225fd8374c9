/**
 * The end-to-end story, as a person and an admin live it, in one browser with one build:
 * install and consent, browsing with known dwell times, sync through nginx and Kafka into
 * PostgreSQL, the server going down, the background being stopped, pausing a site from the
 * popup, a private window, export and erase. Each scenario builds on the state the previous
 * one left, as a person's browser does; every wait is on the condition itself, and the only
 * sleeps are the scripted dwell times the figures are checked against.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allDashboards } from '../../grafana/src/all-dashboards.js';
import { send } from '../deploy/http-client.js';
import { showSection, watchPage } from '../extension/extension-test-kit.js';
import { expandQuery, panelQueries, runQuery } from '../grafana/dashboard-queries.js';
import type { ExtensionBrowser, LaunchOptions } from '../harness/browsers.js';
import { waitFor } from '../harness/client.js';
import { stableBuildDir } from '../harness/extension-builds.js';
import {
  backgroundRunning,
  type ExtensionTab,
  extensionTabsAt,
  openExtensionPage,
  readVisits,
  removeExtensionTabs,
  type StoredVisit,
  savedTrackerState,
  setStorageValues,
  siteRows,
  storageValue,
} from '../harness/extension-pages.js';
import type { E2eContext } from './e2e-context.js';
import { defineLimitsAndErase, LIMITS_HOSTS } from './scenario-limits.js';
import { defineRangeViews, RANGES_HOSTS } from './scenario-ranges.js';
import { defineStudy, STUDY_HOSTS } from './scenario-study.js';
import { type E2eStack, ENROLLMENT_KEY, startE2eStack } from './stack.js';

export interface BrowserUnderTest {
  /** File-name-safe label: chrome, edge, firefox. */
  label: string;
  /** The build under .output/. */
  build: string;
  engine: 'chromium' | 'firefox';
  launch(buildDir: string, opts: LaunchOptions): Promise<ExtensionBrowser>;
  /** The browser name the extension reports when it registers. */
  browserName: string;
}

const SCREENSHOTS = join(process.cwd(), 'test-output', 'e2e');
/** Every host the scenarios visit; the browsers resolve them to this machine. */
const HOSTS = [
  'setup.test',
  'alpha.test',
  'beta.test',
  'gamma.test',
  'later.test',
  ...LIMITS_HOSTS,
  ...RANGES_HOSTS,
  ...STUDY_HOSTS,
];
/** The popup's figures must match the scripted ground truth this closely (the bar). */
const DWELL_TOLERANCE_MS = 1_000;
/** Firefox suspends its idle background this soon, so scenario 5 can watch it happen. */
const FIREFOX_IDLE_TIMEOUT_MS = 5_000;
/** MAX_IDLE_THRESHOLD_SECONDS of extension/settings (not imported: it pulls in WXT's storage). */
const LONGEST_IDLE_THRESHOLD_S = 4 * 60 * 60;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the page itself says its address is (Firefox does not report extension pages' URLs). */
async function locationOf(page: Page): Promise<string> {
  const timeout = sleep(2_000).then(() => '');
  return Promise.race([page.evaluate(() => location.href).catch(() => ''), timeout]);
}

/** The open tab whose address ends with `suffix`, waiting for it to appear. */
async function tabAt(
  browser: Browser,
  suffix: string,
  exclude: ReadonlySet<Page> = new Set(),
): Promise<Page> {
  let found: Page | undefined;
  try {
    await waitFor(
      async () => {
        for (const page of await browser.pages()) {
          if (!exclude.has(page) && (await locationOf(page)).endsWith(suffix)) {
            found = page;
            return true;
          }
        }
        return false;
      },
      `a tab at ${suffix}`,
      15_000,
    );
  } catch (e) {
    // What each page said its address was, the ones excluded marked: a tab that opened but
    // answers nothing differs from one that never opened.
    const pages = await Promise.all(
      (await browser.pages()).map(
        async (p) =>
          `${exclude.has(p) ? '(before) ' : ''}${p.url()} says ${(await locationOf(p)) || '(no answer)'}`,
      ),
    );
    throw new Error(`${e instanceof Error ? e.message : String(e)}; pages: ${pages.join(', ')}`);
  }
  if (found === undefined) throw new Error(`no tab at ${suffix}`);
  return found;
}

async function newTab(browser: Browser): Promise<Page> {
  const tab = await browser.newPage();
  await tab.bringToFront();
  return tab;
}

function attribute(page: Page, selector: string, name: string): Promise<string | null> {
  return page.$eval(selector, (el, n) => el.getAttribute(n), name);
}

interface SyncConfig {
  enabled: boolean;
  serverUrl: string | null;
  deviceId: string | null;
  token: string | null;
}

export function defineEndToEnd(target: BrowserUnderTest): void {
  describe(`end to end: ${target.label} build in ${target.engine}`, () => {
    let stack: E2eStack;
    let eb: ExtensionBrowser;
    /** An extension page kept open to read the extension's storage and database. */
    let ext: Page;
    /** The install's welcome tab, kept for scenario 1. */
    let welcome: Page | null = null;
    /** Firefox: the tabs at the welcome page's address the extension listed after install. */
    let welcomeTabs: ExtensionTab[] = [];
    let welcomeRendered = false;
    let deviceId = '';
    let token = '';

    const visits = (): Promise<StoredVisit[]> => readVisits(ext);
    const visitsAt = async (path: string): Promise<StoredVisit[]> =>
      (await visits()).filter((v) => v.url !== null && new URL(v.url).pathname === path);
    const waitForVisit = (path: string, what = `the visit to ${path}`): Promise<void> =>
      waitFor(async () => (await visitsAt(path)).length > 0, what, 20_000);
    const serverRows = async (): Promise<{ id: string; n: number }[]> =>
      (
        await stack.db.query<{ id: string; n: number }>(
          'SELECT id::text, count(*)::int AS n FROM visits WHERE device_id = $1 GROUP BY id',
          [deviceId],
        )
      ).rows;

    /** Opens the options page in a tab of its own. */
    async function optionsPage(): Promise<Page> {
      const page = await newTab(eb.browser);
      watchPage(page);
      await page.setViewport({ width: 900, height: 900 });
      await openExtensionPage(page, `${eb.extensionUrl}options.html#settings`);
      await page.waitForSelector('[data-testid="sync-now"]');
      return page;
    }

    /** Clicks "Sync now" on a page showing the sync status. */
    async function syncNow(page: Page): Promise<void> {
      await page.waitForSelector('[data-testid="sync-now"]:not([disabled])');
      await page.click('[data-testid="sync-now"]');
    }

    /**
     * The popup for the page in `tab`, as the person opens it from the toolbar. Chromium opens
     * the real action popup. Firefox's popup panel is out of WebDriver BiDi's reach, so the same
     * popup page opens in a background tab: the page stays the active tab of the focused
     * window, which is what the popup acts on, exactly as the panel does.
     */
    async function popupFor(tab: Page): Promise<Page> {
      await tab.bringToFront();
      const earlier = new Set(eb.browser.targets());
      if (target.engine === 'chromium') {
        await ext.evaluate(async () => {
          const g = globalThis as unknown as { chrome: { action: { openPopup(): Promise<void> } } };
          await g.chrome.action.openPopup();
        });
        // The popup is a target of its own, not a tab; an earlier, closed popup does not count.
        const popupTarget = await eb.browser.waitForTarget(
          (t) => !earlier.has(t) && t.type() === 'page' && t.url().endsWith('/popup.html'),
        );
        const popup = await popupTarget.asPage();
        await popup.waitForSelector('[data-testid="today-total"], [data-testid="consent-off"]');
        return popup;
      }
      // A background tab puppeteer opens itself: Firefox's WebDriver BiDi does not always report
      // a tab the extension opens on its own page (a CI run's tabs.create opened the popup, but no
      // new page ever appeared to the test), nor one closed there.
      const popup = await eb.browser.newPage({ background: true });
      await openExtensionPage(popup, `${eb.extensionUrl}popup.html`);
      await popup.waitForSelector('[data-testid="today-total"], [data-testid="consent-off"]');
      return popup;
    }

    /** For the story files (scenario-*.ts). */
    const context: E2eContext = {
      engine: target.engine,
      label: target.label,
      stack: () => stack,
      eb: () => eb,
      ext: () => ext,
      deviceId: () => deviceId,
      visits,
      newTab: () => newTab(eb.browser),
      optionsPage,
      syncNow,
      locationOf,
    };

    beforeAll(async () => {
      await mkdir(SCREENSHOTS, { recursive: true });
      stack = await startE2eStack();
      // A copy: other runs may rebuild .output/ while this one runs.
      eb = await target.launch(await stableBuildDir(target.build), {
        loopbackHosts: HOSTS,
        trustSpkiSha256: stack.spkiHash,
        acceptPermissionPrompts: true,
        ...(target.engine === 'firefox'
          ? { backgroundIdleTimeoutMs: FIREFOX_IDLE_TIMEOUT_MS }
          : {}),
      });
      if (target.engine === 'chromium') {
        welcome = await tabAt(eb.browser, '/welcome.html').catch(() => null);
      }
      ext = await eb.browser.newPage();
      await openExtensionPage(ext, `${eb.extensionUrl}manifest.json`);
      if (target.engine === 'firefox') {
        // Firefox's WebDriver BiDi does not always report a tab the extension opens, nor any
        // extension page's address: the extension's own tabs API says whether it opened its
        // welcome page, and the person's part runs in the same page the test opens at that
        // address, in front, once the extension's tab is closed.
        const url = `${eb.extensionUrl}welcome.html`;
        await waitFor(
          async () => {
            welcomeTabs = await extensionTabsAt(ext, url);
            return welcomeTabs.length > 0;
          },
          'the welcome tab the extension opens on install',
          15_000,
        ).catch(() => undefined);
        if (welcomeTabs.length > 0) {
          // The extension's own tab showed the person's choice before it is closed (its view,
          // through the extension's API): a tab that opened but never rendered fails below.
          await waitFor(
            () =>
              ext.evaluate((u: string) => {
                type Views = { extension: { getViews(o: { type: string }): Window[] } };
                const views = (globalThis as unknown as { browser: Views }).browser.extension;
                return views
                  .getViews({ type: 'tab' })
                  .some(
                    (v) =>
                      v.location.href === u &&
                      v.document.querySelector('[data-testid="consent-decline"]') !== null,
                  );
              }, url),
            "the extension's welcome tab showing the consent choice",
            15_000,
          )
            .then(() => {
              welcomeRendered = true;
            })
            .catch(() => undefined);
          await removeExtensionTabs(
            ext,
            welcomeTabs.map((t) => t.id),
          );
          welcome = await newTab(eb.browser);
          await openExtensionPage(welcome, url);
        }
      }
      if (target.engine === 'firefox') {
        // Headless Firefox gets no human input, so its idle service reports "idle" once the
        // threshold has passed since launch; the person's longest threshold keeps it "active".
        await setStorageValues(ext, { idleThresholdSeconds: LONGEST_IDLE_THRESHOLD_S });
      }
    }, 90_000);

    afterAll(async () => {
      await eb?.close();
      await stack?.stop();
    });

    it('1. install: the welcome page opens; declining records nothing; accepting starts recording', async () => {
      expect(welcome, 'the welcome page opened on install').not.toBeNull();
      if (target.engine === 'firefox') {
        expect(welcomeTabs, 'the extension opened one welcome tab').toHaveLength(1);
        expect(welcomeRendered, "the extension's welcome tab showed the consent choice").toBe(true);
      }
      const page = welcome as Page;
      await page.bringToFront();
      await page.waitForSelector('[data-testid="consent-decline"]');
      expect(await attribute(page, '[data-testid="consent-state"]', 'data-consent')).toBe('false');
      await page.click('[data-testid="consent-decline"]');
      await page.waitForSelector('[data-testid="consent-state"][data-consent="false"]');

      const tab = await newTab(eb.browser);
      await tab.goto(stack.page('setup.test', '/declined'));
      await sleep(300);
      await tab.goto(stack.page('setup.test', '/declined-2'));

      await page.bringToFront();
      await page.click('[data-testid="consent-accept"]');
      await page.waitForSelector('[data-testid="consent-state"][data-consent="true"]');
      expect(await storageValue(ext, 'consent')).toBe(true);

      await tab.bringToFront();
      await tab.goto(stack.page('setup.test', '/accepted'));
      await sleep(300);
      await tab.close();
      await waitForVisit('/accepted');
      // Events are handled in order: had the declined pages been recorded, they would be here.
      const paths = (await visits()).map((v) => new URL(v.url ?? 'x:').pathname);
      expect(paths).toEqual(['/accepted']);
      await page.close();
      welcome = null;
    }, 60_000);

    it('2. browsing three sites in two tabs (with a route change): the popup matches the scripted dwell times', async () => {
      // Tab A: alpha.test, a link to another alpha.test page, then beta.test's single-page app.
      const a = await newTab(eb.browser);
      await a.goto(stack.page('alpha.test', '/'));
      const alphaStart = Date.now();
      await sleep(1_500);
      await Promise.all([a.waitForNavigation(), a.click('#link')]);
      await sleep(1_000);
      await a.goto(stack.page('beta.test', '/app'));
      const betaStart = Date.now();
      await sleep(1_500);
      await a.click('#route');
      await a.waitForFunction(() => location.pathname === '/app/route-2');
      await sleep(1_500);
      // Tab B in front: gamma.test; tab A's route-2 page waits in the background.
      const bOpened = Date.now();
      const b = await newTab(eb.browser);
      await b.goto(stack.page('gamma.test', '/'));
      await sleep(2_000);
      await a.bringToFront();
      const aBack = Date.now();
      await sleep(1_000);
      await b.close();
      await a.close();
      const aClosed = Date.now();

      const expected = new Map<string, { activeMs: number; visits: number }>([
        ['alpha.test', { activeMs: betaStart - alphaStart, visits: 2 }],
        ['beta.test', { activeMs: bOpened - betaStart + (aClosed - aBack), visits: 2 }],
        ['gamma.test', { activeMs: aBack - bOpened, visits: 1 }],
      ]);
      await waitFor(
        async () => (await visits()).filter((v) => expected.has(v.domain)).length === 5,
        'the five visits of the script',
      );

      // The person's categories, as the options page stores them: alpha.test in Work, gamma.test
      // in News, beta.test in a category of their own (the .test sites are in no built-in list).
      await setStorageValues(ext, {
        categories: {
          custom: [{ id: 'custom:1', name: 'Apps' }],
          overrides: { 'alpha.test': 'work', 'beta.test': 'custom:1', 'gamma.test': 'news' },
        },
      });

      const popup = await newTab(eb.browser);
      await popup.setViewport({ width: 360, height: 640 });
      await openExtensionPage(popup, `${eb.extensionUrl}popup.html`);
      await popup.waitForSelector('[data-testid="site-row"]');
      await popup.waitForSelector('[data-testid="category-row"]');
      const byCategory = new Map(
        await popup.$$eval('[data-testid="category-row"]', (els) =>
          els.map((el): [string, number] => [
            el.getAttribute('data-category') ?? '',
            Number(el.getAttribute('data-active-ms')),
          ]),
        ),
      );
      for (const [category, domain] of [
        ['work', 'alpha.test'],
        ['custom:1', 'beta.test'],
        ['news', 'gamma.test'],
      ] as const) {
        const want = expected.get(domain)?.activeMs ?? Number.NaN;
        const shown = byCategory.get(category) ?? Number.NaN;
        expect(
          Math.abs(shown - want),
          `${category} (${domain}): popup ${shown} ms, script ${want} ms`,
        ).toBeLessThanOrEqual(DWELL_TOLERANCE_MS);
      }
      const rows = new Map((await siteRows(popup)).map((r) => [r.domain, r]));
      for (const [domain, want] of expected) {
        const row = rows.get(domain);
        expect(row, `a popup row for ${domain}`).toBeDefined();
        expect(row?.visits, `${domain} visits`).toBe(want.visits);
        expect(
          Math.abs((row?.activeMs ?? 0) - want.activeMs),
          `${domain}: popup ${row?.activeMs} ms, script ${want.activeMs} ms`,
        ).toBeLessThanOrEqual(DWELL_TOLERANCE_MS);
      }
      await popup.screenshot({ path: join(SCREENSHOTS, `${target.label}-popup.png`) });
      await popup.close();
    }, 90_000);

    it('3. sync on through nginx (TLS): every visit reaches PostgreSQL once, with browser and OS, and the Grafana panels show it', async () => {
      expect(
        (await stack.db.query('SELECT 1 FROM visits')).rowCount,
        'nothing left before sync',
      ).toBe(0);
      const options = await optionsPage();
      await options.click('[data-testid="sync-enable"]');
      await options.type('[data-testid="server-url"]', stack.serverUrl);
      await options.type('[data-testid="enrollment-key"]', ENROLLMENT_KEY);
      await options.click('[data-testid="sync-save"]');
      await waitFor(
        async () =>
          ((await storageValue(ext, 'syncConfig')) as SyncConfig | undefined)?.token != null,
        'the device registration',
      );
      const config = (await storageValue(ext, 'syncConfig')) as SyncConfig;
      deviceId = config.deviceId ?? '';
      token = config.token ?? '';
      expect(config.serverUrl).toBe(stack.serverUrl);

      // What was recorded before sync was on stays in the browser until the person chooses to
      // send it; what is recorded from now on goes to the server.
      const beforeSync = await visits();
      expect(beforeSync.every((v) => v.syncState === 'local')).toBe(true);
      const tab = await newTab(eb.browser);
      for (const host of ['alpha.test', 'beta.test', 'gamma.test']) {
        await tab.goto(stack.page(host, '/synced'));
        await sleep(200);
      }
      await tab.close();
      await waitFor(
        async () => (await visits()).filter((v) => v.syncState !== 'local').length === 3,
        'the three visits made with sync on',
      );

      await openExtensionPage(options, `${eb.extensionUrl}options.html?again#settings`);
      await syncNow(options);
      await waitFor(
        async () => (await visits()).every((v) => v.syncState !== 'pending'),
        'the outbox to drain',
      );
      const local = (await visits()).filter((v) => v.syncState !== 'local');
      expect(local.map((v) => v.syncState)).toEqual(['sent', 'sent', 'sent']);
      expect((await visits()).filter((v) => v.syncState === 'local')).toHaveLength(
        beforeSync.length,
      );
      // The API's 2xx means the event is in Kafka; the consumer writes it to PostgreSQL.
      await waitFor(
        async () => (await serverRows()).length === local.length,
        'every synced visit in PostgreSQL',
      );
      expect((await serverRows()).map((r) => r.id).sort()).toEqual(local.map((v) => v.id).sort());

      // Then the person chooses to send the history from before sync was on, too.
      await options.waitForSelector('[data-testid="send-earlier"]:not([disabled])');
      expect(await attribute(options, '[data-testid="earlier-history"]', 'data-count')).toBe(
        String(beforeSync.length),
      );
      await options.click('[data-testid="send-earlier"]');
      await waitFor(
        async () => (await visits()).every((v) => v.syncState === 'sent'),
        'the earlier history to be sent',
      );
      const all = await visits();
      await waitFor(
        async () => (await serverRows()).length === all.length,
        'every visit in PostgreSQL',
      );
      const rows = await serverRows();
      expect(rows.map((r) => r.id).sort()).toEqual(all.map((v) => v.id).sort());
      expect(rows.every((r) => r.n === 1)).toBe(true);

      const device = await stack.db.query(
        'SELECT browser_name, os, ua_os_name FROM devices WHERE id = $1',
        [deviceId],
      );
      expect(device.rows[0]).toMatchObject({
        browser_name: target.browserName,
        ua_os_name: 'Linux',
      });
      const parsed = await stack.db.query(
        'SELECT DISTINCT browser_name, os_name FROM visits WHERE device_id = $1',
        [deviceId],
      );
      expect(parsed.rows).toHaveLength(1);
      expect(parsed.rows[0].os_name).toBe('Linux');
      expect(parsed.rows[0].browser_name).toMatch(
        target.engine === 'firefox' ? /Firefox/ : /Chrom/,
      );

      // The admin's view: the Grafana panels' own SQL, as the read-only role.
      const scenario = {
        from: new Date(Date.now() - 86_400_000),
        to: new Date(Date.now() + 3_600_000),
        intervalMs: 60_000,
      };
      const client = await stack.db.connect();
      try {
        await client.query('SET ROLE grafana_reader');
        for (const [uid, title, expectedText] of [
          ['tracksphere-sites', 'Top domains by active time', 'gamma.test'],
          ['tracksphere-audience', 'Browsers', parsed.rows[0].browser_name as string],
        ] as const) {
          const dashboard = allDashboards()
            .map((d) => d.dashboard)
            .find((d) => d.uid === uid);
          if (dashboard === undefined) throw new Error(`no dashboard ${uid}`);
          const query = panelQueries(dashboard).find((q) => q.panelTitle === title);
          if (query === undefined) throw new Error(`no panel ${title}`);
          const result = await runQuery(
            client,
            expandQuery(query.rawSql, dashboard, scenario),
            query.format,
          );
          expect(JSON.stringify(result.rows), `${title} shows ${expectedText}`).toContain(
            expectedText,
          );
        }
      } finally {
        await client.query('RESET ROLE');
        client.release();
      }
      await options.close();
    }, 90_000);

    it('4. server down while browsing, then up: nothing lost, nothing doubled', async () => {
      await stack.nginx.down();
      const tab = await newTab(eb.browser);
      for (const path of ['/offline-1', '/offline-2', '/offline-3']) {
        await tab.goto(stack.page('later.test', path));
        await sleep(200);
      }
      await tab.close();
      await waitForVisit('/offline-3');
      const options = await optionsPage();
      await syncNow(options);
      await options.waitForSelector('[data-testid="sync-status"] .error');
      const pending = (await visits()).filter((v) => v.syncState === 'pending');
      expect(pending.map((v) => new URL(v.url ?? 'x:').pathname).sort()).toEqual([
        '/offline-1',
        '/offline-2',
        '/offline-3',
      ]);

      await stack.nginx.up();
      await syncNow(options);
      await waitFor(
        async () => (await visits()).every((v) => v.syncState !== 'pending'),
        'the outbox to drain',
      );
      const local = await visits();
      expect(local.every((v) => v.syncState === 'sent')).toBe(true);
      await waitFor(
        async () => (await serverRows()).length === local.length,
        'every synced visit in PostgreSQL',
      );
      const rows = await serverRows();
      expect(rows.map((r) => r.id).sort()).toEqual(local.map((v) => v.id).sort());
      expect(rows.every((r) => r.n === 1)).toBe(true);
      await options.close();
    }, 90_000);

    it('5. background stopped mid-visit: the visit is finished correctly after the restart', async () => {
      const tab = await newTab(eb.browser);
      await tab.goto(stack.page('gamma.test', '/worker'));
      const start = Date.now();
      await waitFor(() => backgroundRunning(ext), 'the background to run');
      // Stopped before it has saved the open visit, the navigation event itself would be gone.
      await waitFor(
        async () => JSON.stringify((await savedTrackerState(ext)) ?? null).includes('/worker'),
        'the tracker to have the visit open',
      );
      if (target.engine === 'chromium') {
        const cdp = await tab.createCDPSession();
        await cdp.send('ServiceWorker.enable');
        await cdp.send('ServiceWorker.stopAllWorkers');
        await cdp.detach();
      }
      // Firefox suspends its event page after FIREFOX_IDLE_TIMEOUT_MS without events.
      await waitFor(async () => !(await backgroundRunning(ext)), 'the background to stop', 15_000);
      await sleep(Math.max(0, start + 4_000 - Date.now()));
      // The next navigation wakes the background, which finishes the visit it had open.
      await tab.goto(stack.page('gamma.test', '/worker-after'));
      const end = Date.now();
      await waitForVisit('/worker');
      const [visit] = await visitsAt('/worker');
      expect(
        Math.abs((visit?.activeMs ?? 0) - (end - start)),
        `active ${visit?.activeMs} ms, in front ${end - start} ms`,
      ).toBeLessThanOrEqual(DWELL_TOLERANCE_MS);
      await tab.close();
      await waitForVisit('/worker-after');
    }, 60_000);

    it('6. pause this site from the popup: later visits are not recorded; resume records again', async () => {
      const tab = await newTab(eb.browser);
      await tab.goto(stack.page('beta.test', '/before-pause'));
      let popup = await popupFor(tab);
      await popup.waitForSelector('[data-testid="pause-site"][data-site="beta.test"]');
      await popup.click('[data-testid="pause-site"]');
      await popup.waitForSelector('[data-testid="pause-site"][aria-pressed="true"]');
      expect(await storageValue(ext, 'pausedSites')).toEqual(['beta.test']);
      await popup.close();

      await tab.bringToFront();
      await tab.goto(stack.page('beta.test', '/while-paused'));
      await sleep(300);
      await tab.goto(stack.page('alpha.test', '/marker-1'));
      await sleep(300);
      await tab.goto(stack.page('beta.test', '/resume-here'));
      await waitForVisit('/marker-1');

      popup = await popupFor(tab);
      await popup.waitForSelector('[data-testid="pause-site"][aria-pressed="true"]');
      await popup.click('[data-testid="pause-site"]');
      await popup.waitForSelector('[data-testid="pause-site"][aria-pressed="false"]');
      expect(await storageValue(ext, 'pausedSites')).toEqual([]);
      await popup.close();

      await tab.bringToFront();
      await tab.goto(stack.page('beta.test', '/after-resume'));
      await sleep(300);
      await tab.close();
      await waitForVisit('/after-resume');
      expect(await visitsAt('/before-pause')).toHaveLength(1);
      expect(await visitsAt('/while-paused')).toEqual([]);
    }, 60_000);

    it('7. a private window records nothing', async () => {
      if (target.engine === 'chromium') {
        // An off-the-record context, as an incognito window is.
        const context = await eb.browser.createBrowserContext();
        const priv = await context.newPage();
        await priv.goto(stack.page('alpha.test', '/private'));
        await sleep(300);
        await priv.goto(stack.page('alpha.test', '/private-2'));
        await context.close();
      } else {
        // Firefox runs an extension in private windows only if the person allows it there,
        // and refuses to open one for it otherwise.
        const refused = await ext.evaluate(async () => {
          const g = globalThis as unknown as {
            browser: { windows: { create(o: object): Promise<unknown> } };
          };
          return g.browser.windows.create({ incognito: true }).then(
            () => 'opened',
            (e: unknown) => String(e),
          );
        });
        expect(refused).toMatch(/incognito/i);
      }
      const tab = await newTab(eb.browser);
      await tab.goto(stack.page('alpha.test', '/marker-2'));
      await sleep(200);
      await tab.close();
      await waitForVisit('/marker-2');
      expect(
        (await visits()).filter((v) => v.url?.includes('/private')),
        'no visit from the private window',
      ).toEqual([]);
    }, 60_000);

    defineLimitsAndErase(context);

    it('8. export JSON equals what is stored; erase server data removes the rows and refuses later syncs', async () => {
      const options = await optionsPage();
      // Keep what the page hands to the download, to read the file's content.
      await options.evaluate(() => {
        const kept: Blob[] = [];
        (globalThis as unknown as { exported: Blob[] }).exported = kept;
        const original = URL.createObjectURL.bind(URL);
        URL.createObjectURL = (blob: Blob | MediaSource) => {
          if (blob instanceof Blob) kept.push(blob);
          return original(blob);
        };
      });
      await showSection(options, 'data');
      await options.click('[data-testid="export-json"]');
      const exported = JSON.parse(
        await options.evaluate(async () => {
          const kept = (globalThis as unknown as { exported: Blob[] }).exported;
          while (kept.length === 0) await new Promise((r) => setTimeout(r, 20));
          return (kept[0] as Blob).text();
        }),
      ) as Record<string, unknown>[];
      // The export leaves out the internal fields: the day index and the sync's acknowledgement marks.
      const stored = (await visits())
        .map(
          ({
            startedMs: _startedMs,
            ackedAt: _ackedAt,
            ackBatches: _ackBatches,
            ackSeq: _ackSeq,
            sentAt,
            ...v
          }) =>
            sentAt === undefined ? v : { ...v, sentAt: new Date(sentAt as number).toISOString() },
        )
        .sort((x, y) => String(x.id).localeCompare(String(y.id)));
      expect([...exported].sort((x, y) => String(x.id).localeCompare(String(y.id)))).toEqual(
        stored,
      );

      const before = (await serverRows()).length;
      expect(before).toBeGreaterThan(0);
      options.on('dialog', (dialog) => void dialog.accept());
      await options.click('[data-testid="erase-server"]');
      await options.waitForSelector('[data-testid="data-message"]');
      await waitFor(async () => (await serverRows()).length === 0, 'the rows to be erased');
      const devices = await stack.db.query('SELECT 1 FROM devices WHERE id = $1', [deviceId]);
      expect(devices.rowCount).toBe(0);

      // A later sync with the old token is refused, through nginx, as the extension would send it.
      const refused = await send(`${stack.serverUrl}/api/v1/me`, {
        ca: stack.nginx.ca,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.text)).toMatchObject({ error: { code: 'device_deleted' } });
      // The extension forgot the token: nothing more leaves the browser.
      expect(((await storageValue(ext, 'syncConfig')) as SyncConfig).token).toBeNull();
      await options.close();
    }, 60_000);

    defineRangeViews(context);
    defineStudy(context);
  });
}
