import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { whileBusy } from '../../components/busy.js';
import { t } from '../../components/i18n.js';
import { type Note, NoteLine } from '../../components/note.js';

export interface RetentionFieldProps {
  days: number;
  busy: boolean;
  message: Note | null;
  onSave: (days: number) => void;
}

/** How long raw visits stay locally; the background clamps the value and answers with it. */
export function RetentionField(props: RetentionFieldProps): JSX.Element {
  const [draft, setDraft] = useState(String(props.days));
  useEffect(() => setDraft(String(props.days)), [props.days]);
  return (
    <section aria-labelledby="retention-heading">
      <h2 id="retention-heading">{t('retentionHeading')}</h2>
      <form
        class="row retention"
        onSubmit={(e) => {
          e.preventDefault();
          const days = Number(draft);
          if (Number.isFinite(days)) props.onSave(days);
        }}
      >
        <label class="field">
          <span>{t('retentionLabel')}</span>
          <input
            type="number"
            min={7}
            max={3650}
            data-testid="retention-days"
            value={draft}
            onInput={(e) => setDraft(e.currentTarget.value)}
          />
        </label>
        <button type="submit" {...whileBusy(props.busy, () => undefined)}>
          {t('save')}
        </button>
      </form>
      <NoteLine note={props.message} />
    </section>
  );
}
