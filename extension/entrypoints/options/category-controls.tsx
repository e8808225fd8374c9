/**
 * The options page's categories: one context with the person's settings and their changes,
 * read by the history table's rows, its chart and totals (whatever range they show) and the
 * Categories section, so the sections between them need not carry it.
 */
import { createContext, type JSX } from 'preact';
import { useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { CategoryList, categoryName, categoryStacks } from '../../components/category-list.js';
import { t } from '../../components/i18n.js';
import type { Note } from '../../components/note.js';
import type { StackSegment } from '../../components/trend-chart.js';
import type { DailyRollup, DayRange } from '../../db/index.js';
import {
  BUILT_IN_CATEGORIES,
  type CategorySettings,
  categoryDays,
  categoryOf,
  categoryTotals,
  type DaySplit,
  type HistoryStats,
  type SiteBar,
} from '../../stats/index.js';

export interface CategoryControls {
  settings: CategorySettings;
  busy: boolean;
  /** What the last change did, or why it failed. */
  message: Note | null;
  /** Puts a site (registrable domain) in a category, for all its history. */
  onAssign: (site: string, category: string) => void;
  onCreate: (name: string) => void;
  onRename: (id: string, name: string) => void;
  onDelete: (id: string) => void;
  /**
   * Every host's active time per bar of the range (stats/day-split.ts's loadDaySplit: per day for a day's
   * bars), open visits included: the stacked chart's rows (the table has sites, not days).
   * Left out, the chart is not stacked.
   */
  loadDays?: ((range: DayRange) => Promise<DaySplit>) | undefined;
}

export const CategoryContext = createContext<CategoryControls | null>(null);

export function useCategories(): CategoryControls | null {
  return useContext(CategoryContext);
}

/**
 * The chart's segments for the days of `history` (re-read when it changes: another range, a
 * reload); undefined without categories, or until they are read. `given`: the rows of the
 * days, when the caller has them (all the linked browsers'), instead of this browser's.
 */
export function useDayStacks(
  history: HistoryStats,
  given?: readonly DailyRollup[],
): Record<string, StackSegment[]> | undefined {
  const controls = useCategories();
  const loadDays = controls?.loadDays;
  const [read, setRows] = useState<DaySplit | null>(null);
  const rows = given ?? read;
  useEffect(() => {
    if (loadDays === undefined || given !== undefined) return;
    let current = true;
    loadDays({ from: history.from, to: history.to }).then(
      (read) => {
        if (current) setRows(read);
      },
      // The chart stays unstacked: its totals are right without the split.
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [loadDays, history, given === undefined]);
  const settings = controls?.settings;
  // Once per read or change of categories, not on every keystroke in the table's search.
  return useMemo(
    () =>
      settings === undefined || rows === null
        ? undefined
        : categoryStacks(categoryDays(rows, settings), settings),
    [rows, settings],
  );
}

/**
 * The days' segments added up per bar (a week, a month: its first to its last day), keyed by
 * the bar's first day, each category in the days' order.
 */
export function barStacks(
  bars: readonly { from: string; to: string }[],
  days: Readonly<Record<string, readonly StackSegment[]>>,
): Record<string, StackSegment[]> {
  const stacks: Record<string, StackSegment[]> = {};
  const entries = Object.entries(days);
  for (const bar of bars) {
    const sums = new Map<string, StackSegment>();
    for (const [day, segments] of entries) {
      if (day < bar.from || day > bar.to) continue;
      for (const s of segments) {
        const sum = sums.get(s.key) ?? { ...s, activeMs: 0 };
        sum.activeMs += s.activeMs;
        sums.set(s.key, sum);
      }
    }
    stacks[bar.from] = [...sums.values()].sort((a, b) => a.colour - b.colour);
  }
  return stacks;
}

/** The range's time by category, from the very site rows the table lists. */
export function RangeCategories({ sites }: { sites: readonly SiteBar[] }): JSX.Element | null {
  const controls = useCategories();
  if (controls === null) return null;
  return (
    <section aria-labelledby="range-categories-heading" data-testid="range-categories">
      <h3 id="range-categories-heading">{t('categoriesInRange')}</h3>
      <CategoryList
        totals={categoryTotals(sites, controls.settings)}
        settings={controls.settings}
      />
    </section>
  );
}

/** A site's category, chosen from its row: built-in categories, then the person's. */
export function SiteCategorySelect({ site }: { site: string }): JSX.Element | null {
  const controls = useCategories();
  if (controls === null) return null;
  const { settings } = controls;
  const current = categoryOf(site, settings);
  return (
    <select
      data-testid="site-category"
      data-site={site}
      data-category={current}
      aria-label={t('siteCategoryLabel', site)}
      value={current}
      onChange={(e) => controls.onAssign(site, e.currentTarget.value)}
    >
      <optgroup label={t('categoryGroupBuiltIn')}>
        {BUILT_IN_CATEGORIES.map((id) => (
          <option key={id} value={id}>
            {categoryName(id, settings)}
          </option>
        ))}
      </optgroup>
      {settings.custom.length === 0 ? null : (
        <optgroup label={t('categoryGroupCustom')}>
          {settings.custom.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </optgroup>
      )}
    </select>
  );
}
