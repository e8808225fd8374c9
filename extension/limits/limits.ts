/**
 * Daily limits, pure: what a limit has used today, which notices are due, and
 * whether the person is held to it. The background reads and writes storage
 * (background/limit-watch.ts); this module only decides.
 */
import type { DailyRollup, DayOf } from '../db/index.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import { withOpenVisits } from '../stats/open-visits.js';

/** `category:<name>` targets a category; any other target is a site (registrable domain). */
export const CATEGORY_PREFIX = 'category:';

export interface DailyLimit {
  /** A registrable domain ("example.com") or `category:<name>`. */
  target: string;
  /** Active time allowed each local day, in ms. */
  limitMs: number;
  /** Once over the limit, navigating to the target shows the limit-reached page instead. */
  holdMeToIt: boolean;
  /** Counts the time of every linked browser (All my browsers); absent: this browser's only. */
  allBrowsers?: boolean;
}

/** The notices: at 80% and at 100% of a limit. */
export const THRESHOLDS = [80, 100] as const;
export type Threshold = (typeof THRESHOLDS)[number];

/** "5 more minutes". */
export const SNOOZE_MS = 5 * 60_000;

/** One notice that came due, kept for the day so a restarted worker does not repeat it. */
export interface FiredNotice {
  target: string;
  threshold: Threshold;
  /** ms since the epoch. */
  at: number;
  usedMs: number;
  /** Whether a browser notification was shown (false without the notifications permission). */
  shown: boolean;
}

/** What happened to the limits on one local day; a new day starts empty. */
export interface LimitDayState {
  day: string;
  fired: FiredNotice[];
  /** Target to the time (ms since the epoch) its "5 more minutes" end. */
  snoozedUntil: Record<string, number>;
  /** Targets the person chose to open anyway: not held again that day. */
  openedAnyway: string[];
}

/** The registrable domain of a hostname. */
export type SiteOfHost = (host: string) => string;
/** The category of a registrable domain; null: none. */
export type CategoryOfSite = (site: string) => string | null;

export interface Matching {
  siteOf: SiteOfHost;
  categoryOf?: CategoryOfSite;
}

export function isCategoryTarget(target: string): boolean {
  return target.startsWith(CATEGORY_PREFIX);
}

/** Whether time on `site` (a registrable domain) counts toward `target`. */
export function targetCovers(target: string, site: string, match: Matching): boolean {
  if (!isCategoryTarget(target)) return target === site;
  const category = match.categoryOf?.(site) ?? null;
  return category !== null && CATEGORY_PREFIX + category === target;
}

/**
 * Active time on `target` on `today`: the recorded rollups plus the open visits, each open
 * visit on the day it started (as its rollup will count it once recorded).
 */
export function usedMsOn(
  target: string,
  today: string,
  recorded: readonly DailyRollup[],
  open: readonly OpenVisitFigure[],
  match: Matching,
  dayOf?: DayOf,
): number {
  return withOpenVisits(recorded, open, { from: today, to: today }, dayOf)
    .filter((row) => row.day === today && targetCovers(target, match.siteOf(row.domain), match))
    .reduce((sum, row) => sum + row.activeMs, 0);
}

/**
 * The rows a limit counts: every linked browser's (`across`: the cached summary of today plus
 * this browser's visits it lacks) when the limit asks for them and such a summary is at hand;
 * otherwise this browser's own.
 */
export function countedRows(
  limit: DailyLimit,
  own: readonly DailyRollup[],
  across: readonly DailyRollup[] | null,
): readonly DailyRollup[] {
  return limit.allBrowsers === true && across !== null ? across : own;
}

/** The stored day state if it is today's, else a new day's. */
export function dayStateFor(stored: LimitDayState | null, today: string): LimitDayState {
  if (stored !== null && stored.day === today) return stored;
  return { day: today, fired: [], snoozedUntil: {}, openedAnyway: [] };
}

/** The thresholds `usedMs` has reached that have not fired today, lowest first. */
export function dueThresholds(
  limit: DailyLimit,
  usedMs: number,
  state: LimitDayState,
): Threshold[] {
  return THRESHOLDS.filter(
    (threshold) =>
      usedMs * 100 >= limit.limitMs * threshold &&
      !state.fired.some((f) => f.target === limit.target && f.threshold === threshold),
  );
}

/** Whether navigating to the target now shows the limit-reached page. */
export function holds(
  limit: DailyLimit,
  usedMs: number,
  state: LimitDayState,
  now: number,
): boolean {
  if (!limit.holdMeToIt || usedMs < limit.limitMs) return false;
  if (state.openedAnyway.includes(limit.target)) return false;
  return (state.snoozedUntil[limit.target] ?? 0) <= now;
}

/** `state` with the notices `fired` added, but for any it already has (fired meanwhile). */
export function withFired(state: LimitDayState, fired: readonly FiredNotice[]): LimitDayState {
  const added = fired.filter(
    (f) => !state.fired.some((g) => g.target === f.target && g.threshold === f.threshold),
  );
  return added.length === 0 ? state : { ...state, fired: [...state.fired, ...added] };
}

export function withSnooze(state: LimitDayState, target: string, now: number): LimitDayState {
  return { ...state, snoozedUntil: { ...state.snoozedUntil, [target]: now + SNOOZE_MS } };
}

export function withOpenedAnyway(state: LimitDayState, target: string): LimitDayState {
  if (state.openedAnyway.includes(target)) return state;
  return { ...state, openedAnyway: [...state.openedAnyway, target] };
}

/** Minutes a limit may be set to: a minute to a whole day. */
export const MIN_LIMIT_MINUTES = 1;
export const MAX_LIMIT_MINUTES = 24 * 60;

const SITE_PATTERN = /^(?=.{1,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$/;
/** A category id as stats/categories.ts makes them: 'video', 'custom:3'. */
const CATEGORY_PATTERN = /^category:[a-z0-9][a-z0-9:_-]{0,63}$/;

export type LimitProblem = 'target' | 'minutes';

/** What is wrong with a limit as entered; empty when it may be saved. */
export function limitProblems(target: string, minutes: number): LimitProblem[] {
  const problems: LimitProblem[] = [];
  if (!(SITE_PATTERN.test(target) || CATEGORY_PATTERN.test(target))) problems.push('target');
  if (!Number.isInteger(minutes) || minutes < MIN_LIMIT_MINUTES || minutes > MAX_LIMIT_MINUTES) {
    problems.push('minutes');
  }
  return problems;
}

/**
 * Active time until the next thing this limit does (a notice due, or the hold once a snooze
 * ends), in ms; null: nothing more today. Lets the background check again on time instead
 * of at the next minute's alarm.
 */
export function msToNextEdge(
  limit: DailyLimit,
  usedMs: number,
  state: LimitDayState,
  now: number,
): number | null {
  const ahead = THRESHOLDS.map(
    (threshold) => Math.ceil((limit.limitMs * threshold) / 100) - usedMs,
  ).filter((ms) => ms > 0);
  const snoozeEnd = (state.snoozedUntil[limit.target] ?? 0) - now;
  if (limit.holdMeToIt && snoozeEnd > 0 && !state.openedAnyway.includes(limit.target)) {
    ahead.push(snoozeEnd);
  }
  return ahead.length === 0 ? null : Math.min(...ahead);
}
