/**
 * The split-build probe's page (bench/split-build-probe.ts bundles it, its ../extension/ imports
 * taken from the tree it is given): the extension's own recordFinishedVisits, rangeRollups and
 * loadDaySplit on a year of daily rollups, timing a visit on today alone and one started into the
 * chart split's first build; `raw` times a read-write put created behind a read-only or
 * read-write read.
 */
import { addDays, localDayOf } from '../extension/db/day.js';
import { splitListKey } from '../extension/db/host-lists.js';
import { rangeRollups } from '../extension/db/range-rollups.js';
import { recordFinishedVisits } from '../extension/db/record-visits.js';
import { openTracksphereDb } from '../extension/db/schema.js';
import { loadDaySplit } from '../extension/stats/day-split.js';

const today = localDayOf(Date.now());
const db = openTracksphereDb('probe');
const opts = { syncEnabled: false, dayOf: localDayOf };
let seq = 0;
const visit = (day: string) => {
  seq += 1;
  const at = day === today ? Date.now() - 60_000 : Date.parse(`${day}T10:00:00Z`) + seq;
  return {
    id: crypto.randomUUID(),
    type: 'visit' as const,
    url: `https://probe${seq % 7}.example/`,
    domain: `probe${seq % 7}.example`,
    title: 'p',
    startedAt: new Date(at).toISOString(),
    endedAt: new Date(at + 30_000).toISOString(),
    activeMs: 20_000,
    sessionId: '0190a6f2-0000-7000-8000-000000000001',
    transition: 'link' as const,
  };
};
const year = { from: addDays(today, -364), to: today };
const month = { from: addDays(today, -29), to: today };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function seed(hostsPerDay: number) {
  const rows = [];
  for (let d = 0; d < 365; d++) {
    const day = addDays(today, -d);
    for (let h = 0; h < hostsPerDay; h++) {
      const host = (h * 7 + d * 13) % 2900;
      rows.push({
        day,
        domain: `host${host}.example`,
        activeMs: 1000 + h * 3 + d,
        visits: 1 + (h % 3),
      });
    }
  }
  await db.dailyRollups.bulkPut(rows);
  await rangeRollups(db, month);
  await rangeRollups(db, year);
  await loadDaySplit(db, year, [], today);
  await loadDaySplit(db, month, [], today);
  await recordFinishedVisits(db, [visit(today)], opts);
  return db.dailyRollups.count();
}

async function drop(span: number) {
  await db.transaction('rw', [db.tailWindows, db.hostLists], () =>
    Promise.all([
      db.tailWindows.delete(splitListKey(span)),
      db.hostLists.delete(splitListKey(span)),
    ]),
  );
}

/** A today visit alone, then one started `offset` ms into a first build of `span`'s split. */
async function round(span: 30 | 365, offset: number) {
  await drop(span);
  await recordFinishedVisits(db, [visit(today)], opts);
  const a0 = performance.now();
  await recordFinishedVisits(db, [visit(today)], opts);
  const alone = performance.now() - a0;
  const range = span === 30 ? month : year;
  const t0 = performance.now();
  let visitAt = 0;
  const built = loadDaySplit(db, range, [], today).then(() => performance.now() - t0);
  await sleep(offset);
  const v0 = performance.now();
  await recordFinishedVisits(db, [visit(today)], opts);
  const during = performance.now() - v0;
  visitAt = v0 - t0;
  const buildMs = await built;
  const kept = (await db.tailWindows.get(splitListKey(span))) !== undefined;
  // Warm read (the kept split).
  const w0 = performance.now();
  await loadDaySplit(db, range, [], today);
  const warm = performance.now() - w0;
  return { span, offset, visitAt, alone, during, buildMs, kept, warm };
}

/**
 * Raw IndexedDB: a read of `rows` daily rollups (getAll with a count) in a `mode` transaction,
 * `commit` asked at once or not; a read-write put into dailyRollups created 1 ms later: how
 * long the put's transaction takes to complete, and the read's.
 */
async function raw(mode: IDBTransactionMode, rows: number, commit: boolean) {
  const idb = db.backendDB();
  const t0 = performance.now();
  const readDone = new Promise<number>((resolve) => {
    const tx = idb.transaction('dailyRollups', mode);
    const req = tx.objectStore('dailyRollups').getAll(null, rows);
    if (commit) tx.commit();
    req.onsuccess = () => void req.result.length;
    tx.oncomplete = () => resolve(performance.now() - t0);
  });
  await sleep(1);
  const w0 = performance.now();
  const writeDone = await new Promise<number>((resolve) => {
    const tx = idb.transaction(['dailyRollups', 'tailWindows'], 'readwrite');
    tx.objectStore('dailyRollups').put({ day: '1999-01-01', domain: 'x', activeMs: 1, visits: 1 });
    tx.commit();
    tx.oncomplete = () => resolve(performance.now() - w0);
  });
  const read = await readDone;
  await new Promise((r) => {
    const tx = idb.transaction('dailyRollups', 'readwrite');
    tx.objectStore('dailyRollups').delete(['1999-01-01', 'x']);
    tx.oncomplete = r;
  });
  return { mode, rows, commit, read, write: writeDone };
}
(globalThis as unknown as { probe: object }).probe = { seed, round, raw };
