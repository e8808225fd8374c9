/**
 * What the options page's range views read: a site's pages, the hours of a
 * range and today's timeline, from the raw visits through their indexes, with
 * the open visits (the background's) where the figures are about now.
 */
import {
  addDays,
  type DayOf,
  type DayRange,
  type HeatRollup,
  heatRead,
  heatRollupsIn,
  localDayOf,
  localStartOfDay,
  pageRollupsIn,
  type StoredVisit,
  type TracksphereDb,
  topPagesIn,
  visitsStartedIn,
} from '../db/index.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import { type SitePages, sitePagesOf, topSitePages } from './site-pages.js';
import {
  browserOffset,
  type HeatCell,
  heatmapOf,
  type Span,
  type TimelineBlock,
  timeline,
  type ZoneOffset,
} from './when-stats.js';

const DAY_MS = 86_400_000;

/** Where the views read from, and the clock and zone they read in (tests pass their own). */
export interface InsightSources {
  db: TracksphereDb;
  open: () => Promise<readonly OpenVisitFigure[]>;
  now: () => number;
  dayOf: DayOf;
  startOfDay: (day: string) => number;
  offset: ZoneOffset;
  /**
   * The zone `offset` is, by name: the heatmap keeps its cells for one zone. Without it the
   * heatmap reads every day's rollup.
   */
  zone?: string;
  /** The site of each host (the background's sitesOf); hosts stand alone without it. */
  sitesOf?: (hosts: string[]) => Promise<(host: string) => string>;
}

/** The browser's zone and clock. */
export function browserSources(
  db: TracksphereDb,
  open: () => Promise<readonly OpenVisitFigure[]>,
  sitesOf?: InsightSources['sitesOf'],
): InsightSources {
  return {
    db,
    open,
    now: () => Date.now(),
    dayOf: localDayOf,
    startOfDay: localStartOfDay,
    offset: browserOffset,
    // Asked on each read, as `offset` is: a page open across a change of zone (a laptop woken
    // after a flight) keeps no cells built in one zone under the other's name.
    get zone() {
      return Intl.DateTimeFormat().resolvedOptions().timeZone;
    },
    ...(sitesOf === undefined ? {} : { sitesOf }),
  };
}

function instants(src: InsightSources, range: DayRange): { fromMs: number; toMs: number } {
  return { fromMs: src.startOfDay(range.from), toMs: src.startOfDay(addDays(range.to, 1)) };
}

function spanOf(visit: StoredVisit): Span {
  return {
    domain: visit.domain,
    startMs: visit.startedMs,
    endMs: Date.parse(visit.endedAt),
    activeMs: visit.activeMs,
  };
}

/** The open visits as spans that end now, those started in [fromMs, toMs) only. */
async function openSpans(src: InsightSources, fromMs: number, toMs: number): Promise<Span[]> {
  const now = src.now();
  return (await src.open())
    .filter((v) => v.startedAt >= fromMs && v.startedAt < toMs)
    .map((v) => ({ domain: v.domain, startMs: v.startedAt, endMs: now, activeMs: v.activeMs }));
}

/**
 * The pages of a site (its hosts) over the range. With `top`, over the latest 30 days or 12
 * months, only the `top` pages with the most time (and how many there are), from the range
 * window's pages (db/tail-pages.ts); otherwise, or while that window is not in place, all of
 * them from the pages' rollups, a row per host-day.
 */
export async function loadSitePages(
  src: InsightSources,
  range: DayRange,
  hosts: readonly string[],
  top?: number,
): Promise<SitePages> {
  const read = top === undefined ? null : await topPagesIn(src.db, hosts, range, top);
  if (read !== null && top !== undefined) return topSitePages(read, top);
  return sitePagesOf(await pageRollupsIn(src.db, hosts, range));
}

/** Active time by weekday and hour over the range, open visits included: a rollup row a day. */
export async function loadHeatmap(src: InsightSources, range: DayRange): Promise<HeatCell[]> {
  const span = instants(src, range);
  // The latest 30, 90 or 365 days read their kept cells and today's row (db/heat-windows.ts).
  const cellsOf = (rows: readonly HeatRollup[]) =>
    heatmapOf(
      rows.map((row) => row.quarters),
      [],
      src.offset,
    ).map((cell) => cell.activeMs);
  const [read, open] = await Promise.all([
    heatRead(src.db, range, src.dayOf(src.now()), src.zone, cellsOf),
    openSpans(src, span.fromMs, span.toMs),
  ]);
  return heatmapOf(
    read.rows.map((row) => row.quarters),
    open,
    src.offset,
    read.cells ?? [],
  );
}

/**
 * Today's visits, the open ones and those begun before midnight that ran past it included:
 * those are found among the visits started within the longest span of the two days before
 * (their heatmap rollups keep it), not among all of yesterday's.
 */
export async function loadTimeline(src: InsightSources): Promise<TimelineBlock[]> {
  const today = src.dayOf(src.now());
  const day = { startMs: src.startOfDay(today), endMs: src.startOfDay(addDays(today, 1)) };
  const before = await heatRollupsIn(src.db, { from: addDays(today, -2), to: addDays(today, -1) });
  const lookback = Math.min(DAY_MS, Math.max(0, ...before.map((row) => row.longestMs)));
  const [visits, open] = await Promise.all([
    visitsStartedIn(src.db, { fromMs: day.startMs - lookback, toMs: day.endMs }),
    openSpans(src, day.startMs - DAY_MS, day.endMs),
  ]);
  const spans = [...visits.map(spanOf), ...open];
  const siteOf = await src.sitesOf?.([...new Set(spans.map((s) => s.domain))]);
  return timeline(spans, day, siteOf);
}
