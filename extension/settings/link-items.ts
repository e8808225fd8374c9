import { storage } from 'wxt/utils/storage';

/**
 * Where All my browsers' summaries were cached before the extension's database took them
 * (schema version 10: Chrome's storage.local holds 10 MB, a busy year of three browsers is 22).
 */
const STORAGE_LOCAL_SUMMARY_KEYS = ['local:allBrowsersSummary', 'local:allBrowsersRanges'] as const;

/**
 * Removes the summaries storage.local kept before version 10, and their items' version marks
 * (nothing when there are none).
 */
export async function dropStorageLocalSummaries(): Promise<void> {
  await storage.removeItems(
    STORAGE_LOCAL_SUMMARY_KEYS.map((key) => ({ key, options: { removeMeta: true } })),
  );
}

/**
 * The options page's scope (this browser, or all the linked ones), one choice for all its
 * sections. Kept in storage rather than the address: the page opens from the browser's menu
 * without one, and a person who chose all their browsers expects to see them again there.
 */
export const optionsScopeItem = storage.defineItem<'this' | 'all'>('local:optionsScope', {
  fallback: 'this',
  version: 1,
});
