/**
 * Real browsers with the extension installed (DESIGN.md "Testing on these
 * machines"): Debian's Chromium and Firefox ESR driven by puppeteer-core.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const CHROMIUM = '/usr/bin/chromium';
export const FIREFOX = '/usr/bin/firefox-esr';
export const GECKO_ID = 'tracksphere@tracksphere.dev';
/** Pinned so extension pages have a known moz-extension:// origin. */
export const FIREFOX_EXTENSION_UUID = '7a3c0f4e-5d1b-4c2a-9e8f-1b2c3d4e5f60';

export interface ExtensionBrowser {
  browser: Browser;
  /** The extension's base URL: chrome-extension://<id>/ or moz-extension://<uuid>/. */
  extensionUrl: string;
  close(): Promise<void>;
}

export async function launchChromiumWithExtension(buildDir: string): Promise<ExtensionBrowser> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'tracksphere-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    enableExtensions: true,
    pipe: true,
    userDataDir,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const id = await browser.installExtension(buildDir);
  return {
    browser,
    extensionUrl: `chrome-extension://${id}/`,
    async close(): Promise<void> {
      await browser.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

export async function launchFirefoxWithExtension(buildDir: string): Promise<ExtensionBrowser> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_EXTENSION_UUID }),
    },
    // Lets the test open moz-extension:// pages.
    env: { ...process.env, MOZ_REMOTE_ALLOW_SYSTEM_ACCESS: '1' },
  });
  await browser.installExtension(buildDir);
  return {
    browser,
    extensionUrl: `moz-extension://${FIREFOX_EXTENSION_UUID}/`,
    close: () => browser.close(),
  };
}

/**
 * The extension opens its welcome page on install; that tab would be the
 * active one while a test browses in another. Closes it (if it opens).
 */
export async function closeInstallWelcomeTab(eb: ExtensionBrowser): Promise<void> {
  const target = await eb.browser
    .waitForTarget((t) => t.url().endsWith('/welcome.html'), { timeout: 10_000 })
    .catch(() => null);
  const tab = await target?.page();
  await tab?.close();
}
