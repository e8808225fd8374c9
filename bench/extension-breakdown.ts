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
/** The rollups a visit's transaction writes (recorded-rollups.ts), as the seed left them. */
const ROLLUPS = ['dailyRollups', 'heatRollups', 'pageRollups', 'monthRollups', 'daySums'];
const TAIL = ['tailWindows', 'tailRollups', 'tailPages'];

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
  const visit = await db.visits.orderBy('startedMs').last();
  const state = await db.trackerState.get('bench');
  if (visit === undefined || state === undefined) throw new Error('nothing seeded');
  const domain = visit.domain;
  const [daily, heat, page, month, daySum] = await Promise.all([
    db.dailyRollups.get([today, domain]),
    db.heatRollups.get(today),
    db.pageRollups.get([domain, today]),
    db.monthRollups.get([today.slice(0, 7), domain]),
    db.daySums.get(today),
  ]);
  if ([daily, heat, page, month, daySum].includes(undefined)) throw new Error('no rows today');
  const rows: Record<string, { row: object; key: IDBValidKey }> = {
    dailyRollups: { row: { ...daily, day: KEY }, key: [KEY, domain] },
    heatRollups: { row: { ...heat, day: KEY }, key: KEY },
    pageRollups: { row: { ...page, day: KEY }, key: [domain, KEY] },
    monthRollups: { row: { ...month, month: KEY }, key: [KEY, domain] },
    daySums: { row: { ...daySum, day: KEY }, key: KEY },
  };
  const gets = (tx: IDBTransaction): void => {
    for (const store of ROLLUPS) tx.objectStore(store).get(rows[store]?.key as IDBValidKey);
  };
  const puts = (tx: IDBTransaction): void => {
    for (const store of ROLLUPS) tx.objectStore(store).put(structuredClone(rows[store]?.row));
  };
  const putState = (tx: IDBTransaction): void => {
    tx.objectStore('trackerState').put({ ...state, key: KEY });
  };
  const add = (tx: IDBTransaction): IDBRequest =>
    tx.objectStore('visits').add({ ...visit, id: uuidv7() });
  const all = ['visits', ...ROLLUPS, ...TAIL, 'trackerState'];
  const variants: Record<string, () => Promise<void>> = {
    'the tracker state put alone': () => transaction(idb, ['trackerState'], putState),
    'the visit added alone': () => transaction(idb, ['visits'], add),
    'the visit added, scope of the visit transaction': () => transaction(idb, all, add),
    'add, 5 rollup puts': () =>
      transaction(idb, all, (tx) => {
        add(tx);
        puts(tx);
      }),
    'add, 5 rollup puts, windows read': () =>
      transaction(idb, all, (tx) => {
        tx.objectStore('tailWindows').getAll();
        add(tx);
        puts(tx);
      }),
    'add, 5 puts, windows read, 1 get (a token)': () =>
      transaction(idb, all, (tx) => {
        tx.objectStore('tailWindows').getAll();
        tx.objectStore('daySums').get(KEY);
        add(tx);
        puts(tx);
      }),
    'one round as recorded: windows, 5 gets, add, 5 puts': () =>
      transaction(idb, all, (tx) => {
        tx.objectStore('tailWindows').getAll();
        gets(tx);
        add(tx);
        puts(tx);
      }),
    'the same and the state put': () =>
      transaction(idb, all, (tx) => {
        tx.objectStore('tailWindows').getAll();
        gets(tx);
        add(tx);
        puts(tx);
        putState(tx);
      }),
    'the same, 3 puts (daily, page, heat)': () =>
      transaction(idb, all, (tx) => {
        tx.objectStore('tailWindows').getAll();
        gets(tx);
        add(tx);
        for (const store of ROLLUPS.slice(0, 3))
          tx.objectStore(store).put(structuredClone(rows[store]?.row));
      }),
  };
  const { startedMs: _, syncState: __, ...event } = visit;
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
  // The step's copy of the state, alone.
  let cloneMs = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    structuredClone(state.state);
    cloneMs += performance.now() - t0;
  }
  out['structuredClone of the tracker state'] = { ms: cloneMs / n, bareMs: 0, ratio: 0 };
  await transaction(idb, [...ROLLUPS, 'trackerState'], (tx) => {
    for (const store of ROLLUPS) tx.objectStore(store).delete(rows[store]?.key as IDBValidKey);
    tx.objectStore('trackerState').delete(KEY);
  });
  return out;
}
