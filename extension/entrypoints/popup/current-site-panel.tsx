import type { JSX } from 'preact';
import { whileBusy } from '../../components/busy.js';
import { t } from '../../components/i18n.js';
import type { TrackerStatus } from '../../messaging/protocol.js';
import { formatDuration } from '../../stats/index.js';

export interface CurrentSitePanelProps {
  status: TrackerStatus;
  busy: boolean;
  onToggleSite: (site: string, paused: boolean) => void;
  onPauseAll: (paused: boolean) => void;
}

/** Why the current page is or is not recorded, in words. */
function recordingText(page: NonNullable<TrackerStatus['activePage']>): string {
  if (page.recording) return t('recordingNow', formatDuration(page.activeMs ?? 0));
  return page.reason === null ? t('reason_pending') : t(`reason_${page.reason}`);
}

/** The current site with its one-click pause, and the pause-everything switch. */
export function CurrentSitePanel(props: CurrentSitePanelProps): JSX.Element {
  const { status, busy, onToggleSite, onPauseAll } = props;
  const page = status.activePage;
  const site = page?.site ?? null;
  const sitePaused = site !== null && status.pausedSites.includes(site);
  return (
    <section class="card" aria-labelledby="this-site-heading">
      <h2 id="this-site-heading">
        {t('thisSite')}
        {site === null ? '' : `: ${site}`}
      </h2>
      {page === null || site === null ? (
        <p class="muted">{t('noWebPage')}</p>
      ) : (
        <>
          <p class="muted" data-testid="recording-state" data-recording={String(page.recording)}>
            {recordingText(page)}
          </p>
          <button
            type="button"
            class="secondary"
            data-testid="pause-site"
            data-site={site}
            aria-pressed={sitePaused}
            {...whileBusy(busy, () => onToggleSite(site, !sitePaused))}
          >
            {sitePaused ? t('resumeSite') : t('pauseSite')}
          </button>
        </>
      )}
      <label class="switch-row check">
        <span>{t('pauseAll')}</span>
        <input
          type="checkbox"
          role="switch"
          aria-checked={status.pausedAll}
          data-testid="pause-all"
          checked={status.pausedAll}
          {...whileBusy<HTMLInputElement>(busy, (e) => onPauseAll(e.currentTarget.checked))}
        />
      </label>
    </section>
  );
}
