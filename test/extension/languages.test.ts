/**
 * The four languages in a real browser: Chromium started in German, French and Spanish
 * (--lang) shows the manifest's description, the pages' titles and headings from that
 * language's _locales, marks the page with its language, and writes durations through
 * Intl (Intl.DurationFormat in this Chromium) in it.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExtensionBrowser, launchChromiumWithExtension } from '../harness/browsers.js';
import { openExtensionPage } from '../harness/extension-pages.js';
import { launchExtension } from './extension-test-kit.js';

const LOCALES = resolve(dirname(fileURLToPath(import.meta.url)), '../../extension/public/_locales');
const MIN = 60_000;

function messages(lang: string): Record<string, { message: string }> {
  return JSON.parse(readFileSync(join(LOCALES, lang, 'messages.json'), 'utf8'));
}

/** Seventy minutes on one site today, and consent: the popup has a total to write. */
function seedToday(page: Page): Promise<void> {
  return page.evaluate(async (activeMs: number) => {
    const now = Date.now();
    const day = new Date(now - new Date(now).getTimezoneOffset() * 60_000)
      .toISOString()
      .slice(0, 10);
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const open = indexedDB.open('tracksphere');
      open.onsuccess = () => res(open.result);
      open.onerror = () => rej(new Error(String(open.error)));
    });
    const tx = db.transaction(['dailyRollups'], 'readwrite');
    tx.objectStore('dailyRollups').put({ day, domain: 'docs.example', activeMs, visits: 1 });
    await new Promise<void>((res, rej) => {
      tx.oncomplete = () => res();
      tx.onerror = () => rej(new Error(String(tx.error)));
    });
    db.close();
    type Api = { storage: { local: { set(items: Record<string, unknown>): Promise<void> } } };
    const g = globalThis as unknown as { chrome: Api };
    await g.chrome.storage.local.set({ consent: true });
  }, 70 * MIN);
}

const CASES = [
  { lang: 'de', heading: 'Tracksphere: Verlauf und Einstellungen', total: '1 Std., 10 Min.' },
  { lang: 'fr', heading: 'Tracksphere\u00a0: historique et paramètres', total: '1 h et 10 min' },
  { lang: 'es', heading: 'Tracksphere: historial y configuración', total: '1 h y 10 min' },
];

/** What the page's i18n answers, for the report of a launch whose pages show their keys. */
function i18nState(page: Page): Promise<string> {
  return page.evaluate(() => {
    const g = globalThis as unknown as {
      chrome: {
        i18n: { getMessage(k: string): string };
        runtime: { getManifest(): { name: string } };
      };
    };
    const ask = (k: string) => JSON.stringify(g.chrome.i18n.getMessage(k));
    return `h1 ${JSON.stringify(document.querySelector('h1')?.textContent)}, getMessage: extName ${ask('extName')}, @@extension_id ${ask('@@extension_id')}, @@ui_locale ${ask('@@ui_locale')}; manifest name ${JSON.stringify(g.chrome.runtime.getManifest().name)}`;
  });
}

describe.each(CASES)('Chromium in $lang', ({ lang, heading, total }) => {
  let eb: ExtensionBrowser;
  let page: Page;
  const text = messages(lang);

  async function launch(): Promise<void> {
    ({ eb, page } = await launchExtension('chrome-mv3', (dir) =>
      launchChromiumWithExtension(dir, { lang }),
    ));
    // Headless Chromium takes its messages from --lang but reports en-US from
    // i18n.getUILanguage(); a browser with a window reports the language it shows.
    await page.evaluateOnNewDocument((l: string) => {
      const g = globalThis as unknown as { chrome?: { i18n?: { getUILanguage(): string } } };
      if (g.chrome?.i18n !== undefined) g.chrome.i18n.getUILanguage = () => l;
    }, lang);
  }

  beforeAll(launch, 60_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('shows the options page, its title and the manifest in the language', async () => {
    await openExtensionPage(page, `${eb.extensionUrl}options.html`);
    await page.waitForSelector('h1');
    // Two clean-clone CI runs on 2026-12-06 met a launch whose extension pages all showed their
    // keys: getMessage answered '' for every message there, through 10 s of reloads, while the
    // other languages' launches in the same run were right. A renderer keeps the first message
    // bundle it is given for an extension for its whole life, so a reload in the same browser
    // cannot cure it. Such a launch is reported and replaced by a new browser, twice at most;
    // the last launch must show the language, so a missing or wrong translation still fails.
    for (let relaunch = 1; relaunch <= 2; relaunch++) {
      if ((await page.$eval('h1', (h) => h.textContent)) !== 'optionsTitle') break;
      console.warn(`Chromium in ${lang}, launch ${relaunch}: ${await i18nState(page)}`);
      await eb.close();
      await launch();
      await openExtensionPage(page, `${eb.extensionUrl}options.html`);
      await page.waitForSelector('h1');
    }
    expect(await page.$eval('h1', (h) => h.textContent), await i18nState(page)).toBe(heading);
    expect(heading).toBe(text.optionsTitle?.message);
    expect(await page.title()).toBe(heading);
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang);
    const manifest = await page.evaluate(() => {
      const g = globalThis as unknown as {
        chrome: { runtime: { getManifest(): { name: string; description: string } } };
      };
      return g.chrome.runtime.getManifest();
    });
    expect(manifest.name).toBe(text.extName?.message);
    expect(manifest.description).toBe(text.extDescription?.message);
  }, 90_000);

  it("writes today's total in the popup through Intl in the language", async () => {
    await seedToday(page);
    await openExtensionPage(page, `${eb.extensionUrl}popup.html`);
    await page.waitForSelector('[data-testid="today-total"]');
    const shown = await page.$eval('[data-testid="today-total"]', (el) => el.textContent ?? '');
    expect(shown.replace(/[\u00a0\u202f]/g, ' ')).toBe(total);
    const viaIntl = await page.evaluate(
      (l: string) =>
        typeof (Intl as unknown as { DurationFormat?: unknown }).DurationFormat === 'function'
          ? new (
              Intl as unknown as {
                DurationFormat: new (l: string, o: object) => { format(d: object): string };
              }
            ).DurationFormat(l, { style: 'short' }).format({ hours: 1, minutes: 10 })
          : null,
      lang,
    );
    expect(viaIntl).toBe(shown);
  });
});
