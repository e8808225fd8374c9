/**
 * The toolbar button's badge: the current site's active time today ("12m",
 * "1h"). The MV3 worker may be stopped at any time, so nothing ticks here: the
 * badge is written again on the events that change what it shows (tab
 * switches, navigations, focus, settings) and with the checkpoint alarm, once
 * a minute.
 */
import { type DailyRollup, localDayOf, rollupsInRange, type TracksphereDb } from '../db/index.js';
import type { TrackerStatus } from '../messaging/protocol.js';
import { registrableDomain } from '../privacy/index.js';
import { toolbarBadgeItem } from '../settings/index.js';
import { coalesce } from './coalesce.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

/** The badge's few characters: "<1m", "12m", "1h", "13h". */
export function badgeText(activeMs: number): string {
  if (activeMs < MIN) return '<1m';
  if (activeMs < HOUR) return `${Math.floor(activeMs / MIN)}m`;
  return `${Math.floor(activeMs / HOUR)}h`;
}

/** Active time today on `site` (a registrable domain): recorded rows plus the open visits. */
export function siteActiveMsToday(
  site: string,
  today: string,
  recorded: readonly DailyRollup[],
  open: TrackerStatus['openVisits'],
  dayOf: (ms: number) => string = localDayOf,
): number {
  const onSite = (domain: string): boolean => registrableDomain(domain) === site;
  const done = recorded
    .filter((row) => row.day === today && onSite(row.domain))
    .reduce((sum, row) => sum + row.activeMs, 0);
  const current = open
    .filter((visit) => dayOf(visit.startedAt) === today && onSite(visit.domain))
    .reduce((sum, visit) => sum + visit.activeMs, 0);
  return done + current;
}

export interface BadgeDeps {
  db: TracksphereDb;
  now: () => number;
  status: () => Promise<TrackerStatus>;
  setBadgeText: (text: string) => Promise<void>;
  dayOf?: (ms: number) => string;
}

/** What the badge shows now: empty when it is off, before consent, or off the web. */
export async function currentBadgeText(deps: BadgeDeps): Promise<string> {
  const [enabled, status] = await Promise.all([toolbarBadgeItem.getValue(), deps.status()]);
  const site = status.activePage?.site ?? null;
  if (!enabled || !status.consent || site === null) return '';
  const dayOf = deps.dayOf ?? localDayOf;
  const today = dayOf(deps.now());
  const recorded = await rollupsInRange(deps.db, { from: today, to: today });
  return badgeText(siteActiveMsToday(site, today, recorded, status.openVisits, dayOf));
}

/**
 * Writes the badge; calls that come while one is running fold into one more
 * run after it, so a burst of events costs two reads, and the last one wins.
 */
export function createBadgeUpdater(deps: BadgeDeps): () => Promise<void> {
  return coalesce(async () => deps.setBadgeText(await currentBadgeText(deps)));
}
