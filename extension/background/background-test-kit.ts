// Shared by the background's tests: a small model of the browser behind the
// APIs the background reads (tabs, windows, idle), installed on WXT's fake
// browser, and a harness that builds the background modules over it.
import { vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { makeDayOf } from '../db/day.js';
import {
  openTracksphereDb,
  type StoredVisit,
  type TrackerStateRow,
  type TracksphereDb,
} from '../db/index.js';
import { WINDOW_ID_NONE } from '../tracker/index.js';
import { MAX_ACCRUAL_GAP_MS } from './alarms.js';
import { type BackgroundListeners, createBackgroundListeners } from './background-listeners.js';
import type { SyncRunner } from './sync-runner.js';
import { createTrackerService, type TrackerService } from './tracker-service.js';
import { createTrackerStore, TRACKER_STATE_KEY } from './tracker-store.js';
import { createVisitRecorder, type RecordVisits } from './visit-recorder.js';

/** Monday 2025-01-06 09:00:00 UTC. */
export const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
export const SEC = 1000;
export const MIN = 60 * SEC;

/** An extension event with the fake browser's `trigger`, for APIs it does not implement. */
export interface TestEvent<A extends unknown[]> {
  addListener(listener: (...args: A) => unknown): void;
  removeListener(listener: (...args: A) => unknown): void;
  hasListener(listener: (...args: A) => unknown): boolean;
  hasListeners(): boolean;
  removeAllListeners(): void;
  trigger(...args: A): Promise<unknown[]>;
}

export function testEvent<A extends unknown[]>(): TestEvent<A> {
  const listeners: ((...args: A) => unknown)[] = [];
  return {
    addListener: (listener) => void listeners.push(listener),
    removeListener: (listener) => {
      const i = listeners.indexOf(listener);
      if (i >= 0) listeners.splice(i, 1);
    },
    hasListener: (listener) => listeners.includes(listener),
    hasListeners: () => listeners.length > 0,
    removeAllListeners: () => void listeners.splice(0),
    trigger: (...args) => Promise.all(listeners.map((listener) => listener(...args))),
  };
}

export interface ModelTab {
  id: number;
  windowId: number;
  url?: string;
  /** Chromium's: the page a navigation not yet committed is taking the tab to. */
  pendingUrl?: string;
  title?: string;
  incognito?: boolean;
  active?: boolean;
  audible?: boolean;
}

export interface BrowserModel {
  tabs: Map<number, ModelTab>;
  focusedWindowId: number;
  idle: 'active' | 'idle' | 'locked';
  openTab(tab: ModelTab): ModelTab;
  /** Awaited by every tabs.get before it answers: holds lookups back in ordering tests. */
  tabLookupGate: Promise<void>;
  idleOnStateChanged: TestEvent<[state: string]>;
  tabsOnReplaced: TestEvent<[addedTabId: number, removedTabId: number]>;
  setDetectionInterval: ReturnType<typeof vi.fn>;
}

function asTab(tab: ModelTab) {
  return {
    id: tab.id,
    index: 0,
    windowId: tab.windowId,
    highlighted: false,
    active: tab.active ?? false,
    pinned: false,
    incognito: tab.incognito ?? false,
    audible: tab.audible ?? false,
    ...(tab.url === undefined ? {} : { url: tab.url }),
    ...(tab.pendingUrl === undefined ? {} : { pendingUrl: tab.pendingUrl }),
    ...(tab.title === undefined ? {} : { title: tab.title }),
  };
}

/**
 * Puts a browser model behind tabs.get/query, windows.getAll and idle, and
 * gives the fake browser the events it lacks (idle.onStateChanged,
 * tabs.onReplaced). Call after fakeBrowser.reset(); undo with vi.restoreAllMocks().
 */
export function installBrowserModel(): BrowserModel {
  const model: BrowserModel = {
    tabs: new Map(),
    focusedWindowId: WINDOW_ID_NONE,
    idle: 'active',
    openTab(tab) {
      model.tabs.set(tab.id, tab);
      return tab;
    },
    tabLookupGate: Promise.resolve(),
    idleOnStateChanged: testEvent(),
    tabsOnReplaced: testEvent(),
    setDetectionInterval: vi.fn(),
  };
  Object.assign(fakeBrowser.idle, {
    onStateChanged: model.idleOnStateChanged,
    setDetectionInterval: model.setDetectionInterval,
    queryState: async () => model.idle,
  });
  Object.assign(fakeBrowser.tabs, { onReplaced: model.tabsOnReplaced });
  // fakeBrowser.reset() leaves webNavigation's listeners in place.
  for (const member of Object.values(fakeBrowser.webNavigation)) {
    if (typeof member === 'object' && 'removeAllListeners' in member) member.removeAllListeners();
  }
  vi.spyOn(fakeBrowser.tabs, 'get').mockImplementation(async (tabId) => {
    await model.tabLookupGate;
    const tab = model.tabs.get(tabId);
    if (tab === undefined) throw new Error(`No tab with id: ${tabId}.`);
    return asTab(tab);
  });
  vi.spyOn(fakeBrowser.tabs, 'query').mockImplementation(async (query) =>
    [...model.tabs.values()]
      .filter((tab) => query.active === undefined || (tab.active ?? false) === query.active)
      .filter((tab) => query.audible === undefined || (tab.audible ?? false) === query.audible)
      .filter((tab) => query.lastFocusedWindow !== true || tab.windowId === model.focusedWindowId)
      .map(asTab),
  );
  vi.spyOn(fakeBrowser.windows, 'getAll').mockImplementation(async () => {
    const ids = new Set([...model.tabs.values()].map((tab) => tab.windowId));
    return [...ids].map((id) => ({
      id,
      focused: id === model.focusedWindowId,
      incognito: false,
      alwaysOnTop: false,
    }));
  });
  return model;
}

/** Days in tests are UTC days. */
export const utcDayOf = makeDayOf(() => 0);

export interface Harness {
  db: TracksphereDb;
  tracker: TrackerService;
  on: BackgroundListeners;
  model: BrowserModel;
  /** The time the listeners stamp on events. */
  clock: { now: number; advance(ms: number): void };
  errors: unknown[];
  /** A killed worker coming back: new modules over the same storage and database. */
  restart(options?: { recordVisits?: RecordVisits }): void;
  /** The visits in the database, oldest first. */
  visits(): Promise<StoredVisit[]>;
  /** The tracker's row in the database, as the last save left it. */
  saved(): Promise<TrackerStateRow | undefined>;
}

export interface HarnessOptions {
  recordVisits?: (db: TracksphereDb) => RecordVisits;
  runSync?: SyncRunner;
  /** BackgroundDeps.checkLimits, made over the harness's tracker, database and clock. */
  checkLimits?: (
    tracker: TrackerService,
    db: TracksphereDb,
    now: () => number,
  ) => () => Promise<void>;
}

/** The background modules as the entry point wires them, over the fake browser and a fresh database. */
export function createHarness(options: HarnessOptions = {}): Harness {
  const db = openTracksphereDb(`test-${crypto.randomUUID()}`);
  const model = installBrowserModel();
  const clock = {
    now: T0,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const errors: unknown[] = [];
  let seq = 0;
  const newId = () => {
    seq += 1;
    return `00000000-0000-7000-8000-${seq.toString(16).padStart(12, '0')}`;
  };
  const build = (recordVisits: RecordVisits) => {
    const tracker = createTrackerService({
      store: createTrackerStore({ db, recordVisits }),
      newId,
      maxAccrualGapMs: MAX_ACCRUAL_GAP_MS,
      onError: (error) => errors.push(error),
    });
    const on = createBackgroundListeners({
      tracker,
      runSync: options.runSync ?? (async () => ({ status: 'disabled' })),
      now: () => clock.now,
      onError: (error) => errors.push(error),
      ...(options.checkLimits === undefined
        ? {}
        : { checkLimits: options.checkLimits(tracker, db, () => clock.now) }),
    });
    return { tracker, on };
  };
  const harness: Harness = {
    db,
    model,
    clock,
    errors,
    ...build(options.recordVisits?.(db) ?? createVisitRecorder(db, utcDayOf)),
    restart(restartOptions = {}) {
      Object.assign(
        harness,
        build(restartOptions.recordVisits ?? createVisitRecorder(db, utcDayOf)),
      );
    },
    visits: () => db.visits.orderBy('startedMs').toArray(),
    saved: () => db.trackerState.get(TRACKER_STATE_KEY),
  };
  return harness;
}

/** Window 1 focused, tab 1 active in it, as the browser reports at start. */
export async function browserWithOneTab(h: Harness, url = 'https://example.com/a'): Promise<void> {
  h.model.openTab({ id: 1, windowId: 1, url, title: 'Example A', active: true });
  h.model.focusedWindowId = 1;
  await h.on.onWindowFocusChanged(1);
  await h.on.onTabActivated({ tabId: 1, windowId: 1 });
}

/** webNavigation.onCommitted details for a top-level commit. */
export function committed(tabId: number, url: string) {
  return {
    tabId,
    frameId: 0,
    url,
    transitionType: 'link' as const,
    transitionQualifiers: [],
    documentId: crypto.randomUUID(),
    timeStamp: Date.now(),
  };
}

type RuntimeMessageListener = (
  message: unknown,
  sender: { id: string },
  sendResponse: (response: unknown) => void,
) => unknown;

/**
 * Routes runtime.sendMessage to the runtime.onMessage listeners with a
 * sendResponse callback, as browsers do (the fake browser's sendMessage
 * passes none), so @webext-core/messaging works end to end in one context.
 */
export function bridgeRuntimeMessaging(): void {
  const listeners: RuntimeMessageListener[] = [];
  // The fake's lastError is a placeholder object, which senders read as a failure.
  Object.assign(fakeBrowser.runtime, { lastError: undefined });
  vi.spyOn(fakeBrowser.runtime.onMessage, 'addListener').mockImplementation((listener) => {
    listeners.push(listener as unknown as RuntimeMessageListener);
  });
  vi.spyOn(fakeBrowser.runtime.onMessage, 'removeListener').mockImplementation((listener) => {
    const i = listeners.indexOf(listener as unknown as RuntimeMessageListener);
    if (i >= 0) listeners.splice(i, 1);
  });
  const sendMessage = (message: unknown, sendResponse: (response: unknown) => void): void => {
    for (const listener of listeners) {
      if (listener(message, { id: fakeBrowser.runtime.id }, sendResponse) === true) return;
    }
    sendResponse(undefined);
  };
  vi.spyOn(fakeBrowser.runtime, 'sendMessage').mockImplementation(sendMessage as never);
}
