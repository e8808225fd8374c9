/**
 * Seeded visits for the range views' tests (UTC, so days and hours are the ISO strings'):
 * ranges across a month's and a year's end, a visit across midnight and hours, a
 * privacy-level change midway, one site's two hosts.
 */
import { freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { recordFinishedVisits, type TracksphereDb } from '../db/index.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import type { InsightSources } from './insights.js';

export const MIN = 60_000;
/** "Now" in these tests: Sunday 5 January 2025, 12:00 UTC. */
export const NOW = Date.UTC(2025, 0, 5, 12);
export const TODAY = '2025-01-05';

const visit = (
  start: number,
  end: number,
  activeMs: number,
  url: string | null,
  title: string | null = null,
) =>
  makeVisit({
    at: start,
    endedAt: new Date(end).toISOString(),
    activeMs,
    url,
    domain: url === null ? 'mail.example' : new URL(url).hostname,
    title,
  });

export async function insightDb(): Promise<TracksphereDb> {
  const db = freshTestDb();
  const at = (m: number, d: number, h: number, min = 0) => Date.UTC(2024, m, d, h, min);
  await recordFinishedVisits(
    db,
    [
      // 30 November (Saturday) and 1 December (Sunday): a month's end.
      visit(at(10, 30, 9), at(10, 30, 9, 30), 20 * MIN, 'https://docs.example/a'),
      visit(at(11, 1, 9), at(11, 1, 9, 10), 10 * MIN, 'https://docs.example/b'),
      // Full level: address with its query, and the title.
      visit(
        at(11, 31, 10),
        at(11, 31, 10, 20),
        15 * MIN,
        'https://mail.example/inbox?folder=work',
        'Inbox (3)',
      ),
      // Path level from here: the path alone, no title.
      visit(at(11, 31, 14), at(11, 31, 14, 10), 6 * MIN, 'https://mail.example/inbox'),
      // From Saturday 4 January 23:30 to Sunday 1:00, 60 min active: 20 min at 23, 40 at 0.
      visit(
        Date.UTC(2025, 0, 4, 23, 30),
        Date.UTC(2025, 0, 5, 1),
        60 * MIN,
        'https://mail.example/inbox',
      ),
      // Domain level: no address.
      visit(Date.UTC(2025, 0, 5, 8), Date.UTC(2025, 0, 5, 8, 5), 4 * MIN, null),
      // One site, two hosts.
      visit(
        Date.UTC(2025, 0, 5, 9),
        Date.UTC(2025, 0, 5, 9, 10),
        9 * MIN,
        'https://www.codeharbor.io/',
      ),
      visit(
        Date.UTC(2025, 0, 5, 10),
        Date.UTC(2025, 0, 5, 10, 3),
        3 * MIN,
        'https://blog.codeharbor.io/post',
        'A post',
      ),
    ],
    { syncEnabled: false, dayOf: utcDayOf },
  );
  return db;
}

/** Open since 11:30: 25 min active so far. */
export const OPEN: OpenVisitFigure[] = [
  { domain: 'news.example', startedAt: Date.UTC(2025, 0, 5, 11, 30), activeMs: 25 * MIN },
];

const SITES: Record<string, string> = {
  'www.codeharbor.io': 'codeharbor.io',
  'blog.codeharbor.io': 'codeharbor.io',
};

export function utcSources(db: TracksphereDb, open = OPEN): InsightSources {
  return {
    db,
    open: async () => open,
    now: () => NOW,
    dayOf: utcDayOf,
    startOfDay: (day) => Date.parse(`${day}T00:00:00Z`),
    offset: () => 0,
    sitesOf: async () => (host) => SITES[host] ?? host,
  };
}
