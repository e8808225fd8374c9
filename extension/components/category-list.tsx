import type { JSX } from 'preact';
import {
  allCategories,
  BUILT_IN_CATEGORIES,
  type BuiltInCategory,
  type CategorySegment,
  type CategorySettings,
  type CategoryTotal,
  formatDuration,
} from '../stats/index.js';
import './categories.css';
import { type MessageKey, t } from './i18n.js';
import { ShareBar } from './share-bar.js';
import type { StackSegment } from './trend-chart.js';

/** Colours there are (categories.css); the person's categories past them share colours. */
const COLOURS = 16;

const BUILT_IN_NAMES: Record<BuiltInCategory, MessageKey> = {
  work: 'category_work',
  communication: 'category_communication',
  social: 'category_social',
  news: 'category_news',
  video: 'category_video',
  shopping: 'category_shopping',
  reference: 'category_reference',
  development: 'category_development',
  entertainment: 'category_entertainment',
  other: 'category_other',
};

/** A category's name as the person reads it: translated when built in, their own text if theirs. */
export function categoryName(id: string, settings: CategorySettings): string {
  if ((BUILT_IN_CATEGORIES as readonly string[]).includes(id))
    return t(BUILT_IN_NAMES[id as BuiltInCategory]);
  return settings.custom.find((c) => c.id === id)?.name ?? id;
}

/** The colour (0..15) of a category: fixed by its place, so it is the same on every view. */
export function categoryColour(id: string, settings: CategorySettings): number {
  return Math.max(0, allCategories(settings).indexOf(id)) % COLOURS;
}

/** Each day's categories as the trend chart's segments. */
export function categoryStacks(
  days: Readonly<Record<string, readonly CategorySegment[]>>,
  settings: CategorySettings,
): Record<string, StackSegment[]> {
  const stacks: Record<string, StackSegment[]> = {};
  for (const [day, segments] of Object.entries(days))
    stacks[day] = segments.map((s) => ({
      key: s.category,
      label: categoryName(s.category, settings),
      activeMs: s.activeMs,
      colour: categoryColour(s.category, settings),
    }));
  return stacks;
}

/** Time per category with a bar in the category's colour; each row carries its exact figures. */
export function CategoryList({
  totals,
  settings,
}: {
  totals: readonly CategoryTotal[];
  settings: CategorySettings;
}): JSX.Element {
  if (totals.length === 0) return <p class="empty">{t('noVisitsYet')}</p>;
  const max = totals.reduce((m, c) => Math.max(m, c.activeMs), 0);
  return (
    <ul class="category-list">
      {totals.map((c) => (
        <li
          key={c.category}
          class={`cat-${categoryColour(c.category, settings)}`}
          data-testid="category-row"
          data-category={c.category}
          data-active-ms={c.activeMs}
          data-visits={c.visits}
        >
          <div class="site-line">
            <span class="site-domain">
              <span class="category-swatch" aria-hidden="true" />
              {categoryName(c.category, settings)}
            </span>
            <span class="site-time">{formatDuration(c.activeMs)}</span>
          </div>
          <ShareBar share={max === 0 ? 0 : c.activeMs / max} />
        </li>
      ))}
    </ul>
  );
}
