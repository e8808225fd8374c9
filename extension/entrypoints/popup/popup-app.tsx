import type { JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { t } from '../../components/i18n.js';
import { type SyncNowResult, sendMessage, type TrackerStatus } from '../../messaging/protocol.js';
import { loadPopupStats, localToday, type PopupStats, pageDb } from '../../stats/index.js';
// The module itself, not the sync index: that would pull the sync client and zod into the page.
import { getSyncStatus, type SyncStatus } from '../../sync/sync-status.js';
import { PopupView } from './popup-view.js';

function syncResultText(result: SyncNowResult): string {
  if (result.status === 'disabled') return t('syncOff');
  if (result.status === 'failed') return t('syncLastError', result.message);
  return t('syncDone', result.sent, result.rejected, result.pending);
}

/** Loads the popup's data (rollups from the local db, status from the background) and wires its buttons. */
export function PopupApp(): JSX.Element {
  const [stats, setStats] = useState<PopupStats | null>(null);
  const [status, setStatus] = useState<TrackerStatus | null>(null);
  const [syncStatus, setSyncStatus] = useState<SyncStatus | null>(null);
  const [busy, setBusy] = useState(false);
  const [syncMessage, setSyncMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async (): Promise<void> => {
    try {
      const db = pageDb();
      const [nextStats, nextStatus, nextSync] = await Promise.all([
        loadPopupStats(db, localToday()),
        sendMessage('getStatus'),
        getSyncStatus(db),
      ]);
      setStats(nextStats);
      setStatus(nextStatus);
      setSyncStatus(nextSync);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  async function act(run: () => Promise<TrackerStatus>): Promise<void> {
    setBusy(true);
    try {
      setStatus(await run());
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  async function syncNow(): Promise<void> {
    setBusy(true);
    setSyncMessage(null);
    try {
      setSyncMessage(syncResultText(await sendMessage('syncNow')));
      setSyncStatus(await getSyncStatus(pageDb()));
      setStats(await loadPopupStats(pageDb(), localToday()));
    } catch (e) {
      setSyncMessage(t('errorPrefix', e instanceof Error ? e.message : String(e)));
    } finally {
      setBusy(false);
    }
  }

  if (error !== null) return <p class="error">{t('errorPrefix', error)}</p>;
  if (stats === null || status === null) return <p class="muted">{t('loading')}</p>;
  return (
    <PopupView
      stats={stats}
      status={status}
      welcomeUrl={browser.runtime.getURL('/welcome.html')}
      optionsUrl={browser.runtime.getURL('/options.html')}
      site={{
        busy,
        onToggleSite: (site, paused) =>
          void act(() => sendMessage(paused ? 'pauseSite' : 'resumeSite', { site })),
        onPauseAll: (paused) => void act(() => sendMessage('setPausedAll', { paused })),
      }}
      sync={{ status: syncStatus, busy, message: syncMessage, onSyncNow: () => void syncNow() }}
    />
  );
}
