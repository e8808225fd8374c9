import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { whileBusy } from '../../components/busy.js';
import { t } from '../../components/i18n.js';
// The module itself: the privacy index would bring the public-suffix list into the page.
import { isSiteEntry } from '../../privacy/site-entry.js';

export interface SiteListEditorProps {
  /** Prefix of the data-testid of its parts (e.g. "paused-sites"). */
  testId: string;
  sites: readonly string[];
  emptyText: string;
  busy: boolean;
  onAdd: (site: string) => void;
  onRemove: (site: string) => void;
}

/** A list of site keys with remove buttons and an add field (paused sites, allowlist). */
export function SiteListEditor(props: SiteListEditorProps): JSX.Element {
  const [draft, setDraft] = useState('');
  /** What is wrong with the entry last submitted; cleared as the person edits it. */
  const [problem, setProblem] = useState<string | null>(null);
  const problemId = `${props.testId}-problem`;
  const [removing, setRemoving] = useState<{ site: string; index: number } | null>(null);
  const list = useRef<HTMLUListElement>(null);
  const field = useRef<HTMLInputElement>(null);

  // The removed row takes its button, and the keyboard focus, with it: the focus goes to the
  // row now in its place (or the last one, or the field when the list is empty).
  useEffect(() => {
    if (removing === null || props.sites.includes(removing.site)) return;
    const buttons = list.current?.querySelectorAll<HTMLButtonElement>('button') ?? [];
    const next = buttons[Math.min(removing.index, buttons.length - 1)];
    (next ?? field.current)?.focus();
    setRemoving(null);
  }, [props.sites, removing]);

  return (
    <div class="site-editor" data-testid={props.testId}>
      {props.sites.length === 0 ? (
        <p class="empty">{props.emptyText}</p>
      ) : (
        <ul ref={list}>
          {props.sites.map((site, index) => (
            <li key={site} data-site={site}>
              <span>{site}</span>
              <button
                type="button"
                class="secondary"
                aria-label={t('removeSite', site)}
                {...whileBusy(props.busy, () => {
                  setRemoving({ site, index });
                  props.onRemove(site);
                })}
              >
                {t('remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          const site = draft.trim();
          if (site === '') return;
          if (!isSiteEntry(site)) {
            setProblem(t('siteEntryInvalid', site));
            return;
          }
          props.onAdd(site);
          setDraft('');
        }}
      >
        <label class="field">
          <span>{t('siteInputLabel')}</span>
          <input
            type="text"
            ref={field}
            data-testid={`${props.testId}-input`}
            value={draft}
            aria-invalid={problem !== null}
            aria-describedby={problem === null ? undefined : problemId}
            onInput={(e) => {
              setDraft(e.currentTarget.value);
              setProblem(null);
            }}
          />
        </label>
        <button type="submit" {...whileBusy(props.busy, () => undefined)}>
          {t('addSite')}
        </button>
      </form>
      {problem === null ? null : (
        <p class="error" role="alert" id={problemId} data-testid={problemId}>
          {problem}
        </p>
      )}
    </div>
  );
}
