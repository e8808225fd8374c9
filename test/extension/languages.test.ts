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

describe.each(CASES)('Chromium in $lang', ({ lang, heading, total }) => {
  let eb: ExtensionBrowser;
  let page: Page;
  const text = messages(lang);

  beforeAll(async () => {
    ({ eb, page } = await launchExtension('chrome-mv3', (dir) =>
      launchChromiumWithExtension(dir, { lang }),
    ));
    // Headless Chromium takes its messages from --lang but reports en-US from
    // i18n.getUILanguage(); a browser with a window reports the language it shows.
    await page.evaluateOnNewDocument((l: string) => {
      const g = globalThis as unknown as { chrome?: { i18n?: { getUILanguage(): string } } };
      if (g.chrome?.i18n !== undefined) g.chrome.i18n.getUILanguage = () => l;
    }, lang);
  }, 60_000);

  afterAll(async () => {
    await eb?.close();
  });

  it('shows the options page, its title and the manifest in the language', async () => {
    await openExtensionPage(page, `${eb.extensionUrl}options.html`);
    await page.waitForSelector('h1');
    // Chromium under load has answered getMessage with '' on the first extension pages it
    // opened after start (its message bundle not yet handed to the renderer; two CI runs on
    // 2026-12-06, one of them still on an immediate second load): such a page shows its keys.
    // The page is loaded again, half a second apart, for up to 10 s while it shows the key; the
    // last load must show the language, and so must this one whenever it shows anything else.
    const deadline = Date.now() + 10_000;
    while (
      (await page.$eval('h1', (h) => h.textContent)) === 'optionsTitle' &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 500));
      await openExtensionPage(page, `${eb.extensionUrl}options.html`);
      await page.waitForSelector('h1');
    }
    expect(await page.$eval('h1', (h) => h.textContent)).toBe(heading);
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
  });

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
