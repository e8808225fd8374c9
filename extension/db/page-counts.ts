/**
 * Each host's count of rows in a window's pages (tail-pages.ts), kept as a row of tailPages beside
 * them (schema version 12) and changed with every row added or deleted.
 */
import type { Table } from 'dexie';

/**
 * The page key of a host's row count in a window (PageCount): no page has it (a page's key
 * starts with its host, NO_ADDRESS is empty). The view's "first 100 of N pages" reads it, where
 * counting the host's rows read every one (~16-19 ms for 6,000 in the bench's Chromium).
 */
export const PAGE_COUNT = '\u0001';

/**
 * How many rows (pages, and the one without an address) a host has in a window, kept in
 * tailPages beside them with every row added or deleted. It has no activeMs, so the
 * [span+domain+activeMs] index leaves it out.
 */
export interface PageCount {
  span: number;
  domain: string;
  page: typeof PAGE_COUNT;
  count: number;
}

export type CountTable = Table<PageCount, [number, string, string]>;

/** The count rows of `rows` (a window's page rows), a row per window and host. */
export function pageCountsOf(rows: Iterable<{ span: number; domain: string }>): PageCount[] {
  const counts = new Map<string, PageCount>();
  for (const r of rows) {
    const key = `${r.span}\u0000${r.domain}`;
    const row = counts.get(key) ?? { span: r.span, domain: r.domain, page: PAGE_COUNT, count: 0 };
    row.count += 1;
    counts.set(key, row);
  }
  return [...counts.values()];
}

/** Schema version 12's upgrade: the count rows of the windows' pages already stored. */
export async function countTailPages(tables: (name: string) => Table): Promise<void> {
  const table = tables('tailPages') as unknown as CountTable;
  const keys = await table.toCollection().primaryKeys();
  const rows = keys.flatMap(([span, domain, page]) =>
    page === PAGE_COUNT ? [] : [{ span, domain }],
  );
  await table.bulkPut(pageCountsOf(rows));
}

/** Adds `deltas` (rows gained, negative: lost, per window and host) to the count rows. */
export async function addCounts(table: CountTable, deltas: readonly PageCount[]): Promise<void> {
  const changed = deltas.filter((d) => d.count !== 0);
  if (changed.length === 0) return;
  const rows = await table.bulkGet(changed.map((d) => [d.span, d.domain, PAGE_COUNT]));
  const put: PageCount[] = [];
  const gone: [number, string, string][] = [];
  changed.forEach((d, i) => {
    const count = (rows[i]?.count ?? 0) + d.count;
    if (count > 0) put.push({ ...d, count });
    else gone.push([d.span, d.domain, PAGE_COUNT]);
  });
  await Promise.all([table.bulkDelete(gone), table.bulkPut(put)]);
}

/**
 * Adds `rows`, new to their windows, to the count rows on the recorder's own IndexedDB
 * transaction (tail-pages.ts's addTailPagesIn): a get and a put per window and host.
 */
export function addCountsIn(
  store: IDBObjectStore,
  rows: Iterable<{ span: number; domain: string }>,
): void {
  for (const c of pageCountsOf(rows)) {
    const key = [c.span, c.domain, PAGE_COUNT];
    const request = store.get(key);
    request.onsuccess = () => {
      const row = request.result as PageCount | undefined;
      store.put({ ...c, count: (row?.count ?? 0) + c.count });
    };
  }
}
