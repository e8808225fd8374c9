/**
 * Bundled by bench/extension.ts (esbuild, IIFE) and evaluated in a page of the
 * installed extension, so it runs the extension's own recording code on the
 * extension's own IndexedDB and storage.local, in real Chromium. Exposes
 * `globalThis.tracksphereBench`; every function returns plain JSON.
 */

import { v7 as uuidv7 } from 'uuid';
import type { VisitEvent } from '#protocol';
import { MAX_ACCRUAL_GAP_MS } from '../extension/background/alarms.js';
import { createTrackerService } from '../extension/background/tracker-service.js';
import { createTrackerStore } from '../extension/background/tracker-store.js';
import { createVisitRecorder } from '../extension/background/visit-recorder.js';
import {
  addDays,
  localDayOf,
  openTracksphereDb,
  recordFinishedVisits,
  type TracksphereDb,
} from '../extension/db/index.js';
import { consentItem, readRecordingSettings } from '../extension/settings/index.js';
import { initialTrackerState, step, type TrackerEvent } from '../extension/tracker/index.js';
import { breakdown as breakdownOf } from './extension-breakdown.js';
import { trackerStateItem, unrecordedVisitsItem } from './extension-settings-shim.js';

const DAY_MS = 86_400_000;

export interface SeedOptions {
  visits: number;
  days: number;
  /** Size of the domain universe; visits pick domains by a Zipf law over it. */
  domains: number;
  zipfExponent: number;
  /** Visits per recordFinishedVisits call while seeding. */
  chunk: number;
  now: number;
}

export interface SeedResult {
  visits: number;
  rollups: number;
  todayActiveMs: number;
  /** Distinct domains in the last 30 local days (the options table's rows). */
  domainsLast30Days: number;
}

export interface RecordingResult {
  /** Finished visits the tracker handed to the database during the timed loop. */
  finished: number;
  /** Visits the database gained during the timed loop. */
  stored: number;
  errors: string[];
  /** Whole background path per finished visit: step, then visit and state in one IndexedDB transaction (state held in memory). */
  msPerVisit: number;
  /** The same events through step() alone, in memory. */
  stepMsPerVisit: number;
  /** recordFinishedVisits alone, one visit per transaction (as the background records them). */
  dbMsPerVisit: number;
  /**
   * One bare IndexedDB read-write transaction (one small put, durability 'relaxed' as the
   * visit's), timed in turn with each event of the whole path: the yardstick issue 20 sets it
   * against.
   */
  bareTxnMs: number;
  /** The bare transaction again, timed in turn with recordFinishedVisits alone. */
  dbBareTxnMs: number;
  /**
   * The median over the visits of each one's whole path over the bare transaction timed right
   * after it (in the bench's JSON only): a burst of the machine's load moves it less.
   */
  medianPairRatio: number;
}

export interface Counts {
  visits: number;
  rollups: number;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function zipfPicker(n: number, exponent: number): (rnd: () => number) => number {
  const cumulative = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** exponent;
    cumulative[k] = sum;
  }
  return (rnd) => {
    const x = rnd() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const domainName = (k: number): string => `site-${k}.example`;

/** Local midnight of the day `ms` falls in. */
function localMidnight(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

let db: TracksphereDb | undefined;
function database(): TracksphereDb {
  db ??= openTracksphereDb();
  return db;
}

/** Visits per day, oldest first, summing to opts.visits (today takes the remainder). */
function dayCounts(opts: SeedOptions): number[] {
  const rnd = random(opts.visits);
  const perDay = opts.visits / opts.days;
  const out: number[] = [];
  let made = 0;
  for (let i = 0; i < opts.days - 1; i++) {
    const n = Math.min(opts.visits - made, Math.round(perDay * (0.7 + 0.6 * rnd())));
    out.push(n);
    made += n;
  }
  out.push(opts.visits - made);
  return out;
}

/**
 * Days [fromIndex, toIndex) of a year of browsing (index 0 = the oldest day,
 * days - 1 = today), recorded through recordFinishedVisits so the visits and
 * the rollups agree exactly as the background leaves them; sync off
 * (syncState 'local', the state until the person turns sync on). Deterministic
 * per day, so the year can be seeded in several calls.
 */
async function seed(opts: SeedOptions, fromIndex: number, toIndex: number): Promise<number> {
  const counts = dayCounts(opts);
  const zipf = zipfPicker(opts.domains, opts.zipfExponent);
  const today = localMidnight(opts.now);
  let pending: VisitEvent[] = [];
  let made = 0;
  for (let i = fromIndex; i < Math.min(toIndex, opts.days); i++) {
    const rnd = random(1_000 + i);
    const pick = (): number => zipf(rnd);
    const back = opts.days - 1 - i;
    const dayStart = localMidnight(today - back * DAY_MS + DAY_MS / 2);
    // Waking hours, and never after now (today is partly over; just after midnight, all of it).
    let from = dayStart + 8 * 3_600_000;
    let to = Math.min(dayStart + 23 * 3_600_000, opts.now - 60_000);
    if (to - from < 3_600_000) {
      from = dayStart;
      to = Math.max(dayStart + 1, opts.now - 1_000);
    }
    const times = Array.from(
      { length: counts[i] ?? 0 },
      () => from + Math.floor(rnd() * (to - from)),
    ).sort((a, b) => a - b);
    let sessionId = uuidv7({ msecs: from });
    times.forEach((start, n) => {
      const domain = domainName(pick());
      const duration = 2_000 + Math.floor(rnd() * 300_000);
      if (rnd() < 0.05) sessionId = uuidv7({ msecs: start });
      pending.push({
        id: uuidv7({ msecs: start }),
        type: 'visit',
        url: `https://${domain}/articles/${i}-${n}/a-readable-slug?page=${n % 7}`,
        domain,
        title: `Article ${i}-${n} on ${domain}: a title of ordinary length`,
        startedAt: new Date(start).toISOString(),
        endedAt: new Date(start + duration).toISOString(),
        activeMs: Math.floor(duration * rnd()),
        sessionId,
        transition: 'link',
      });
    });
    while (pending.length >= opts.chunk) {
      await recordFinishedVisits(database(), pending.splice(0, opts.chunk), {
        syncEnabled: false,
        dayOf: localDayOf,
      });
    }
    made += times.length;
  }
  if (pending.length > 0) {
    await recordFinishedVisits(database(), pending, { syncEnabled: false, dayOf: localDayOf });
    pending = [];
  }
  return made;
}

/** What the popup and the options page will show, read straight from the rollups. */
async function seeded(now: number): Promise<SeedResult> {
  const today = localDayOf(now);
  const from = addDays(today, -29);
  const [c, todayRows, recent] = await Promise.all([
    counts(),
    database().dailyRollups.where('day').equals(today).toArray(),
    database().dailyRollups.where('day').between(from, today, true, true).toArray(),
  ]);
  return {
    ...c,
    todayActiveMs: todayRows.reduce((sum, r) => sum + r.activeMs, 0),
    domainsLast30Days: new Set(recent.map((r) => r.domain)).size,
  };
}

async function counts(): Promise<Counts> {
  const [visits, rollups] = await Promise.all([
    database().visits.count(),
    database().dailyRollups.count(),
  ]);
  return { visits, rollups };
}

let bare: Promise<IDBDatabase> | undefined;
/** A database of its own with one store, for the bare transaction. */
function bareDatabase(): Promise<IDBDatabase> {
  bare ??= new Promise((resolve, reject) => {
    const open = indexedDB.open('tracksphere-bench-bare', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('rows', { keyPath: 'id' });
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  return bare;
}

/** One read-write transaction that puts one small row, until it completes. */
async function bareTransaction(n: number): Promise<void> {
  const idb = await bareDatabase();
  await new Promise<void>((resolve, reject) => {
    const tx = idb.transaction('rows', 'readwrite', { durability: 'relaxed' });
    tx.objectStore('rows').put({ id: 1, n });
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error);
  });
}

const OPEN_TABS = 10;
const EVENT_GAP_MS = 20_000;

function nav(at: number, tabId: number, url: string): TrackerEvent {
  return {
    type: 'navigationCommitted',
    at,
    tabId,
    windowId: 1,
    url,
    title: `Page ${url.length}: a title of ordinary length`,
    transition: 'link',
    incognito: false,
  };
}

/** Focus, ten open tabs, the first one active: a browser in ordinary use. */
function setupEvents(at: number): TrackerEvent[] {
  const events: TrackerEvent[] = [{ type: 'windowFocusChanged', at, windowId: 1 }];
  for (let tab = 1; tab <= OPEN_TABS; tab++) {
    events.push(nav(at + tab, tab, `https://tab-${tab}.example/start`));
  }
  events.push({ type: 'tabActivated', at: at + OPEN_TABS + 1, tabId: 1, windowId: 1 });
  return events;
}

/** Navigation i in the active tab: it finishes the visit navigation i - 1 started. */
function timedEvent(base: number, i: number): TrackerEvent {
  return nav(base + (i + 1) * EVENT_GAP_MS, 1, `https://news-${i % 50}.example/story/${i}`);
}

/**
 * `n` finished visits through the background's own path: createTrackerService
 * (step; the state read from the store once, then held), createTrackerStore and
 * createVisitRecorder (the sync setting read once and watched; recordFinishedVisits
 * with the state in the visit's transaction), one event at a time, each awaited as the background's
 * serial queue does. Then the parts alone, for the breakdown.
 */
async function measureRecording(n: number): Promise<RecordingResult> {
  const errors: string[] = [];
  await consentItem.setValue(true);
  await trackerStateItem.removeValue();
  await unrecordedVisitsItem.removeValue();
  await database().trackerState.delete('bench');
  let finished = 0;
  const record = createVisitRecorder(database(), localDayOf);
  const tracker = createTrackerService({
    // A row of its own: the installed background's checkpoint alarm writes its own meanwhile.
    store: createTrackerStore({
      db: database(),
      key: 'bench',
      recordVisits: async (visits, trackerState) => {
        finished += visits.length;
        await record(visits, trackerState);
      },
    }),
    newId: uuidv7,
    maxAccrualGapMs: MAX_ACCRUAL_GAP_MS,
    onError: (e) => errors.push(e instanceof Error ? e.message : String(e)),
  });
  // Events spaced as a person browses, ending now: the visits land on today's rollups.
  const base = Date.now() - (n + 2) * EVENT_GAP_MS;
  await tracker.dispatch(() => setupEvents(base - 1_000));
  await tracker.drained();
  // The first event finishes the setup's visit in tab 1: warm-up, not timed.
  await tracker.dispatch(timedEvent(base, 0));
  finished = 0;
  await bareTransaction(0);
  const before = await database().visits.count();
  // In turn, so the machine's load at any moment weighs on both alike.
  let pathMs = 0;
  let bareMs = 0;
  const pairs: number[] = [];
  for (let i = 1; i <= n; i++) {
    const t0 = performance.now();
    await tracker.dispatch(timedEvent(base, i));
    const t1 = performance.now();
    await bareTransaction(i);
    const t2 = performance.now();
    pathMs += t1 - t0;
    bareMs += t2 - t1;
    pairs.push((t1 - t0) / Math.max(t2 - t1, 0.001));
  }
  pairs.sort((a, b) => a - b);
  const msPerVisit = pathMs / n;
  const bareTxnMs = bareMs / n;
  const stored = (await database().visits.count()) - before;

  // step() alone over the same kind of events.
  const settings = await readRecordingSettings();
  let state = initialTrackerState(settings);
  const deps = { newId: uuidv7, maxAccrualGapMs: MAX_ACCRUAL_GAP_MS };
  for (const e of setupEvents(base - 1_000)) state = step(state, e, deps).state;
  state = step(state, timedEvent(base, 0), deps).state;
  const collected: VisitEvent[] = [];
  const s0 = performance.now();
  for (let i = 1; i <= n; i++) {
    const r = step(state, timedEvent(base, i), deps);
    state = r.state;
    collected.push(...r.finished);
  }
  const stepMsPerVisit = (performance.now() - s0) / n;

  // The IndexedDB part alone: the same visits again under new ids, one per transaction.
  const copies = collected.map((v) => ({ ...v, id: uuidv7() }));
  // In turn with a bare transaction too: the floor the visit's own transaction sets.
  let dbMs = 0;
  let dbBareMs = 0;
  for (const [i, v] of copies.entries()) {
    const t0 = performance.now();
    await recordFinishedVisits(database(), [v], { syncEnabled: false, dayOf: localDayOf });
    const t1 = performance.now();
    await bareTransaction(i);
    dbMs += t1 - t0;
    dbBareMs += performance.now() - t1;
  }
  const dbMsPerVisit = dbMs / Math.max(1, copies.length);
  const dbBareTxnMs = dbBareMs / Math.max(1, copies.length);
  return {
    finished,
    stored,
    errors,
    msPerVisit,
    stepMsPerVisit,
    dbMsPerVisit,
    bareTxnMs,
    dbBareTxnMs,
    medianPairRatio: pairs[Math.floor(pairs.length / 2)] ?? Number.NaN,
  };
}

const breakdown = (n: number) => breakdownOf(database(), bareTransaction, n);
const api = { seed, seeded, counts, measureRecording, breakdown };
export type TracksphereBenchApi = typeof api;
(globalThis as unknown as { tracksphereBench: TracksphereBenchApi }).tracksphereBench = api;
