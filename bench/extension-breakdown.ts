/**
 * Where a finished visit's IndexedDB time goes (BENCH_EXT_BREAKDOWN=1, after the rounds): raw
 * transactions shaped like parts of the visit's, with rows of the seeded history's sizes, each
 * timed in turn with the bare one (bench/extension-page-entry.ts). Rows go under keys of their
 * own and are deleted after; the visits added stay (without rollups: the bench reads no
 * figures after it).
 */
import { v7 as uuidv7 } from 'uuid';
import type { VisitEvent } from '#protocol';
import { localDayOf, recordFinishedVisits, type TracksphereDb } from '../extension/db/index.js';

export type Breakdown = Record<string, { ms: number; bareMs: number; ratio: number }>;

const KEY = 'bench-breakdown';
const ROLLUPS = ['dailyRollups', 'heatRollups', 'pageRollups'];

function transaction(
  idb: IDBDatabase,
  scope: string[],
  body: (tx: IDBTransaction) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const tx = idb.transaction(scope, 'readwrite', { durability: 'relaxed' });
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error);
    body(tx);
  });
}

export async function breakdown(
  db: TracksphereDb,
  bare: (i: number) => Promise<void>,
  n: number,
): Promise<Breakdown> {
  if (!db.isOpen()) await db.open();
  const idb = db.backendDB();
  const today = localDayOf(Date.now());
  const heat = await db.heatRollups.get(today);
  const page = await db.pageRollups.toCollection().last();
  const daily = await db.dailyRollups.toCollection().last();
  const state = await db.trackerState.get('bench');
  const visit = await db.visits.orderBy('startedMs').last();
  if ([heat, page, daily, state, visit].includes(undefined)) throw new Error('nothing seeded');
  const rows: Record<string, { row: object; key: IDBValidKey }> = {
    dailyRollups: { row: { ...daily, day: KEY }, key: [KEY, String(daily?.domain)] },
    heatRollups: { row: { ...heat, day: KEY }, key: KEY },
    pageRollups: { row: { ...page, day: KEY }, key: [String(page?.domain), KEY] },
  };
  const puts = (tx: IDBTransaction): void => {
    for (const store of ROLLUPS) tx.objectStore(store).put(rows[store]?.row);
    tx.objectStore('trackerState').put({ ...state, key: KEY });
  };
  const add = (tx: IDBTransaction): IDBRequest =>
    tx.objectStore('visits').add({ ...visit, id: uuidv7() });
  const all = ['visits', ...ROLLUPS, 'trackerState'];
  const variants: Record<string, () => Promise<void>> = {
    'the tracker state put alone': () =>
      transaction(idb, ['trackerState'], (tx) =>
        tx.objectStore('trackerState').put({ ...state, key: KEY }),
      ),
    'the visit added alone': () => transaction(idb, ['visits'], add),
    'one round: reads, add, rollups and state put at once (every row cached)': () =>
      transaction(idb, all, (tx) => {
        for (const store of ROLLUPS) tx.objectStore(store).get(rows[store]?.key as IDBValidKey);
        add(tx);
        puts(tx);
      }),
    'two rounds: reads and add, then the puts (rows not cached)': () =>
      transaction(idb, all, (tx) => {
        let waiting = ROLLUPS.length + 1;
        const answered = (): void => {
          waiting -= 1;
          if (waiting === 0) puts(tx);
        };
        for (const store of ROLLUPS) {
          tx.objectStore(store).get(rows[store]?.key as IDBValidKey).onsuccess = answered;
        }
        add(tx).onsuccess = answered;
      }),
  };
  const { startedMs: _, syncState: __, ...event } = visit as NonNullable<typeof visit>;
  variants['recordFinishedVisits: one visit (its rows cached), no state'] = () =>
    recordFinishedVisits(db, [{ ...(event as VisitEvent), id: uuidv7() }], {
      syncEnabled: false,
      dayOf: localDayOf,
    });
  const out: Breakdown = {};
  for (const [name, run] of Object.entries(variants)) {
    await run();
    let ms = 0;
    let bareMs = 0;
    for (let i = 1; i <= n; i++) {
      const t0 = performance.now();
      await run();
      const t1 = performance.now();
      await bare(i);
      ms += t1 - t0;
      bareMs += performance.now() - t1;
    }
    out[name] = { ms: ms / n, bareMs: bareMs / n, ratio: ms / bareMs };
  }
  await transaction(idb, [...ROLLUPS, 'trackerState'], (tx) => {
    for (const store of ROLLUPS) tx.objectStore(store).delete(rows[store]?.key as IDBValidKey);
    tx.objectStore('trackerState').delete(KEY);
  });
  return out;
}
