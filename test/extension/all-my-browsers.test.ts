/**
 * All my browsers end to end (issue 18): the Chromium chrome build and Firefox ESR with the
 * firefox build, each registered through its options page to one server (nginx, TLS, Kafka,
 * PostgreSQL), linked with a code; each browses different sites (and one both) with scripted
 * dwell times; each popup's "all my browsers" shows both browsers' time per site within 1 s of
 * the test's clock. Then the server goes away: each popup shows its cached summary "as of" when
 * it was received, Firefox's adding what it browsed since; back online, Chromium sees that too.
 * A daily limit set in Firefox to count all linked browsers counts both browsers' time.
 * Every wait is on a condition; the only sleeps are the dwell times.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOCK_TOLERANCE_MS } from '../e2e/e2e-context.js';
import { type E2eStack, ENROLLMENT_KEY, startE2eStack } from '../e2e/stack.js';
import {
  closeInstallWelcomeTab,
  type ExtensionBrowser,
  launchChromiumWithExtension,
  launchFirefoxWithExtension,
} from '../harness/browsers.js';
import { waitFor } from '../harness/client.js';
import { stableBuildDir } from '../harness/extension-builds.js';
import {
  openExtensionPage,
  readVisits,
  setStorageValues,
  siteRows,
} from '../harness/extension-pages.js';
import { registerFromOptions, sleep } from './extension-test-kit.js';

const HOSTS = ['alpha.test', 'beta.test', 'gamma.test', 'shared.test'];
/** The longest idle threshold: headless browsers get no input, and must stay "active". */
const LONGEST_IDLE_THRESHOLD_S = 4 * 60 * 60;

interface Profile {
  name: string;
  eb: ExtensionBrowser;
  /** An extension page kept open to read the extension's storage and database. */
  ext: Page;
  options: Page;
  deviceId: string;
}

/**
 * Active ms on the test's clock: at least from the page's load to the tab's close being asked
 * for, at most from the navigation's start to the close done (apart by a few ms on a quiet
 * machine, by seconds on a loaded one, where the browser sees each moment late).
 */
interface Span {
  least: number;
  most: number;
}
/** Site (or browser) to its span. */
type Expected = Map<string, Span>;

function add(expected: Expected, site: string, span: Span | undefined): void {
  const had = expected.get(site) ?? { least: 0, most: 0 };
  expected.set(site, {
    least: had.least + (span?.least ?? 0),
    most: had.most + (span?.most ?? 0),
  });
}

describe('All my browsers: Chromium and Firefox linked through one server', () => {
  let stack: E2eStack;
  const profiles: Profile[] = [];

  async function start(
    name: string,
    dir: string,
    launch: typeof launchChromiumWithExtension,
  ): Promise<Profile> {
    const eb = await launch(await stableBuildDir(dir), {
      loopbackHosts: HOSTS,
      trustSpkiSha256: stack.spkiHash,
      acceptPermissionPrompts: true,
    });
    await closeInstallWelcomeTab(eb);
    const ext = await eb.browser.newPage();
    await openExtensionPage(ext, `${eb.extensionUrl}manifest.json`);
    await setStorageValues(ext, {
      consent: true,
      idleThresholdSeconds: LONGEST_IDLE_THRESHOLD_S,
    });
    const { options, deviceId } = await registerFromOptions(
      eb,
      stack.serverUrl,
      ENROLLMENT_KEY,
      `${name}'s registration`,
    );
    return { name, eb, ext, options, deviceId };
  }

  /** Opens `site` in a new tab in front, stays `dwellMs`, closes it: the time the test saw. */
  async function dwell(p: Profile, site: string, dwellMs: number): Promise<Span> {
    const tab = await p.eb.browser.newPage();
    await tab.bringToFront();
    const asked = Date.now();
    await tab.goto(stack.page(site, '/'));
    const loaded = Date.now();
    await sleep(dwellMs);
    const closing = Date.now();
    await tab.close();
    return { least: closing - loaded, most: Date.now() - asked };
  }

  /** Waits until `p` has recorded `count` visits in all (the last tab's close is handled). */
  async function recorded(p: Profile, count: number): Promise<void> {
    await waitFor(
      async () =>
        (await readVisits(p.ext)).filter((v) => HOSTS.includes(v.domain)).length === count,
      `${p.name}'s ${count} visits`,
    );
  }

  /** "Sync now" on the options page, then every visit acknowledged and in PostgreSQL. */
  async function synced(p: Profile): Promise<void> {
    await p.options.bringToFront();
    await p.options.waitForSelector('[data-testid="sync-now"]:not([disabled])');
    await p.options.click('[data-testid="sync-now"]');
    await waitFor(
      async () => (await readVisits(p.ext)).every((v) => v.syncState === 'sent'),
      `${p.name}'s outbox to drain`,
    );
    const ids = (await readVisits(p.ext)).map((v) => v.id);
    await waitFor(async () => {
      const rows = await stack.db.query('SELECT 1 FROM visits WHERE id = ANY($1::uuid[])', [ids]);
      return rows.rowCount === ids.length;
    }, `${p.name}'s visits in PostgreSQL`);
  }

  interface AllView {
    asOf: number;
    sites: Map<string, number>;
    browsers: Map<string, number>;
  }

  /**
   * The popup's "all my browsers" once its summary request is over: as of `asOf` (at least
   * `since`, or exactly it), with `site` among the rows when given.
   */
  async function allView(
    p: Profile,
    asOf: { since: number } | { exactly: number },
    site?: string,
  ): Promise<AllView> {
    const popup = await p.eb.browser.newPage();
    await popup.setViewport({ width: 360, height: 640 });
    await openExtensionPage(popup, `${p.eb.extensionUrl}popup.html`);
    await popup.waitForSelector('[data-testid="view-scope"]', { timeout: 20_000 });
    await popup.select('[data-testid="view-scope"]', 'all');
    const stamp = async (): Promise<number> =>
      Number(
        await popup
          .$eval('[data-testid="scope-as-of"]', (el) =>
            el.textContent?.includes('…') ? null : el.getAttribute('data-as-of'),
          )
          .catch(() => null),
      );
    await waitFor(
      async () => {
        const shown = await stamp();
        if (shown === 0) return false;
        if ('since' in asOf ? shown < asOf.since : shown !== asOf.exactly) return false;
        if (site === undefined) return true;
        return (await siteRows(popup)).some((row) => row.domain === site);
      },
      `${p.name}'s popup: all my browsers as of ${JSON.stringify(asOf)}${site ? ` with ${site}` : ''}`,
      30_000,
    );
    const view: AllView = {
      asOf: await stamp(),
      sites: new Map((await siteRows(popup)).map((row) => [row.domain, row.activeMs])),
      browsers: new Map(
        await popup.$$eval('[data-testid="browser-row"]', (rows) =>
          rows.map((r): [string, number] => [
            r.getAttribute('data-device-id') ?? '',
            Number(r.getAttribute('data-active-ms')),
          ]),
        ),
      ),
    };
    await popup.close();
    return view;
  }

  /** Each figure within 1 s of its span on the test's clock. */
  function expectClose(shown: Map<string, number>, expected: Expected, who: string): void {
    expect([...shown.keys()].sort(), `${who}: the sites`).toEqual([...expected.keys()].sort());
    for (const [site, { least, most }] of expected) {
      const got = shown.get(site) ?? Number.NaN;
      expect(
        Math.max(least - got, got - most),
        `${who}, ${site}: popup ${got} ms, test's clock ${least} to ${most} ms`,
      ).toBeLessThanOrEqual(CLOCK_TOLERANCE_MS);
    }
  }

  beforeAll(async () => {
    stack = await startE2eStack();
    profiles.push(await start('Chromium', 'chrome-mv3', launchChromiumWithExtension));
    profiles.push(await start('Firefox', 'firefox-mv3', launchFirefoxWithExtension));
  }, 300_000);
  afterAll(async () => {
    for (const p of profiles) await p.eb.close().catch(() => undefined);
    await stack?.stop();
  });

  it('each popup shows both browsers per site within 1 s, online and from the cache offline', async () => {
    const [chromium, firefox] = profiles as [Profile, Profile];

    // Linking: the code from Chromium's options page typed into Firefox's.
    await chromium.options.bringToFront();
    await chromium.options.click('[data-testid="link-create"]');
    await chromium.options.waitForSelector('[data-testid="link-code"]');
    const code = await chromium.options.$eval(
      '[data-testid="link-code"]',
      (el) => el.getAttribute('data-code') ?? '',
    );
    await firefox.options.bringToFront();
    await firefox.options.type('[data-testid="link-code-input"]', code);
    await firefox.options.click('[data-testid="link-submit"]');
    await waitFor(
      async () => (await firefox.options.$$('[data-testid="linked-device"]')).length === 2,
      'two linked browsers',
    );

    const chromiumTime: Expected = new Map();
    const firefoxTime: Expected = new Map();
    add(chromiumTime, 'alpha.test', await dwell(chromium, 'alpha.test', 2_000));
    add(chromiumTime, 'shared.test', await dwell(chromium, 'shared.test', 1_500));
    add(firefoxTime, 'beta.test', await dwell(firefox, 'beta.test', 2_500));
    add(firefoxTime, 'shared.test', await dwell(firefox, 'shared.test', 1_000));
    await recorded(chromium, 2);
    await recorded(firefox, 2);
    await synced(chromium);
    await synced(firefox);
    const online = Date.now();

    const both: Expected = new Map(chromiumTime);
    for (const [site, span] of firefoxTime) add(both, site, span);
    const sum = (time: Expected): Span => {
      const total: Expected = new Map();
      for (const span of time.values()) add(total, 'all', span);
      return total.get('all') ?? { least: 0, most: 0 };
    };
    const asOf = new Map<Profile, number>();
    for (const p of profiles) {
      const view = await allView(p, { since: online });
      expectClose(view.sites, both, `${p.name} online`);
      expectClose(
        view.browsers,
        new Map([
          [chromium.deviceId, sum(chromiumTime)],
          [firefox.deviceId, sum(firefoxTime)],
        ]),
        `${p.name} online, by browser`,
      );
      asOf.set(p, view.asOf);
    }

    // A limit set in Firefox's options page to count all linked browsers: its time today on
    // shared.test is both browsers'.
    await firefox.options.bringToFront();
    await firefox.options.type('[data-testid="limit-target"]', 'shared.test');
    await firefox.options.click('[data-testid="limit-all-browsers"]');
    await firefox.options.click('[data-testid="limit-submit"]');
    const limitRow =
      '[data-testid="limit-row"][data-target="shared.test"][data-all-browsers="true"]';
    await firefox.options.waitForSelector(limitRow);
    const limitUsed = Number(
      await firefox.options.$eval(limitRow, (el) => el.getAttribute('data-used-ms')),
    );
    expectClose(
      new Map([['shared.test', limitUsed]]),
      new Map([['shared.test', both.get('shared.test') ?? { least: 0, most: 0 }]]),
      'The limit counting all browsers',
    );

    // The server goes away. Firefox browses on; its visit waits in its outbox.
    await stack.nginx.down();
    add(firefoxTime, 'gamma.test', await dwell(firefox, 'gamma.test', 1_500));
    await recorded(firefox, 3);
    for (const p of profiles) {
      const view = await allView(
        p,
        { exactly: asOf.get(p) ?? 0 },
        p === firefox ? 'gamma.test' : undefined,
      );
      const expected = new Map(both);
      if (p === firefox) add(expected, 'gamma.test', firefoxTime.get('gamma.test'));
      expectClose(view.sites, expected, `${p.name} offline, as of the cached summary`);
    }

    // Back online: once Firefox has sent it, Chromium's popup counts the offline visit too.
    await stack.nginx.up();
    await synced(firefox);
    const again = Date.now();
    add(both, 'gamma.test', firefoxTime.get('gamma.test'));
    expectClose((await allView(chromium, { since: again })).sites, both, 'Chromium back online');
  }, 240_000);
});
