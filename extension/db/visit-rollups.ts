/**
 * The rollups the range views read instead of raw visits (schema version 5): the heatmap's
 * active time by quarter hour per local day, and each host's pages per local day. Both are
 * exactly what the stored visits add up to, so taking a visit out leaves what the others put
 * in: the views show the same figures as when they summed the visits, from a row a day.
 * Pure functions here; rollup-upkeep.ts applies them wherever visits change.
 */
import type { Transaction } from 'dexie';
import type { DayOf } from './day.js';

/**
 * Quarter hours: every time zone's offset is a whole number of them, so each quarter hour
 * lies within one local hour, whatever zone the heatmap is read in.
 */
export const QUARTER_MS = 900_000;

/** Active time of the visits started on one local day, by quarter hour. */
export interface HeatRollup {
  /** 'YYYY-MM-DD', the local date of the visits' start, as in DailyRollup. */
  day: string;
  /** The day's visits stored. */
  visits: number;
  /** Active ms by quarter hour since the epoch (Math.floor(ms / QUARTER_MS)); no zero entries. */
  quarters: Record<string, number>;
  /**
   * At least the longest span (end minus start) of the day's visits: how far before midnight
   * today's timeline reads for the visits that ran past it. Erasing never lowers it.
   */
  longestMs: number;
}

/** One page's figures in a PageRollup. */
export interface PageCell {
  host: string;
  /** Path, and query where the privacy level kept it. */
  path: string;
  activeMs: number;
  visits: number;
  /** The title of the latest visit (by start) that kept one; null when none did. */
  title: string | null;
  /** That visit's startedMs (0 without a title). */
  titleAt: number;
}

/**
 * The pages of one host on one local day. Like the visits it comes from, it is kept only as
 * long as they are (local retention): it holds addresses.
 */
export interface PageRollup {
  domain: string;
  day: string;
  /** By host + path. */
  pages: Record<string, PageCell>;
  /** Visits recorded without an address (the `domain` level). */
  withoutAddress: { activeMs: number; visits: number };
}

/** What the rollups need of a stored visit. */
export interface RollupVisit {
  domain: string;
  url: string | null;
  title: string | null;
  startedMs: number;
  endedAt: string;
  activeMs: number;
}

/** The host and the address after it (path, and query where kept); null without an address. */
export function pathOf(url: string | null): { host: string; path: string } | null {
  if (url === null) return null;
  try {
    const parsed = new URL(url);
    return { host: parsed.hostname, path: parsed.pathname + parsed.search };
  } catch {
    return null;
  }
}

/**
 * The visit's active time by quarter hour, in proportion to the part of its span in each, in
 * whole ms that add up to its active time (the ms left by rounding down go to the largest
 * remainders, first quarter first on ties). A visit with no length keeps it all at its start.
 */
export function quarterShares(
  startMs: number,
  endMs: number,
  activeMs: number,
): [number, number][] {
  const length = endMs - startMs;
  if (!(length > 0)) return [[Math.floor(startMs / QUARTER_MS), activeMs]];
  const shares: { quarter: number; ms: number; rest: number }[] = [];
  let given = 0;
  for (let at = startMs; at < endMs; ) {
    const quarter = Math.floor(at / QUARTER_MS);
    const next = Math.min(endMs, (quarter + 1) * QUARTER_MS);
    const exact = (activeMs * (next - at)) / length;
    const ms = Math.floor(exact);
    given += ms;
    shares.push({ quarter, ms, rest: exact - ms });
    at = next;
  }
  const left = Math.round(activeMs - given);
  if (left > 0) {
    const order = shares.map((_, i) => i);
    order.sort((a, b) => (shares[b]?.rest ?? 0) - (shares[a]?.rest ?? 0) || a - b);
    for (let i = 0; i < left; i++) {
      const share = shares[order[i % order.length] as number];
      if (share !== undefined) share.ms += 1;
    }
  }
  return shares.map((s) => [s.quarter, s.ms]);
}

function endOf(visit: RollupVisit): number {
  return Date.parse(visit.endedAt);
}

/** Adds (sign 1) or takes out (-1) a visit; false when the row is left with no visit. */
export function applyHeat(row: HeatRollup, visit: RollupVisit, sign: 1 | -1): boolean {
  const endMs = endOf(visit);
  for (const [quarter, ms] of quarterShares(visit.startedMs, endMs, visit.activeMs)) {
    if (ms === 0) continue;
    const next = (row.quarters[quarter] ?? 0) + sign * ms;
    if (next === 0) delete row.quarters[quarter];
    else row.quarters[quarter] = next;
  }
  row.visits += sign;
  if (sign === 1 && endMs - visit.startedMs > row.longestMs) {
    row.longestMs = endMs - visit.startedMs;
  }
  return row.visits > 0;
}

export function emptyHeat(day: string): HeatRollup {
  return { day, visits: 0, quarters: {}, longestMs: 0 };
}

export function emptyPages(domain: string, day: string): PageRollup {
  return { domain, day, pages: {}, withoutAddress: { activeMs: 0, visits: 0 } };
}

/** Adds a visit to its host's pages of its day. */
export function addToPages(row: PageRollup, visit: RollupVisit): void {
  const where = pathOf(visit.url);
  if (where === null) {
    row.withoutAddress.activeMs += visit.activeMs;
    row.withoutAddress.visits += 1;
    return;
  }
  const key = where.host + where.path;
  const cell = row.pages[key] ?? { ...where, activeMs: 0, visits: 0, title: null, titleAt: 0 };
  cell.activeMs += visit.activeMs;
  cell.visits += 1;
  // The latest visit's title wins, whatever order the visits are recorded in.
  if (visit.title !== null && (cell.title === null || visit.startedMs >= cell.titleAt)) {
    cell.title = visit.title;
    cell.titleAt = visit.startedMs;
  }
  row.pages[key] = cell;
}

/** The key of a host's day in maps of PageRollup (its primary key is [domain, day]). */
export function pageKey(domain: string, day: string): string {
  return `${domain}\u0000${day}`;
}

/** The heat and page rollups of `visits`, built from nothing (one day and one host-day each). */
export function rollupsOf(
  visits: Iterable<RollupVisit>,
  dayOf: DayOf,
): { heat: Map<string, HeatRollup>; pages: Map<string, PageRollup> } {
  const heat = new Map<string, HeatRollup>();
  const pages = new Map<string, PageRollup>();
  for (const visit of visits) {
    const day = dayOf(visit.startedMs);
    const h = heat.get(day) ?? emptyHeat(day);
    applyHeat(h, visit, 1);
    heat.set(day, h);
    const key = pageKey(visit.domain, day);
    const p = pages.get(key) ?? emptyPages(visit.domain, day);
    addToPages(p, visit);
    pages.set(key, p);
  }
  return { heat, pages };
}

/** Schema version 5's upgrade: the rollups of the visits stored before it. */
export async function buildVisitRollups(tx: Transaction, dayOf: DayOf): Promise<void> {
  const visits = (await tx.table('visits').toArray()) as RollupVisit[];
  const { heat, pages } = rollupsOf(visits, dayOf);
  await tx.table('heatRollups').bulkPut([...heat.values()]);
  await tx.table('pageRollups').bulkPut([...pages.values()]);
}
