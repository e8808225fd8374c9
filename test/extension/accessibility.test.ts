/**
 * The extension's pages by keyboard and by axe-core, in real Chromium and Firefox ESR: no
 * axe violations on any page, the focus stays where the person is after an action, each
 * chart is one tab stop moved through with the arrow keys, and a skip link leads past the
 * history to the settings.
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtensionBrowser } from '../harness/browsers.js';
import { waitFor } from '../harness/client.js';
import {
  openExtensionPage,
  readVisits,
  setStorageValues,
  storageValue,
} from '../harness/extension-pages.js';
import { servePlainPages } from '../harness/page-site.js';
import { AXE_SOURCE, BROWSERS, launchRecording, showSection, sleep } from './extension-test-kit.js';

interface Violation {
  id: string;
  help: string;
  nodes: string[];
}

/** axe-core's violations on the page as it is now (its source injected into the page). */
async function axeViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(await AXE_SOURCE);
  return page.evaluate(async () => {
    type AxeResult = {
      violations: { id: string; help: string; nodes: { target: string[] }[] }[];
    };
    const axe = (globalThis as unknown as { axe: { run(ctx: Document): Promise<AxeResult> } }).axe;
    const result = await axe.run(document);
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
}

/** What has the keyboard focus: its test id, else its aria-label, else its tag. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (el === null) return 'none';
    return el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.id ?? el.tagName;
  });
}

/**
 * An extension page in a tab of its own, in front: Firefox sometimes leaves a tab that
 * goes from one extension page to another without a document to wait on.
 */
async function openPage(
  eb: ExtensionBrowser,
  name: string,
  ready: string,
  section = '',
): Promise<Page> {
  const tab = await eb.browser.newPage();
  await tab.setViewport({ width: 1000, height: 900 });
  await tab.bringToFront();
  await openExtensionPage(tab, `${eb.extensionUrl}${name}.html${section}`);
  await tab.waitForSelector(ready).catch(async (e: unknown) => {
    const shown = await tab.evaluate(() => document.body?.innerText ?? '(no body)');
    throw new Error(`${String(e)}; the page shows: ${shown}`);
  });
  return tab;
}

const site = servePlainPages();

describe.each(BROWSERS)('accessibility in $name', ({ dir, launch }) => {
  let eb: ExtensionBrowser;
  let page: Page;

  beforeAll(async () => {
    ({ eb, page } = await launchRecording(dir, launch, { viewport: { width: 1000, height: 900 } }));
    // One recorded visit, so the lists and charts have rows.
    const tab = await eb.browser.newPage();
    await tab.bringToFront();
    await tab.goto(`${site.url()}/first`);
    await sleep(1_000);
    await tab.goto(`${site.url()}/second`);
    await waitFor(async () => (await readVisits(page)).length > 0, 'a recorded visit', 15_000);
    await tab.close();
    await page.bringToFront();
  }, 90_000);

  afterAll(async () => {
    await eb?.close();
  });

  it.each([
    ['popup.html', '[data-testid="trend-chart"]'],
    ['options.html', '[data-testid="site-row"]'],
    ['options.html#sites', '[data-testid="site-search"]'],
    ['welcome.html', '[data-testid="consent-accept"]'],
  ])(
    'axe-core finds nothing wrong on %s',
    async (path, ready) => {
      await openExtensionPage(page, `${eb.extensionUrl}${path}`);
      await page.waitForSelector(ready);
      expect(await axeViolations(page)).toEqual([]);
    },
    60_000,
  );

  it('options: a skip link, the sections, the range picker, then the chart as one tab stop before the search box', async () => {
    const page = await openPage(eb, 'options', '[data-testid="site-row"]', '#sites');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const stops: string[] = [];
    for (let i = 0; i < 14 && !stops.includes('site-search'); i++) {
      await page.keyboard.press('Tab');
      stops.push(await focused(page));
    }
    expect(stops.slice(0, 8)).toEqual([
      'skip-link',
      'nav-overview',
      'nav-sites',
      'nav-when',
      'nav-categories',
      'nav-settings',
      'nav-data',
      'range-picker',
    ]);
    expect(stops).toHaveLength(10);
    expect(stops[9]).toBe('site-search');

    // The chart's one stop is its last day; the arrow keys move through the others.
    const today = stops[8] ?? '';
    await page.keyboard.down('Shift');
    await page.keyboard.press('Tab');
    await page.keyboard.up('Shift');
    expect(await focused(page)).toBe(today);
    await page.keyboard.press('ArrowLeft');
    const before = await focused(page);
    expect(before).not.toBe(today);
    expect(before).toMatch(/: /);
    await page.keyboard.press('End');
    expect(await focused(page)).toBe(today);

    // The skip link takes the focus past the navigation to the section: the next Tab is its first control.
    await page.focus('[data-testid="skip-link"]');
    await page.keyboard.press('Enter');
    expect(await focused(page)).toBe('section-sites');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('range-picker');
    // Another section by keyboard: its heading takes the focus; in the settings the first switch follows.
    await page.focus('[data-testid="nav-settings"]');
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('section-settings');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toBe('consent-switch');
    await page.close();
  }, 60_000);

  it("options: a site's pages, a 12-month chart, the heatmap and the timeline pass axe-core", async () => {
    const page = await openPage(eb, 'options', '[data-testid="site-pages-button"]', '#sites');
    await page.click('[data-testid="site-pages-button"]');
    await page.waitForSelector('[data-testid="page-row"]');
    expect(await focused(page)).toBe('site-pages-heading');
    expect(await axeViolations(page)).toEqual([]);
    await page.select('[data-testid="range-picker"]', '365d');
    await page.waitForSelector('[data-testid="range-chart"] .bar-hit');
    // The 13 months are one tab stop too.
    expect(
      await page.$$eval('[data-testid="range-chart"] .bar-hit[tabindex="0"]', (els) => els.length),
    ).toBe(1);
    await page.select('[data-testid="range-picker"]', 'custom');
    await page.$eval('[data-testid="range-from"]', (el) => {
      (el as HTMLInputElement).value = '2999-01-01';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await page.waitForSelector('[data-testid="range-problem"]');
    expect(await axeViolations(page)).toEqual([]);
    await showSection(page, 'when');
    await page.waitForSelector('[data-testid="heatmap-cell"]');
    await page.waitForSelector('[data-testid="timeline-block"]');
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  }, 60_000);

  it('keeps the focus on the control after Pause everything and after Remove', async () => {
    let page = await openPage(eb, 'options', '[data-testid="pause-all"]', '#settings');
    await page.focus('[data-testid="pause-all"]');
    await page.keyboard.press(' ');
    await expect.poll(() => storageValue(page, 'pausedAll')).toBe(true);
    expect(await focused(page)).toBe('pause-all');
    // A second Space right away works too: the switch was never taken away.
    await page.waitForSelector('[data-testid="pause-all"]:not([aria-disabled])');
    await page.keyboard.press(' ');
    await expect.poll(() => storageValue(page, 'pausedAll')).toBe(false);
    expect(await focused(page)).toBe('pause-all');

    for (const entry of ['a.example', 'b.example']) {
      await page.type('[data-testid="paused-sites-input"]', entry);
      await page.keyboard.press('Enter');
      await page.waitForSelector(`[data-testid="paused-sites"] li[data-site="${entry}"]`);
    }
    await page.focus('[data-testid="paused-sites"] li[data-site="a.example"] button');
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="paused-sites"] li[data-site="a.example"]') === null,
    );
    await expect.poll(() => focused(page)).toMatch(/b\.example$/);
    await page.keyboard.press('Enter');
    await expect.poll(() => focused(page)).toBe('paused-sites-input');
    expect(await storageValue(page, 'pausedSites')).toEqual([]);

    await page.close();
    page = await openPage(eb, 'popup', '[data-testid="pause-all"]');
    await page.focus('[data-testid="pause-all"]');
    await page.keyboard.press(' ');
    await expect.poll(() => storageValue(page, 'pausedAll')).toBe(true);
    expect(await focused(page)).toBe('pause-all');
    await page.waitForSelector('[data-testid="pause-all"]:not([aria-disabled])');
    await page.keyboard.press(' ');
    await expect.poll(() => storageValue(page, 'pausedAll')).toBe(false);
    expect(await focused(page)).toBe('pause-all');
    await page.close();
  }, 60_000);

  it('the limit-reached page and the options page with a limit pass axe-core in both themes', async () => {
    await setStorageValues(page, {
      limits: [{ target: '127.0.0.1', limitMs: 60_000, holdMeToIt: true }],
    });
    const held = `limit-reached.html?target=127.0.0.1&url=${encodeURIComponent(`${site.url()}/x`)}`;
    for (const theme of ['light', 'dark']) {
      await setStorageValues(page, { theme });
      for (const [path, ready] of [
        [held, '[data-testid="limit-reached-text"]'],
        ['options.html#settings', '[data-testid="limit-row"]'],
        ['popup.html', '[data-testid="today-total"]'],
      ] as const) {
        await openExtensionPage(page, `${eb.extensionUrl}${path}`);
        await page.waitForSelector(ready);
        await page.waitForFunction(
          (want: string) => document.documentElement.dataset.theme === want,
          {},
          theme,
        );
        expect({ theme, path, violations: await axeViolations(page) }).toEqual({
          theme,
          path,
          violations: [],
        });
      }
    }
    await setStorageValues(page, { theme: 'system', limits: [] });
  }, 90_000);
});
