/**
 * Categories of sites: the built-in list (category-domains.json) under the person's own choices
 * (settings/category-items.ts). Pure: every figure is labelled when it is read, so a change
 * relabels all of history at once and no stored rollup or visit is ever rewritten.
 */
import type { CategorySettings } from '../settings/category-items.js';
import list from './category-domains.json' with { type: 'json' };

export type { CategorySettings, CustomCategory } from '../settings/category-items.js';

export const BUILT_IN_CATEGORIES = [
  'work',
  'communication',
  'social',
  'news',
  'video',
  'shopping',
  'reference',
  'development',
  'entertainment',
  'other',
] as const;
export type BuiltInCategory = (typeof BUILT_IN_CATEGORIES)[number];

/** Where a site neither the list nor the person names goes. */
export const FALLBACK_CATEGORY: BuiltInCategory = 'other';
export const CUSTOM_PREFIX = 'custom:';
export const MAX_CATEGORY_NAME = 40;

const BUILT_IN = new Map<string, BuiltInCategory>();
for (const category of BUILT_IN_CATEGORIES)
  for (const domain of list.categories[category]) BUILT_IN.set(domain, category);

/** The built-in list as [domain, category] pairs (its tests check every one). */
export function builtInEntries(): [string, BuiltInCategory][] {
  return [...BUILT_IN.entries()];
}

/**
 * `host` and each name it sits under, most specific first: "a.b.example.com", "b.example.com",
 * "example.com", "com". The list and the person's choices are keyed by registrable domain, so
 * a subdomain takes its site's category without the public-suffix list the pages do not carry.
 */
function namesUnder(host: string): string[] {
  const labels = host.trim().toLowerCase().replace(/\.$/, '').split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

function isBuiltIn(id: string): id is BuiltInCategory {
  return (BUILT_IN_CATEGORIES as readonly string[]).includes(id);
}

/** Whether `id` is a category the person can pick now (built-in, or one of theirs). */
export function isCategory(id: string, settings: CategorySettings): boolean {
  return isBuiltIn(id) || settings.custom.some((c) => c.id === id);
}

/** The list's category of a site or host; FALLBACK_CATEGORY when the list does not have it. */
export function builtInCategoryOf(domain: string): BuiltInCategory {
  for (const name of namesUnder(domain)) {
    const found = BUILT_IN.get(name);
    if (found !== undefined) return found;
  }
  return FALLBACK_CATEGORY;
}

/**
 * The category id of a site or host ('video', 'custom:3'): the person's choice for it (or for
 * the site it is under) when they made one, else the built-in list's.
 */
export function categoryOf(domain: string, settings: CategorySettings): string {
  for (const name of namesUnder(domain)) {
    const chosen = settings.overrides[name];
    if (chosen !== undefined && isCategory(chosen, settings)) return chosen;
  }
  return builtInCategoryOf(domain);
}

/** Every category in a fixed order (built-in, then the person's): charts stack in this order. */
export function allCategories(settings: CategorySettings): string[] {
  return [...BUILT_IN_CATEGORIES, ...settings.custom.map((c) => c.id)];
}

/** Puts `site` in `category`; back in its built-in category, the site follows the list again. */
export function assignCategory(
  settings: CategorySettings,
  site: string,
  category: string,
): CategorySettings {
  if (!isCategory(category, settings)) throw new Error(`No category ${category}`);
  const key = site.trim().toLowerCase();
  const { [key]: _previous, ...others } = settings.overrides;
  const overrides = category === builtInCategoryOf(key) ? others : { ...others, [key]: category };
  return { ...settings, overrides };
}

export type CategoryNameProblem = 'empty' | 'tooLong' | 'taken';

/** What is wrong with `name` for a category (`except`: the one being renamed); null: nothing. */
export function categoryNameProblem(
  settings: CategorySettings,
  name: string,
  except?: string,
): CategoryNameProblem | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'empty';
  if (trimmed.length > MAX_CATEGORY_NAME) return 'tooLong';
  const lower = trimmed.toLowerCase();
  return settings.custom.some((c) => c.id !== except && c.name.toLowerCase() === lower)
    ? 'taken'
    : null;
}

function checkedName(settings: CategorySettings, name: string, except?: string): string {
  const problem = categoryNameProblem(settings, name, except);
  if (problem !== null) throw new Error(`Category name ${problem}: ${name}`);
  return name.trim();
}

/** A new category named `name`, with the first id not in use. */
export function createCategory(
  settings: CategorySettings,
  name: string,
): { settings: CategorySettings; id: string } {
  const used = new Set(settings.custom.map((c) => c.id));
  let n = 1;
  while (used.has(`${CUSTOM_PREFIX}${n}`)) n++;
  const id = `${CUSTOM_PREFIX}${n}`;
  const custom = [...settings.custom, { id, name: checkedName(settings, name) }];
  return { settings: { ...settings, custom }, id };
}

/** Renames a category of the person's; its sites stay in it (they are kept by id). */
export function renameCategory(
  settings: CategorySettings,
  id: string,
  name: string,
): CategorySettings {
  const newName = checkedName(settings, name, id);
  if (!settings.custom.some((c) => c.id === id)) throw new Error(`No category ${id}`);
  return {
    ...settings,
    custom: settings.custom.map((c) => (c.id === id ? { ...c, name: newName } : c)),
  };
}

/** Deletes a category of the person's; its sites go back to their built-in categories. */
export function deleteCategory(settings: CategorySettings, id: string): CategorySettings {
  return {
    custom: settings.custom.filter((c) => c.id !== id),
    overrides: Object.fromEntries(
      Object.entries(settings.overrides).filter(([, category]) => category !== id),
    ),
  };
}
