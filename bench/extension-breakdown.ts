/**
 * Where a finished visit's IndexedDB time goes (BENCH_EXT_BREAKDOWN=1, after the rounds): raw
 * transactions shaped like parts of the visit's, with rows of the seeded history's sizes, each
 * timed in turn with the bare one, the variants in round robin (bench/extension-page-entry.ts). Rows go under keys of their
 * own and are deleted after; the visits added stay (without rollups: the bench reads no
 * figures after it).
 */
import { v7 as uuidv7 } from 'uuid';
import type { VisitEvent } from '#protocol';
import { localDayOf, recordFinishedVisits, type TracksphereDb } from '../extension/db/index.js';

export type Breakdown = Record<
  string,
  {
    ms: number;
    bareMs: number;
    /** Mean over mean. */
    ratio: number;
    /**
     * The median of each run's time over the bare transaction timed right after it: a burst of
     * the shared machine's load that lands on a few pairs moves it less than the means.
     */
    medianRatio: number;
  }
>;

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
  const statePut = (tx: IDBTransaction): void => {
    tx.objectStore('trackerState').put({ ...state, key: KEY });
  };
  // The recorder's transaction with every row cached (record-visits.ts), in parts: `leave`
  // names the parts left out, so each variant below is the whole less one part.
  type Part = 'state' | 'windows' | 'reads' | 'puts' | 'daily';
  const shape =
    (...leave: Part[]) =>
    (tx: IDBTransaction): void => {
      const stores = ROLLUPS.filter((s) => !(leave.includes('daily') && s === 'dailyRollups'));
      if (!leave.includes('state')) statePut(tx);
      if (!leave.includes('windows')) tx.objectStore('tailWindows').getAll();
      if (!leave.includes('reads')) {
        for (const store of stores) tx.objectStore(store).get(rows[store]?.key as IDBValidKey);
      }
      add(tx);
      if (!leave.includes('puts')) {
        for (const store of stores) tx.objectStore(store).put(rows[store]?.row);
      }
    };
  const all = ['visits', ...ROLLUPS, 'trackerState'];
  const scope = [...all, 'tailWindows'];
  const variants: Record<string, () => Promise<void>> = {
    'the tracker state put alone': () => transaction(idb, ['trackerState'], statePut),
    'the visit added alone': () => transaction(idb, ['visits'], add),
    "the recorder's shape, every row cached: state put, windows read, three reads, add, three puts":
      () => transaction(idb, scope, shape()),
    "... in the scope of the recorder's ten stores": () =>
      transaction(idb, [...scope, 'tailRollups', 'tailPages', 'monthRollups', 'daySums'], shape()),
    '... without the state put': () => transaction(idb, scope, shape('state')),
    "... without the windows' read": () => transaction(idb, scope, shape('windows')),
    '... without the three reads': () => transaction(idb, scope, shape('reads')),
    '... without the three reads and the windows read': () =>
      transaction(idb, scope, shape('reads', 'windows')),
    '... without the three puts': () => transaction(idb, scope, shape('puts')),
    '... without the daily row (read and put)': () => transaction(idb, scope, shape('daily')),
    // Shapes with fewer requests than the recorder makes (not what it does): what keeping
    // today's rollups out of the visit's transaction, or one rollup row per visit, would leave.
    'fewer requests: the state put and the add alone': () =>
      transaction(idb, ['visits', 'trackerState'], (tx) => {
        statePut(tx);
        add(tx);
      }),
    'fewer requests: the state put, the add and one rollup row read and put': () =>
      transaction(idb, ['visits', 'pageRollups', 'trackerState'], (tx) => {
        statePut(tx);
        tx.objectStore('pageRollups').get(rows.pageRollups?.key as IDBValidKey);
        add(tx);
        tx.objectStore('pageRollups').put(rows.pageRollups?.row);
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
  variants['recordFinishedVisits: one visit (its rows cached), with the state'] = () =>
    recordFinishedVisits(db, [{ ...(event as VisitEvent), id: uuidv7() }], {
      syncEnabled: false,
      dayOf: localDayOf,
      trackerState: { ...(state as NonNullable<typeof state>), key: KEY },
    });
  const runs = Object.entries(variants);
  const sums = runs.map(() => ({ ms: 0, bareMs: 0, ratios: [] as number[] }));
  for (const [, run] of runs) await run();
  // Round robin, each variant in turn with a bare transaction: the machine's load at any moment
  // weighs on every variant alike (timed one after another, they differed by more than their
  // parts under the shared machine's load).
  for (let i = 1; i <= n; i++) {
    for (const [k, [, run]] of runs.entries()) {
      const sum = sums[k] as { ms: number; bareMs: number; ratios: number[] };
      const t0 = performance.now();
      await run();
      const t1 = performance.now();
      await bare(i);
      const t2 = performance.now();
      sum.ms += t1 - t0;
      sum.bareMs += t2 - t1;
      sum.ratios.push((t1 - t0) / Math.max(t2 - t1, 0.001));
    }
  }
  const out: Breakdown = {};
  for (const [k, [name]] of runs.entries()) {
    const { ms, bareMs, ratios } = sums[k] as { ms: number; bareMs: number; ratios: number[] };
    const sorted = ratios.sort((a, b) => a - b);
    const medianRatio = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    out[name] = { ms: ms / n, bareMs: bareMs / n, ratio: ms / bareMs, medianRatio };
  }
  await transaction(idb, [...ROLLUPS, 'trackerState'], (tx) => {
    for (const store of ROLLUPS) tx.objectStore(store).delete(rows[store]?.key as IDBValidKey);
    tx.objectStore('trackerState').delete(KEY);
  });
  return out;
}
