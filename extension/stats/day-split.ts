/**
 * The options page's chart split by category: each host's active time per chart bar of a
 * range, from a window's kept split where one holds (db/split-lists.ts), else from every daily
 * rollup. Apart from category-totals.ts, which the popup imports too: the popup's bundle does
 * not carry the kept splits' reads and builds, which only the options page uses.
 */
import {
  addDays,
  type DailyRollup,
  type DayRange,
  localDayOf,
  rollupsInRange,
  type TracksphereDb,
} from '../db/index.js';
import { rangeRollups } from '../db/range-rollups.js';
import { windowSplit } from '../db/split-lists.js';
import { TAIL_SPANS, tailWindowOf } from '../db/tail-rollups.js';
import type { OpenVisitFigure } from '../messaging/protocol.js';
import type { DaySplit } from './category-totals.js';
import { barUnit, dayCount } from './date-range.js';
import { withOpenVisits } from './open-visits.js';

/**
 * Every host's rollup of every day in `range`, with the visits still open: what the stacked
 * chart labelled by category before the splits were kept (loadDaySplit reads it where none is).
 */
export async function loadDayRollups(
  db: TracksphereDb,
  range: DayRange,
  open: readonly OpenVisitFigure[] | Promise<readonly OpenVisitFigure[]> = [],
): Promise<DailyRollup[]> {
  const recorded = await rollupsInRange(db, range);
  return withOpenVisits(recorded, await open, range);
}

/**
 * A day of each chart bar of `range` (date-range.ts's chartBars: days, the 7-day spans ending
 * with its last day, or calendar months), for `day`: the bar's first day.
 */
export function barOfDay(range: DayRange): (day: string) => string {
  const unit = barUnit(dayCount(range));
  if (unit === 'day') return (day) => day;
  const inRange = (day: string) => (day < range.from ? range.from : day);
  if (unit === 'month') return (day) => inRange(`${day.slice(0, 7)}-01`);
  return (day) => {
    const back = Math.floor((dayCount({ from: day, to: range.to }) - 1) / 7) * 7;
    return inRange(addDays(range.to, -back - 6));
  };
}

/**
 * What the stacked chart labels by category (the page's table has sites only, not their days):
 * each host's active time per bar of `range` (barOfDay), with the visits still open. A range
 * as long as a range window (tail-rollups.ts) reads the window's kept split (split-lists.ts: a
 * row per bar and host) and the last day's daily rollups; any other range, or one whose window
 * is not in place, every daily rollup (loadDayRollups). The bars' figures are the same either
 * way. A range ending `today` moves its window first, as its range view does (the page's first
 * 30 days, history-stats.ts's loadHistory, have moved it already; the 12 months have not).
 */
export async function loadDaySplit(
  db: TracksphereDb,
  range: DayRange,
  open: readonly OpenVisitFigure[] | Promise<readonly OpenVisitFigure[]> = [],
  today: string = localDayOf(Date.now()),
): Promise<DaySplit> {
  const span = dayCount(range);
  const daily = async () => ({ kept: null, rows: await loadDayRollups(db, range, open) });
  if (!TAIL_SPANS.includes(span)) return daily();
  const window = tailWindowOf(span, range.to);
  const barOf = barOfDay(range);
  const split = () => windowSplit(db, span, window, barUnit(span), barOf);
  const [first, last] = await Promise.all([
    split(),
    rollupsInRange(db, { from: range.to, to: range.to }),
  ]);
  let kept = first;
  if (kept === null && range.to === today) {
    await rangeRollups(db, range);
    kept = await split();
  }
  if (kept === null) return daily();
  return { kept, rows: withOpenVisits(last, await open, range) };
}
