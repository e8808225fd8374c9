/**
 * closeInstallWelcomeTab in both browsers: the welcome tab the extension opens on install is
 * gone once it resolves, and it resolves on that condition rather than on its timeout (Firefox's
 * WebDriver BiDi reports neither the tab's address nor, always, the tab itself).
 */
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeInstallWelcomeTab,
  type ExtensionBrowser,
  launchChromiumWithExtension,
  launchFirefoxWithExtension,
} from './browsers.js';
import { waitFor } from './client.js';
import { stableBuildDir } from './extension-builds.js';
import { extensionTabsAt, openExtensionPage } from './extension-pages.js';

const TIMEOUT_MS = 10_000;

describe.each([
  { name: 'Chromium', dir: 'chrome-mv3', launch: launchChromiumWithExtension },
  { name: 'Firefox ESR', dir: 'firefox-mv3', launch: launchFirefoxWithExtension },
])('closeInstallWelcomeTab in $name', ({ dir, launch }) => {
  let eb: ExtensionBrowser;
  let ext: Page;

  beforeAll(async () => {
    eb = await launch(await stableBuildDir(dir));
    ext = await eb.browser.newPage();
    await openExtensionPage(ext, `${eb.extensionUrl}manifest.json`);
  }, 60_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('closes the welcome tab the install opened, without waiting out its timeout', async () => {
    const welcome = `${eb.extensionUrl}welcome.html`;
    await waitFor(
      async () => (await extensionTabsAt(ext, welcome)).length === 1,
      'the welcome tab the install opens',
      15_000,
    );
    const start = Date.now();
    await closeInstallWelcomeTab(eb, TIMEOUT_MS);
    const took = Date.now() - start;
    expect(await extensionTabsAt(ext, welcome)).toEqual([]);
    expect(took).toBeLessThan(TIMEOUT_MS);
  }, 40_000);
});
