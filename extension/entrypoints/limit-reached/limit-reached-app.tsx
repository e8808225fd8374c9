import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { t } from '../../components/i18n.js';
import { type LimitFigure, sendMessage } from '../../messaging/protocol.js';
import { formatDuration } from '../../stats/format-duration.js';

/** The page the person asked for; only a web page is opened again. */
function webUrl(url: string | null): string | null {
  return url !== null && /^https?:\/\//i.test(url) ? url : null;
}

export interface LimitReachedViewProps {
  limit: LimitFigure | null;
  busy: boolean;
  onChoose: (choice: 'snooze' | 'openAnyway') => void;
}

/** What the person sees instead of a site they asked to be held to. */
export function LimitReachedView({ limit, busy, onChoose }: LimitReachedViewProps): JSX.Element {
  return (
    <main>
      <h1>{t('limitReachedTitle')}</h1>
      {limit === null ? (
        <p>{t('limitReachedNothing')}</p>
      ) : (
        <>
          <p
            class="limit-figures"
            data-testid="limit-reached-text"
            data-target={limit.target}
            data-used-ms={limit.usedMs}
            data-limit-ms={limit.limitMs}
          >
            {t(
              'limitReachedText',
              formatDuration(limit.usedMs),
              limit.target,
              formatDuration(limit.limitMs),
            )}
          </p>
          <div class="limit-choices">
            <button
              type="button"
              data-testid="limit-snooze"
              disabled={busy}
              onClick={() => onChoose('snooze')}
            >
              {t('limitSnoozeButton')}
            </button>
            <button
              type="button"
              class="secondary"
              data-testid="limit-open-anyway"
              disabled={busy}
              onClick={() => onChoose('openAnyway')}
            >
              {t('limitOpenAnywayButton')}
            </button>
          </div>
          <p>{t('limitReachedChoices')}</p>
        </>
      )}
    </main>
  );
}

/** Reads the limit named in the query, records the person's choice, then opens the page. */
export function LimitReachedApp({ search }: { search: string }): JSX.Element {
  const params = new URLSearchParams(search);
  const target = params.get('target') ?? '';
  const url = webUrl(params.get('url'));
  const [limit, setLimit] = useState<LimitFigure | null | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    sendMessage('getLimits').then(
      (reply) => setLimit(reply.limits.find((l) => l.target === target) ?? null),
      () => setLimit(null),
    );
  }, [target]);
  if (limit === undefined) return <main aria-busy="true" />;
  const choose = (choice: 'snooze' | 'openAnyway'): void => {
    setBusy(true);
    sendMessage('chooseAtLimit', { target, choice }).then(
      () => {
        if (url !== null) location.replace(url);
      },
      () => setBusy(false),
    );
  };
  return <LimitReachedView limit={limit} busy={busy} onChoose={choose} />;
}
