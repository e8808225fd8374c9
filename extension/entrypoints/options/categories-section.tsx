import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { whileBusy } from '../../components/busy.js';
import { t } from '../../components/i18n.js';
import { errorNote, type Note, NoteLine } from '../../components/note.js';
import { MAX_CATEGORY_NAME } from '../../stats/categories.js';
import {
  type CategoryNameProblem,
  type CategorySettings,
  type CustomCategory,
  categoryNameProblem,
} from '../../stats/index.js';
import { useCategories } from './category-controls.js';

function problemText(problem: CategoryNameProblem): string {
  if (problem === 'empty') return t('categoryNameEmpty');
  if (problem === 'tooLong') return t('categoryNameTooLong', MAX_CATEGORY_NAME);
  return t('categoryNameTaken');
}

/** A category of the person's: its name to edit, Rename and Delete. */
function CustomCategoryRow({
  category,
  settings,
  busy,
  onRename,
  onDelete,
  onProblem,
}: {
  category: CustomCategory;
  settings: CategorySettings;
  busy: boolean;
  onRename: (name: string) => void;
  onDelete: () => void;
  onProblem: (note: Note) => void;
}): JSX.Element {
  const [draft, setDraft] = useState(category.name);
  return (
    <li data-testid="custom-category" data-id={category.id} data-name={category.name}>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          const problem = categoryNameProblem(settings, draft, category.id);
          if (problem !== null) onProblem(errorNote(problemText(problem)));
          else onRename(draft);
        }}
      >
        <input
          type="text"
          data-testid="category-name"
          maxLength={MAX_CATEGORY_NAME}
          aria-label={t('categoryNameLabel', category.name)}
          value={draft}
          onInput={(e) => setDraft(e.currentTarget.value)}
        />
        <button
          type="submit"
          class="secondary"
          aria-label={t('renameCategoryLabel', category.name)}
          {...whileBusy(busy, () => undefined)}
        >
          {t('renameCategory')}
        </button>
        <button
          type="button"
          class="danger"
          data-testid="delete-category"
          aria-label={t('deleteCategoryLabel', category.name)}
          {...whileBusy(busy, onDelete)}
        >
          {t('deleteCategory')}
        </button>
      </form>
    </li>
  );
}

/** Where the person makes, renames and deletes their own categories. */
export function CategoriesSection(): JSX.Element | null {
  const controls = useCategories();
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<Note | null>(null);
  const list = useRef<HTMLUListElement>(null);
  const newName = useRef<HTMLInputElement>(null);
  /** The category whose Delete was pressed last, and its place in the list. */
  const deleting = useRef<{ id: string; at: number } | null>(null);
  const custom = controls?.settings.custom;
  useEffect(() => {
    const gone = deleting.current;
    if (gone === null || custom === undefined || custom.some((c) => c.id === gone.id)) return;
    deleting.current = null;
    // Its row went with the focused Delete, which drops the focus to the page. It goes to the
    // Delete now in that place (the next category's), the one before after the last, or the
    // new category's name when none is left. Not when the person has moved on in the meantime.
    const active = document.activeElement;
    if (active !== null && active !== document.body) return;
    const buttons = list.current?.querySelectorAll<HTMLElement>('[data-testid="delete-category"]');
    const next = buttons?.[gone.at] ?? buttons?.[gone.at - 1] ?? newName.current;
    next?.focus();
  }, [custom]);
  if (controls === null) return null;
  const { settings, busy } = controls;
  return (
    <section aria-labelledby="categories-heading" data-testid="categories-section">
      <h2 id="categories-heading">{t('categoriesEditHeading')}</h2>
      <p class="muted">{t('categoriesHelp')}</p>
      {settings.custom.length === 0 ? (
        <p class="empty">{t('noCustomCategories')}</p>
      ) : (
        <ul class="custom-categories" ref={list}>
          {settings.custom.map((c, at) => (
            <CustomCategoryRow
              // The name in the key: a rename from elsewhere shows in the field.
              key={`${c.id}:${c.name}`}
              category={c}
              settings={settings}
              busy={busy}
              onRename={(name) => {
                setProblem(null);
                controls.onRename(c.id, name);
              }}
              onDelete={() => {
                setProblem(null);
                deleting.current = { id: c.id, at };
                controls.onDelete(c.id);
              }}
              onProblem={setProblem}
            />
          ))}
        </ul>
      )}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          const found = categoryNameProblem(settings, draft);
          if (found !== null) {
            setProblem(errorNote(problemText(found)));
            return;
          }
          setProblem(null);
          controls.onCreate(draft);
          setDraft('');
        }}
      >
        <label class="field">
          <span>{t('newCategoryLabel')}</span>
          <input
            type="text"
            data-testid="new-category-input"
            ref={newName}
            maxLength={MAX_CATEGORY_NAME}
            value={draft}
            onInput={(e) => {
              setDraft(e.currentTarget.value);
              setProblem(null);
            }}
          />
        </label>
        <button type="submit" data-testid="create-category" {...whileBusy(busy, () => undefined)}>
          {t('createCategory')}
        </button>
      </form>
      <NoteLine note={problem ?? controls.message} testId="category-message" />
    </section>
  );
}
