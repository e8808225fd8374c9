/**
 * Daily limits in the background: after each event that can change today's
 * figures (the same ones that write the badge, and the checkpoint alarm once
 * a minute) the limits are measured, a notice fires at 80% and 100% (once a
 * day per limit: what fired is stored), and a tab showing a site the person
 * is held to goes to the limit-reached page. No host permissions: the page
 * shown comes from the tracker's status, fed by tabs and webNavigation.
 */
import { browser } from 'wxt/browser';
import { messagesReady, t } from '../components/i18n.js';
import { type DayOf, localDayOf, rollupsInRange, type TracksphereDb } from '../db/index.js';
import {
  type CategoryOfSite,
  countedRows,
  type DailyLimit,
  dayStateFor,
  dueThresholds,
  type FiredNotice,
  holds,
  type LimitDayState,
  type Matching,
  msToNextEdge,
  type Threshold,
  targetCovers,
  usedMsOn,
  withFired,
} from '../limits/limits.js';
import type { LimitFigure, SummaryRange, TrackerStatus } from '../messaging/protocol.js';
import { registrableDomain, siteKey } from '../privacy/index.js';
import { loadCategorySettings } from '../settings/category-items.js';
import { limitDayItem, limitsItem } from '../settings/limit-items.js';
import { categoryOf } from '../stats/categories.js';
import { formatDuration } from '../stats/format-duration.js';
import { coalesce } from './coalesce.js';
import { acrossBrowsers, askServer, SUMMARY_REFRESH_MS, todayRange } from './limit-across.js';
import { updateLimitDay, withLimitDay } from './limit-day.js';

/** The extension page a held tab is sent to (entrypoints/limit-reached). */
export const LIMIT_PAGE = '/limit-reached.html';

export interface LimitNotice {
  target: string;
  threshold: Threshold;
  usedMs: number;
  limitMs: number;
}

export interface LimitWatchDeps {
  db: TracksphereDb;
  now: () => number;
  status: () => Promise<TrackerStatus>;
  dayOf?: DayOf;
  /** The categories as the person set them (default: stats/categories.ts over their settings). */
  categories?: () => Promise<CategoryOfSite>;
  /** Shows a notice; resolves whether it was shown (false without the permission). */
  notify?: (notice: LimitNotice) => Promise<boolean>;
  /** The URL of the page in a tab (tabs.get). */
  tabUrl?: (tabId: number) => Promise<string | undefined>;
  /** Sends a tab to `url` (tabs.update). */
  redirect?: (tabId: number, url: string) => Promise<void>;
  /** Runs `check` after `ms` (setTimeout); answers how to cancel it. */
  setTimer?: (check: () => void, ms: number) => () => void;
  /** The local IANA time zone, the summary's days (default: the browser's). */
  timeZone?: string;
  /** Asks the server for today's summary and caches it (default: link-sync.ts's handler). */
  refreshSummary?: (range: SummaryRange) => Promise<unknown>;
}

/** Past this, the checkpoint alarm (every minute) checks soon enough. */
const MAX_TIMER_MS = 60_000;
/** Margin over the exact edge, so the check finds the threshold reached. */
const TIMER_SLACK_MS = 250;

export interface LimitsToday {
  today: string;
  state: LimitDayState;
  figures: LimitFigure[];
  status: TrackerStatus;
  /** Whether a limit counts all browsers and the cached summary is missing or old. */
  summaryDue: boolean;
  /** How a site is matched to a target, with the person's categories. */
  match: Matching;
}

/** A browser notification, when the person granted the permission. */
export async function browserNotify(notice: LimitNotice): Promise<boolean> {
  const granted = await browser.permissions.contains({ permissions: ['notifications'] });
  if (!granted || browser.notifications === undefined) return false;
  const key = notice.threshold === 100 ? 'limitNoticeReached' : 'limitNoticeNear';
  await messagesReady();
  // Not awaited: a notification server that never answers (headless Firefox) must not hold
  // back the limit checks queued behind this one.
  void browser.notifications
    .create(`limit:${notice.target}:${notice.threshold}`, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('/icon/128.png'),
      title: t('limitNoticeTitle'),
      message: t(key, notice.target, formatDuration(notice.usedMs), formatDuration(notice.limitMs)),
    })
    .catch((error: unknown) => console.error('[limits]', error));
  return true;
}

/** The limit-reached page for `target`, remembering the page the person asked for. */
export function limitPageUrl(target: string, url: string): string {
  const query = new URLSearchParams({ target, url });
  return `${browser.runtime.getURL(LIMIT_PAGE)}?${query.toString()}`;
}

async function personsCategories(): Promise<CategoryOfSite> {
  const settings = await loadCategorySettings();
  return (site) => categoryOf(site, settings);
}

/** Each limit with today's used time, and today's state. */
export async function readLimitsToday(deps: LimitWatchDeps): Promise<LimitsToday> {
  const dayOf = deps.dayOf ?? localDayOf;
  const [limits, stored, status, categoryOf] = await Promise.all([
    limitsItem.getValue(),
    limitDayItem.getValue(),
    deps.status(),
    (deps.categories ?? personsCategories)(),
  ]);
  const today = dayOf(deps.now());
  const recorded =
    limits.length === 0 ? [] : await rollupsInRange(deps.db, { from: today, to: today });
  const across = limits.some((limit) => limit.allBrowsers === true)
    ? await acrossBrowsers(deps, today, dayOf)
    : { rows: null, due: false };
  const match: Matching = { siteOf: registrableDomain, categoryOf };
  const site = status.activePage?.site ?? null;
  const figures = limits.map((limit) => ({
    ...limit,
    usedMs: usedMsOn(
      limit.target,
      today,
      countedRows(limit, recorded, across.rows),
      status.openVisits,
      match,
      dayOf,
    ),
    appliesToCurrentSite: site !== null && targetCovers(limit.target, site, match),
  }));
  const state = dayStateFor(stored, today);
  return { today, state, figures, status, summaryDue: across.due, match };
}

/**
 * Notices due now, then the hold of the page shown; one run at a time. Answers, while a
 * page counting toward a limit is recorded, how soon the next notice or hold may come (ms of
 * active time) and the time used on it, else null.
 */
async function checkOnce(deps: LimitWatchDeps): Promise<CheckResult | null> {
  if ((await limitsItem.getValue()).length === 0) return null;
  const read = await readLimitsToday(deps);
  return { edge: await act(deps, read), summaryDue: read.summaryDue, today: read.today };
}

interface CheckResult {
  edge: { inMs: number; usedMs: number } | null;
  summaryDue: boolean;
  today: string;
}

async function act(
  deps: LimitWatchDeps,
  { today, state, figures, status, match }: LimitsToday,
): Promise<CheckResult['edge']> {
  const notify = deps.notify ?? browserNotify;
  const fired: FiredNotice[] = [];
  for (const limit of figures) {
    const due = dueThresholds(limit, limit.usedMs, state);
    const highest = due.at(-1);
    if (highest === undefined) continue;
    // Crossing both at once (a long visit recorded in one go) shows the 100% notice alone.
    const notice = {
      target: limit.target,
      threshold: highest,
      usedMs: limit.usedMs,
      limitMs: limit.limitMs,
    };
    const shown = await notify(notice).catch(() => false);
    const at = deps.now();
    for (const threshold of due) {
      fired.push({
        target: limit.target,
        threshold,
        at,
        usedMs: limit.usedMs,
        shown: shown && threshold === highest,
      });
    }
  }
  // Stepped from the state as stored now: a choice made since `state` was read (a snooze) is
  // kept, and counts for the hold below.
  const saved = await updateLimitDay(today, (stored) => withFired(stored, fired));
  const page = status.activePage;
  if (page?.site == null) return null;
  const now = deps.now();
  const here = figures.filter((limit) => limit.appliesToCurrentSite);
  const held = here.find((limit: DailyLimit & { usedMs: number }) =>
    holds(limit, limit.usedMs, saved, now),
  );
  if (held !== undefined) {
    // The person may have left the site since the status was read: the tab goes to the
    // limit-reached page only if the page it shows now still counts toward the limit.
    const url = await (deps.tabUrl ?? defaultTabUrl)(page.tabId);
    const site = url !== undefined && /^https?:/i.test(url) ? siteKey(url) : null;
    if (url !== undefined && site !== null && targetCovers(held.target, site, match)) {
      // And only if it is still held as stored now: "open anyway" chosen while this check ran
      // (its page then opens the site) must not be sent back to the limit-reached page.
      const redirected = await withLimitDay(today, async (stored) => {
        if (!holds(held, held.usedMs, stored, deps.now())) return false;
        await (deps.redirect ?? defaultRedirect)(page.tabId, limitPageUrl(held.target, url));
        return true;
      });
      if (redirected) return null;
    }
  }
  if (!page.recording) return null;
  const edges = here
    .map((limit) => msToNextEdge(limit, limit.usedMs, saved, now))
    .filter((ms): ms is number => ms !== null);
  if (edges.length === 0) return null;
  return {
    inMs: Math.min(...edges),
    usedMs: here.reduce((sum, limit) => sum + limit.usedMs, 0),
  };
}

/**
 * The page the tab is showing, or the limit-reached page when it is on its way there (Chromium's
 * pendingUrl, until the navigation commits): such a tab is not sent there again, which would load
 * the page twice and lose a choice made on the first. Any other pending address is not where the
 * tab is: a navigation that never commits (a slow server, a download) must not free the page.
 */
async function defaultTabUrl(tabId: number): Promise<string | undefined> {
  const tab = await browser.tabs.get(tabId);
  const limitPage = browser.runtime.getURL(LIMIT_PAGE);
  return tab.pendingUrl?.startsWith(limitPage) === true ? tab.pendingUrl : tab.url;
}

async function defaultRedirect(tabId: number, url: string): Promise<void> {
  await browser.tabs.update(tabId, { url });
}

/**
 * The limit check to run after events; calls that come while one runs fold into one more
 * run after it (as the badge's do). A limit counting all browsers has the summary refreshed
 * in the background, then checked again: what fired today is stored, so a refresh never
 * repeats a notice.
 */
export function createLimitWatch(deps: LimitWatchDeps): () => Promise<void> {
  let cancelTimer: (() => void) | null = null;
  let askedAt = Number.NEGATIVE_INFINITY;
  let asking = false;
  const refreshSummary = deps.refreshSummary ?? askServer(deps);
  const refresh = (today: string): void => {
    if (asking || deps.now() - askedAt < SUMMARY_REFRESH_MS) return;
    asking = true;
    askedAt = deps.now();
    refreshSummary(todayRange(deps, today))
      .finally(() => {
        asking = false;
      })
      .then(() => trigger())
      .catch((error: unknown) => console.error('[limits]', error));
  };
  /** The time used when the timer was last set: a page that gains none (idle) sets no more. */
  let usedAtTimer: number | null = null;
  const setTimer =
    deps.setTimer ??
    ((check: () => void, ms: number) => {
      const id = setTimeout(check, ms);
      return () => clearTimeout(id);
    });
  const trigger = coalesce(
    () => checkOnce(deps),
    (last) => {
      if (last?.summaryDue === true) refresh(last.today);
      const next = last?.edge ?? null;
      cancelTimer?.();
      cancelTimer = null;
      if (next === null || next.inMs > MAX_TIMER_MS || next.usedMs === usedAtTimer) return;
      usedAtTimer = next.usedMs;
      cancelTimer = setTimer(
        () => void trigger().catch(() => undefined),
        next.inMs + TIMER_SLACK_MS,
      );
    },
  );
  return trigger;
}
