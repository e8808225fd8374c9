import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { t } from '../../components/i18n.js';

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
  return (
    <div class="site-editor" data-testid={props.testId}>
      {props.sites.length === 0 ? (
        <p class="empty">{props.emptyText}</p>
      ) : (
        <ul>
          {props.sites.map((site) => (
            <li key={site} data-site={site}>
              <span>{site}</span>
              <button
                type="button"
                class="secondary"
                disabled={props.busy}
                aria-label={`${t('remove')} ${site}`}
                onClick={() => props.onRemove(site)}
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
          props.onAdd(site);
          setDraft('');
        }}
      >
        <label class="field">
          <span>{t('siteInputLabel')}</span>
          <input
            type="text"
            data-testid={`${props.testId}-input`}
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={props.busy}>
          {t('addSite')}
        </button>
      </form>
    </div>
  );
}
