/**
 * Reading the installed extension's state from one of its own pages (same origin as the
 * background): its IndexedDB, its storage.local, and whether its background is running.
 * Nothing here goes through the extension's code, so what a test reads is what is stored.
 */
import type { Page } from 'puppeteer-core';
import type { StoredVisit } from '../../extension/db/schema.js';

export type { StoredVisit };

type StorageArea = {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
};
interface ExtensionGlobals {
  storage: { local: StorageArea };
  runtime: { getContexts(filter: { contextTypes: string[] }): Promise<unknown[]> };
}

/** Every row of one of the extension's stores, read with plain IndexedDB (no Dexie, no extension code). */
function readStore(page: Page, store: string): Promise<unknown[]> {
  return page.evaluate(async (name: string) => {
    // Opening a database that does not exist would create an empty one: look first.
    const dbs = await indexedDB.databases();
    if (!dbs.some((d) => d.name === 'tracksphere')) return [];
    return new Promise<unknown[]>((resolve, reject) => {
      const open = indexedDB.open('tracksphere');
      open.onerror = () => reject(new Error(String(open.error)));
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains(name)) {
          db.close();
          resolve([]);
          return;
        }
        const all = db.transaction(name).objectStore(name).getAll();
        all.onerror = () => reject(new Error(String(all.error)));
        all.onsuccess = () => {
          db.close();
          resolve(all.result);
        };
      };
    });
  }, store);
}

/** The extension's `visits` store. */
export async function readVisits(page: Page): Promise<StoredVisit[]> {
  return (await readStore(page, 'visits')) as StoredVisit[];
}

/** The range windows and the month sums' last day (`tailWindows`: span, from, through). */
export async function readRangeWindows(
  page: Page,
): Promise<Array<{ span: number; from: string; through: string }>> {
  return (await readStore(page, 'tailWindows')) as Array<{
    span: number;
    from: string;
    through: string;
  }>;
}

/** The background tracker's saved state (its row in `trackerState`), or undefined. */
export async function savedTrackerState(page: Page): Promise<unknown> {
  const rows = (await readStore(page, 'trackerState')) as Array<{ key: string; state: unknown }>;
  return rows.find((row) => row.key === 'tracker')?.state;
}

/** storage.local[key] as the extension stored it. */
export function storageValue(page: Page, key: string): Promise<unknown> {
  return page.evaluate(async (k: string) => {
    const g = globalThis as unknown as { browser?: ExtensionGlobals; chrome?: ExtensionGlobals };
    const api = g.browser ?? g.chrome;
    if (api === undefined) throw new Error('no extension API on this page');
    return (await api.storage.local.get(k))[k];
  }, key);
}

export function setStorageValues(page: Page, items: Record<string, unknown>): Promise<void> {
  return page.evaluate(async (values: Record<string, unknown>) => {
    const g = globalThis as unknown as { browser?: ExtensionGlobals; chrome?: ExtensionGlobals };
    const api = g.browser ?? g.chrome;
    if (api === undefined) throw new Error('no extension API on this page');
    await api.storage.local.set(values);
  }, items);
}

/** Whether the background (service worker or event page) is running; asking does not wake it. */
export function backgroundRunning(page: Page): Promise<boolean> {
  return page.evaluate(async () => {
    const g = globalThis as unknown as { browser?: ExtensionGlobals; chrome?: ExtensionGlobals };
    const api = g.browser ?? g.chrome;
    if (api === undefined) throw new Error('no extension API on this page');
    return (await api.runtime.getContexts({ contextTypes: ['BACKGROUND'] })).length > 0;
  });
}

/**
 * Opens an extension page. Firefox loads moz-extension:// pages but never reports the
 * navigation to puppeteer as done, so the goto's timeout is short and ignored; callers wait
 * for the element they need instead.
 */
export async function openExtensionPage(page: Page, url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 5_000 }).catch(() => undefined);
}

/** One row of the popup's or options page's site list, from its data attributes. */
export interface SiteRow {
  domain: string;
  activeMs: number;
  visits: number;
}

export function siteRows(page: Page): Promise<SiteRow[]> {
  return page.$$eval('[data-testid="site-row"]', (rows) =>
    rows.map((r) => ({
      domain: r.getAttribute('data-domain') ?? '',
      activeMs: Number(r.getAttribute('data-active-ms')),
      visits: Number(r.getAttribute('data-visits')),
    })),
  );
}

/**
 * Forgets the range windows (schema version 7: tailWindows, tailRollups), which sum the daily
 * rollups: after a test writes rollups with plain IndexedDB, the next range read builds them
 * from what it wrote instead of adding to sums of rows it never saw.
 */
export function clearRangeWindows(page: Page): Promise<void> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const open = indexedDB.open('tracksphere');
      open.onsuccess = () => res(open.result);
      open.onerror = () => rej(new Error(String(open.error)));
    });
    const sums = ['tailWindows', 'tailRollups'].filter((n) => db.objectStoreNames.contains(n));
    if (sums.length > 0) {
      const clear = db.transaction(sums, 'readwrite');
      for (const n of sums) clear.objectStore(n).clear();
      await new Promise<void>((res, rej) => {
        clear.oncomplete = () => res();
        clear.onerror = () => rej(new Error(String(clear.error)));
      });
    }
    db.close();
  });
}
