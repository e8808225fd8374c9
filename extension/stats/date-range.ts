/**
 * The options page's ranges: the presets, a custom range's checks, and the
 * chart's bars (days, weeks or months, so a year reads as 13 bars, not 365).
 */
import { addDays, type DayRange, type DayTotal } from '../db/index.js';

export const RANGE_CHOICES = ['today', '7d', '30d', '90d', '365d', 'custom'] as const;
export type RangeChoice = (typeof RANGE_CHOICES)[number];
export type PresetChoice = Exclude<RangeChoice, 'custom'>;

const PRESET_DAYS: Record<PresetChoice, number> = {
  today: 1,
  '7d': 7,
  '30d': 30,
  '90d': 90,
  '365d': 365,
};

/** The preset's days ending with today. */
export function presetRange(choice: PresetChoice, today: string): DayRange {
  return { from: addDays(today, -(PRESET_DAYS[choice] - 1)), to: today };
}

const DAY_FORM = /^\d{4}-\d{2}-\d{2}$/;

export type CustomRangeProblem = 'missing' | 'reversed' | 'future';

/** A custom range from the two date inputs, or what is wrong with it. */
export function customRange(
  from: string,
  to: string,
  today: string,
): DayRange | { problem: CustomRangeProblem } {
  if (!DAY_FORM.test(from) || !DAY_FORM.test(to)) return { problem: 'missing' };
  if (from > to) return { problem: 'reversed' };
  if (to > today) return { problem: 'future' };
  return { from, to };
}

/** How many days the range has, both ends included. */
export function dayCount(range: DayRange): number {
  return (
    Math.round(
      (Date.parse(`${range.to}T00:00Z`) - Date.parse(`${range.from}T00:00Z`)) / 86_400_000,
    ) + 1
  );
}

/**
 * Whether the range starts before the raw visits kept (the retention setting): its pages and
 * hours then cover only the kept days, while its totals (the rollups) cover all of it.
 */
export function passesRetention(range: DayRange, today: string, retentionDays: number): boolean {
  return range.from < addDays(today, -(retentionDays - 1));
}

export type BarUnit = 'day' | 'week' | 'month';

/** Days up to a month, weeks up to half a year, months beyond. */
export function barUnit(days: number): BarUnit {
  if (days <= 31) return 'day';
  if (days <= 186) return 'week';
  return 'month';
}

/** One bar of the chart: its first and last day, and the totals of the days between. */
export interface ChartBar {
  from: string;
  to: string;
  activeMs: number;
  visits: number;
}

/**
 * The days (oldest first) as bars of `unit`: weeks are the 7-day spans ending with the last day
 * (so the latest bar is a whole week; the first may be shorter), months are calendar months.
 */
export function chartBars(days: readonly DayTotal[], unit: BarUnit): ChartBar[] {
  const bars: ChartBar[] = [];
  const last = days.length - 1;
  let current: ChartBar | null = null;
  let currentKey = '';
  days.forEach((d, i) => {
    const key =
      unit === 'day'
        ? d.day
        : unit === 'month'
          ? d.day.slice(0, 7)
          : String(Math.floor((last - i) / 7));
    if (current === null || key !== currentKey) {
      current = { from: d.day, to: d.day, activeMs: 0, visits: 0 };
      currentKey = key;
      bars.push(current);
    }
    current.to = d.day;
    current.activeMs += d.activeMs;
    current.visits += d.visits;
  });
  return bars;
}
