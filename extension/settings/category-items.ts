/**
 * The person's categories (stats/categories.ts): their own categories and the sites they moved
 * to another category. One storage.local item, so a change is one write (STYLE.md convention 4);
 * it never travels with the browser account (storage.sync), as no setting does.
 *
 * Pages read and write it directly: nothing in the background acts at the moment it changes
 * (figures are labelled when they are read), and whatever needs it later reads it with
 * loadCategorySettings or watches the item.
 */
import { storage } from 'wxt/utils/storage';

/** A category the person made; `id` is stable, so renaming keeps its sites. */
export interface CustomCategory {
  id: string;
  name: string;
}

export interface CategorySettings {
  /** In the order the person made them. */
  custom: CustomCategory[];
  /**
   * Site (registrable domain, as the site rows name it) to category id ('video',
   * 'custom:<id>'): the person's choice, over the built-in list.
   */
  overrides: Record<string, string>;
}

export const EMPTY_CATEGORY_SETTINGS: CategorySettings = { custom: [], overrides: {} };

export const categorySettingsItem = storage.defineItem<CategorySettings>('local:categories', {
  fallback: EMPTY_CATEGORY_SETTINGS,
  version: 1,
});

/** The person's categories as stored now. */
export function loadCategorySettings(): Promise<CategorySettings> {
  return categorySettingsItem.getValue();
}

/**
 * Reads, changes and writes the settings; answers what was written. `change` is one of the
 * pure functions of stats/categories.ts.
 */
export async function updateCategorySettings(
  change: (settings: CategorySettings) => CategorySettings,
): Promise<CategorySettings> {
  const next = change(await categorySettingsItem.getValue());
  await categorySettingsItem.setValue(next);
  return next;
}
