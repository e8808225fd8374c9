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

/**
 * Opens an extension page and resolves once it is there with the extension's API, rather than
 * on the navigation Firefox never reports as done (openExtensionPage then waits out its 5 s).
 */
export async function openExtensionPageReady(
  page: Page,
  url: string,
  timeoutMs = 10_000,
): Promise<void> {
  void openExtensionPage(page, url);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A page mid-navigation may leave an evaluate unanswered: each ask gets a second.
    const state = await Promise.race([
      page
        .evaluate(() => {
          const g = globalThis as unknown as { browser?: object; chrome?: { runtime?: object } };
          const api = g.browser !== undefined || g.chrome?.runtime !== undefined;
          return `${location.href} ${document.readyState} ${api}`;
        })
        .catch(() => ''),
      new Promise<string>((r) => setTimeout(() => r(''), 1_000)),
    ]);
    if (state === `${url} interactive true` || state === `${url} complete true`) return;
    if (Date.now() >= deadline) throw new Error(`${url} did not open (the page said: ${state})`);
    await new Promise((r) => setTimeout(r, 50));
  }
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

/** One of the browser's tabs as the extension's tabs API lists it. */
export interface ExtensionTab {
  id: number;
  url: string;
  active: boolean;
}

/**
 * The browser's tabs at `url`, as the extension's own tabs API lists them (read from one of its
 * pages). Firefox's WebDriver BiDi does not always report a tab the extension opens, nor any
 * extension page's address, nor the closing of such a tab; the extension itself always knows.
 */
export function extensionTabsAt(page: Page, url: string): Promise<ExtensionTab[]> {
  return page.evaluate(async (u: string) => {
    type Tabs = {
      tabs: { query(q: object): Promise<{ id?: number; url?: string; active: boolean }[]> };
    };
    const g = globalThis as unknown as { browser?: Tabs; chrome?: Tabs };
    const api = g.browser ?? g.chrome;
    if (api === undefined) throw new Error('no extension API on this page');
    // All tabs, filtered here: match patterns for the extension's own scheme differ by browser.
    return (await api.tabs.query({}))
      .filter((t) => t.url === u && t.id !== undefined)
      .map((t) => ({ id: t.id as number, url: t.url as string, active: t.active }));
  }, url);
}

/** Closes tabs by the extension's tab ids, through its tabs API. */
export function removeExtensionTabs(page: Page, ids: number[]): Promise<void> {
  return page.evaluate(async (tabIds: number[]) => {
    type Tabs = { tabs: { remove(ids: number[]): Promise<void> } };
    const g = globalThis as unknown as { browser?: Tabs; chrome?: Tabs };
    const api = g.browser ?? g.chrome;
    if (api === undefined) throw new Error('no extension API on this page');
    await api.tabs.remove(tabIds);
  }, ids);
}
