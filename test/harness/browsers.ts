/**
 * Real browsers with the extension installed (DESIGN.md "Testing on these
 * machines"): Debian's Chromium and Firefox ESR driven by puppeteer-core.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { extensionTabsAt, openExtensionPageReady, removeExtensionTabs } from './extension-pages.js';

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

/** What the end-to-end suite adds to a plain launch. */
export interface LaunchOptions {
  /** Host names that resolve to this machine (the test sites). */
  loopbackHosts?: readonly string[];
  /**
   * The test server's self-signed certificate. Chromium trusts exactly that key
   * (base64 SHA-256 of its SPKI); Firefox has no such switch and accepts any
   * certificate for the session (WebDriver's acceptInsecureCerts).
   */
  trustSpkiSha256?: string;
  /** Chromium: the browser's language (--lang), which picks the extension's _locales messages. */
  lang?: string;
  /** Firefox: suspend the idle event page after this long (default 30 s). */
  backgroundIdleTimeoutMs?: number;
  /**
   * Firefox: the person answers yes to the extension's permission prompts (the prompt is
   * browser chrome, out of WebDriver BiDi's reach, so it is switched off: requests are granted).
   */
  acceptPermissionPrompts?: boolean;
}

export async function launchChromiumWithExtension(
  buildDir: string,
  opts: LaunchOptions = {},
): Promise<ExtensionBrowser> {
  const extra: string[] = [];
  if (opts.loopbackHosts !== undefined) {
    extra.push(
      `--host-resolver-rules=${opts.loopbackHosts.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`,
    );
  }
  if (opts.trustSpkiSha256 !== undefined) {
    extra.push(`--ignore-certificate-errors-spki-list=${opts.trustSpkiSha256}`);
  }
  if (opts.lang !== undefined) extra.push(`--lang=${opts.lang}`);
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
      ...extra,
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

export async function launchFirefoxWithExtension(
  buildDir: string,
  opts: LaunchOptions = {},
): Promise<ExtensionBrowser> {
  const prefs: Record<string, unknown> = {
    'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_EXTENSION_UUID }),
  };
  if (opts.loopbackHosts !== undefined) {
    prefs['network.dns.localDomains'] = opts.loopbackHosts.join(',');
    // The test sites are plain http: no https-first detour before each page.
    prefs['dom.security.https_first'] = false;
  }
  if (opts.acceptPermissionPrompts === true) {
    prefs['extensions.webextOptionalPermissionPrompts'] = false;
  }
  if (opts.backgroundIdleTimeoutMs !== undefined) {
    prefs['extensions.background.idle.timeout'] = opts.backgroundIdleTimeoutMs;
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    acceptInsecureCerts: opts.trustSpkiSha256 !== undefined,
    extraPrefsFirefox: prefs,
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
 *
 * Chromium reports the tab and its address to puppeteer. Firefox's WebDriver BiDi does not
 * report extension pages' addresses and does not always report a tab the extension opens, so
 * there the extension's own tabs API finds and closes it, from a page on its origin the test
 * opens (and closes) for that.
 */
export async function closeInstallWelcomeTab(
  eb: ExtensionBrowser,
  timeoutMs = 10_000,
): Promise<void> {
  if (!eb.extensionUrl.startsWith('moz-extension://')) {
    const target = await eb.browser
      .waitForTarget((t) => t.url().endsWith('/welcome.html'), { timeout: timeoutMs })
      .catch(() => null);
    const tab = await target?.page();
    await tab?.close();
    return;
  }
  const page = await eb.browser.newPage({ background: true });
  try {
    await openExtensionPageReady(page, `${eb.extensionUrl}manifest.json`);
    const welcome = `${eb.extensionUrl}welcome.html`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tabs = await extensionTabsAt(page, welcome);
      if (tabs.length > 0) {
        await removeExtensionTabs(
          page,
          tabs.map((t) => t.id),
        );
        return;
      }
      if (Date.now() >= deadline) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await page.close();
  }
}
