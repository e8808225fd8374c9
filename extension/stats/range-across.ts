/**
 * A range of days across the linked browsers, as the options page's Sites, When and Categories
 * show it under "All my browsers": the summary's rows of the range, plus this browser's visits
 * the summary lacks (missingFromSummary decides, as for the popup's day), plus its open visits.
 * The summary has totals per day, domain and browser only: pages and hours stay this browser's.
 */
import {
  addDays,
  type DailyRollup,
  type DayOf,
  type DayRange,
  localDayOf,
  localStartOfDay,
  type TracksphereDb,
} from '../db/index.js';
import type { AllBrowsersReply, OpenVisitFigure } from '../messaging/protocol.js';
import { type AllBrowsersDay, missingFromSummary } from './all-browsers.js';
import type { HistoryStats } from './history-stats.js';
import { withOpenVisits } from './open-visits.js';
import { rangeStats } from './range-history.js';
import type { SiteOf } from './site-shares.js';
import { summaryCandidates } from './summary-candidates.js';

/** What missingFromSummary weighs a visit against (when the summary came, and what it holds). */
export type SummaryMarkOf = Parameters<typeof missingFromSummary>[1];

/** This browser's visits of the range's days the summary lacks, as rollup rows (day, domain). */
export async function unacknowledgedInRange(
  db: TracksphereDb,
  range: DayRange,
  mark: SummaryMarkOf,
  dayOf: DayOf = localDayOf,
  startOfDay: (day: string) => number = localStartOfDay,
): Promise<DailyRollup[]> {
  const visits = await summaryCandidates(
    db,
    { fromMs: startOfDay(range.from), toMs: startOfDay(addDays(range.to, 1)) },
    mark,
  );
  const rows = new Map<string, DailyRollup>();
  for (const visit of visits) {
    if (!missingFromSummary(visit, mark)) continue;
    const day = dayOf(visit.startedMs);
    const key = `${day} ${visit.domain}`;
    const row = rows.get(key) ?? { day, domain: visit.domain, activeMs: 0, visits: 0 };
    row.activeMs += visit.activeMs;
    row.visits += 1;
    rows.set(key, row);
  }
  return [...rows.values()];
}

export interface RangeAcross {
  /** The range's totals, days and sites across the linked browsers. */
  history: HistoryStats;
  /** Every row of the range (open visits included): the chart's category stacks read them. */
  rows: DailyRollup[];
  /** Each browser's time over the range, and when the summary is from. */
  browsers: AllBrowsersDay;
  /** Per site (as the table lists them): each browser's time, by device id. */
  siteBrowsers: Record<string, Record<string, number>>;
}

/** The range across the linked browsers; null without a summary covering it. */
export function rangeAcross(
  reply: AllBrowsersReply,
  range: DayRange,
  unacknowledged: readonly DailyRollup[],
  open: readonly OpenVisitFigure[],
  siteOf?: SiteOf,
  dayOf: DayOf = localDayOf,
): RangeAcross | null {
  const { cached } = reply;
  if (cached === null) return null;
  const { summary } = cached;
  const served = summary.rows.filter((row) => row.date >= range.from && row.date <= range.to);
  const summed: DailyRollup[] = [
    ...served.map((row) => ({
      day: row.date,
      domain: row.domain,
      activeMs: row.activeMs,
      visits: row.visits,
    })),
    ...unacknowledged,
  ];
  const rows = withOpenVisits(summed, open, range, dayOf);
  const history = rangeStats(range, rows, rows, siteOf);
  const sum = (list: readonly { activeMs: number }[]): number =>
    list.reduce((total, row) => total + row.activeMs, 0);
  const ownExtra = sum(rows) - sum(summed) + sum(unacknowledged);
  const byBrowser = summary.devices.map((device) => {
    const mine = device.thisDevice || device.id === reply.deviceId;
    const ms = sum(served.filter((row) => row.deviceId === device.id));
    return { device, activeMs: ms + (mine ? ownExtra : 0) };
  });
  const me = summary.devices.find((d) => d.thisDevice)?.id ?? reply.deviceId ?? '';
  const own = [...unacknowledged, ...rows.slice(summed.length)];
  const siteBrowsers: Record<string, Record<string, number>> = {};
  const credit = (host: string, device: string, ms: number): void => {
    const site = siteOf?.(host) ?? host;
    const split = siteBrowsers[site] ?? {};
    split[device] = (split[device] ?? 0) + ms;
    siteBrowsers[site] = split;
  };
  for (const row of served) credit(row.domain, row.deviceId, row.activeMs);
  for (const row of own) credit(row.domain, me, row.activeMs);
  return {
    history,
    rows,
    browsers: { rows: summed, byBrowser, asOf: cached.fetchedAt },
    siteBrowsers,
  };
}
