/**
 * Each build loads in its real browser and records: consent given through the
 * extension's storage, two pages visited, visits found in the extension's
 * IndexedDB with active time and the sensitive parameter gone. (The full
 * end-to-end scenarios through the whole stack are issue #5.)
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeInstallWelcomeTab,
  type ExtensionBrowser,
  launchChromiumWithExtension,
  launchFirefoxWithExtension,
} from '../harness/browsers.js';
import { waitFor } from '../harness/client.js';
import { extensionBuildDir } from '../harness/extension-builds.js';
import { readVisits, setStorageValues } from '../harness/extension-pages.js';
import { servePlainPages } from '../harness/page-site.js';

const BROWSERS = [
  { name: 'Chromium, chrome-mv3 build', dir: 'chrome-mv3', launch: launchChromiumWithExtension },
  { name: 'Chromium, edge-mv3 build', dir: 'edge-mv3', launch: launchChromiumWithExtension },
  {
    name: 'Firefox ESR, firefox-mv3 build',
    dir: 'firefox-mv3',
    launch: launchFirefoxWithExtension,
  },
];

const site = servePlainPages();

describe.each(BROWSERS)('$name', ({ dir, launch }) => {
  let eb: ExtensionBrowser;
  let extPage: Page;

  beforeAll(async () => {
    eb = await launch(extensionBuildDir(dir));
    await closeInstallWelcomeTab(eb);
    extPage = await eb.browser.newPage();
    // manifest.json is a page of the extension's origin on every browser.
    await extPage
      .goto(`${eb.extensionUrl}manifest.json`, { waitUntil: 'domcontentloaded' })
      .catch(() => undefined);
  }, 60_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('records nothing before consent, then records visits with active time once consent is given', async () => {
    const before = await eb.browser.newPage();
    await before.goto(`${site.url()}/before-consent`);
    await before.close();
    expect(await readVisits(extPage)).toEqual([]);

    await setStorageValues(extPage, { consent: true });
    const tab = await eb.browser.newPage();
    await tab.bringToFront();
    await tab.goto(`${site.url()}/first?q=cats&token=s3cret`);
    await new Promise((r) => setTimeout(r, 1_000));
    await tab.goto(`${site.url()}/second`);
    // The first visit ends with the second navigation.
    await waitFor(async () => (await readVisits(extPage)).length >= 1, 'the first visit', 15_000);
    await tab.close();
    await waitFor(async () => (await readVisits(extPage)).length >= 2, 'the second visit', 15_000);

    const visits = await readVisits(extPage);
    const urls = visits.map((v) => v.url).sort();
    expect(urls).toEqual([`${site.url()}/first?q=cats`, `${site.url()}/second`]);
    expect(visits.every((v) => v.domain === '127.0.0.1' && v.syncState === 'local')).toBe(true);
    const first = visits.find((v) => v.url?.includes('/first'));
    // Dwell ~1 s in a focused tab of a headless browser.
    expect(first?.activeMs).toBeGreaterThan(200);
    expect(first?.activeMs).toBeLessThan(30_000);
  }, 60_000);
});
