import { useCallback, useEffect, useState } from 'preact/hooks';
import { t } from '../../components/i18n.js';
import { errorNote, type Note, note } from '../../components/note.js';
import type { DayRange } from '../../db/index.js';
import { sendMessage } from '../../messaging/protocol.js';
import {
  type CategorySettings,
  categorySettingsItem,
  EMPTY_CATEGORY_SETTINGS,
  loadCategorySettings,
  updateCategorySettings,
} from '../../settings/category-items.js';
import { loadDaySplit } from '../../stats/day-split.js';
import {
  assignCategory,
  createCategory,
  deleteCategory,
  pageDb,
  renameCategory,
} from '../../stats/index.js';
import type { CategoryControls } from './category-controls.js';

/**
 * The person's categories for the options page: read once, followed as they change (another
 * options tab), and changed by read-modify-write of their storage item. Null until read.
 */
export function useCategoryControls(): CategoryControls | null {
  const [settings, setSettings] = useState<CategorySettings | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Note | null>(null);

  useEffect(() => {
    let current = true;
    loadCategorySettings().then(
      (read) => {
        if (current) setSettings(read);
      },
      // Without them every site shows its built-in category.
      () => current && setSettings(EMPTY_CATEGORY_SETTINGS),
    );
    const unwatch = categorySettingsItem.watch((next) => setSettings(next));
    return () => {
      current = false;
      unwatch();
    };
  }, []);

  const loadDays = useCallback(
    (range: DayRange) =>
      loadDaySplit(
        pageDb(),
        range,
        sendMessage('getStatus').then((s) => s.openVisits),
      ),
    [],
  );

  if (settings === null) return null;

  function change(update: (s: CategorySettings) => CategorySettings, saved: Note | null): void {
    setBusy(true);
    updateCategorySettings(update)
      .then(
        (next) => {
          setSettings(next);
          setMessage(saved);
        },
        (e: unknown) =>
          setMessage(errorNote(t('errorPrefix', e instanceof Error ? e.message : String(e)))),
      )
      .finally(() => setBusy(false));
  }

  return {
    settings,
    busy,
    message,
    loadDays,
    onAssign: (site, category) => change((s) => assignCategory(s, site, category), null),
    onCreate: (name) => change((s) => createCategory(s, name).settings, note(t('categorySaved'))),
    onRename: (id, name) => change((s) => renameCategory(s, id, name), note(t('categorySaved'))),
    onDelete: (id) => {
      const name = settings.custom.find((c) => c.id === id)?.name ?? id;
      if (!window.confirm(t('deleteCategoryConfirm', name))) return;
      change((s) => deleteCategory(s, id), note(t('categorySaved')));
    },
  };
}
