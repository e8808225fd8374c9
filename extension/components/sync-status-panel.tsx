import type { JSX } from 'preact';
import type { SyncStatus } from '../db/index.js';
import type { SyncSetup } from '../messaging/protocol.js';
import { formatDateTime } from '../stats/format-duration.js';
import { whileBusy } from './busy.js';
import { t, tCount } from './i18n.js';
import { type Note, NoteLine } from './note.js';
import { syncStopText } from './sync-study-info.js';

/** The visits recorded before sync was on, still only in this browser (as count-messages.ts). */
export function syncEarlierHistoryText(localVisits: number): string {
  return tCount(localVisits, { one: 'syncEarlierHistoryOne', other: 'syncEarlierHistory' });
}

export interface SyncStatusPanelProps {
  config: SyncSetup;
  /** Outbox and last attempts from the local database; null while loading. */
  status: SyncStatus | null;
  busy: boolean;
  /** The outcome of the last "sync now", already worded. */
  message: Note | null;
  onSyncNow: () => void;
  /**
   * Visits recorded while sync was off, and sending them (the person's explicit choice). Where
   * they are not given (the popup), the offer is left to the options page.
   */
  earlierCount?: number;
  onSendEarlier?: () => void;
}

/** Last success, pending count, last error and "sync now": what the person needs to trust sync. */
export function SyncStatusPanel(props: SyncStatusPanelProps): JSX.Element {
  const { config, status, busy, message, onSyncNow, onSendEarlier } = props;
  const pending = status?.pendingCount ?? 0;
  const local = props.earlierCount ?? 0;
  const stopText = syncStopText(config);
  return (
    <section
      class="sync-status"
      data-testid="sync-status"
      data-enabled={String(config.enabled)}
      aria-labelledby="sync-heading"
      // Before the outbox is read (the popup reads it after its total shows) the panel says
      // nothing of the last sync or the pending visits, rather than "never" and 0.
      aria-busy={status === null ? 'true' : undefined}
    >
      <h2 id="sync-heading">{t('syncHeading')}</h2>
      {!config.enabled ? (
        <p>{t('syncOff')}</p>
      ) : status === null ? null : (
        <p>
          {status.lastSuccessAt != null
            ? t('syncLastSuccess', formatDateTime(status.lastSuccessAt))
            : t('syncNever')}
        </p>
      )}
      {status === null ? null : (
        <p data-testid="pending-count" data-count={pending}>
          {t('syncPending', pending)}
        </p>
      )}
      {config.stopped === null ? null : (
        <p class="error" data-testid="sync-stopped" data-reason={config.stopped.code}>
          {stopText} {t('syncStoppedLocal')}
        </p>
      )}
      {status?.blocked && config.stopped === null ? <p class="error">{t('syncBlocked')}</p> : null}
      {status?.lastError && config.stopped === null ? (
        <p class="error">{t('syncLastError', status.lastError.message)}</p>
      ) : null}
      <button
        type="button"
        data-testid="sync-now"
        disabled={!config.enabled}
        {...whileBusy(busy, onSyncNow)}
      >
        {t('syncNow')}
      </button>
      {config.enabled && local > 0 && onSendEarlier !== undefined ? (
        <p data-testid="earlier-history" data-count={local}>
          {syncEarlierHistoryText(local)}{' '}
          <button
            type="button"
            class="secondary"
            data-testid="send-earlier"
            {...whileBusy(busy, onSendEarlier)}
          >
            {t('syncSendEarlier')}
          </button>
        </p>
      ) : null}
      <NoteLine note={message} />
    </section>
  );
}
