import type { JSX } from 'preact';
import { useLayoutEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { t } from '../../components/i18n.js';
import type { DayTotal } from '../../db/index.js';
// The module itself, not the sync index: that would pull the sync client and zod into the page.
import { getSyncStatus, type SyncStatus } from '../../db/sync-status.js';
import { type SyncNowResult, sendMessage, type TrackerStatus } from '../../messaging/protocol.js';
import {
  loadPopupToday,
  loadPopupWeek,
  localToday,
  type PopupToday,
  pageDb,
} from '../../stats/index.js';
import { PopupView } from './popup-view.js';

/** What the popup waits for before it shows more than its loading line. */
export interface PopupData {
  today: PopupToday;
  status: TrackerStatus;
  syncStatus: SyncStatus;
}

/**
 * Starts every read the first view needs, all at once: today's rollups first (opening the
 * database is the longest wait), then the background's status and the outbox figures.
 * The week's rollups for the trend are read after the figures show.
 */
export function loadPopupData(): Promise<PopupData> {
  const db = pageDb();
  const today = loadPopupToday(db, localToday());
  const status = sendMessage('getStatus');
  const syncStatus = getSyncStatus(db);
  return Promise.all([today, status, syncStatus]).then(([today, status, syncStatus]) => ({
    today,
    status,
    syncStatus,
  }));
}

function syncResultText(result: SyncNowResult): string {
  if (result.status === 'disabled') return t('syncOff');
  if (result.status === 'failed') return t('syncLastError', result.message);
  return t('syncDone', result.sent, result.rejected, result.pending);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Shows the popup's data (rollups from the local db, status from the background) as it
 * arrives and wires its buttons. `data` is started before the first render (main.tsx).
 */
export function PopupApp({ data }: { data: Promise<PopupData> }): JSX.Element {
  const [today, setToday] = useState<PopupToday | null>(null);
  const [week, setWeek] = useState<DayTotal[] | null>(null);
  const [status, setStatus] = useState<TrackerStatus | null>(null);
  const [syncStatus, setSyncStatus] = useState<SyncStatus | null>(null);
  const [busy, setBusy] = useState(false);
  const [syncMessage, setSyncMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  // A layout effect runs right after the first render; a plain one would wait for the next
  // frame, and the figures with it.
  useLayoutEffect(() => {
    let current = true;
    data.then(
      (loaded) => {
        if (!current) return;
        setToday(loaded.today);
        setStatus(loaded.status);
        setSyncStatus(loaded.syncStatus);
      },
      (e: unknown) => {
        if (current) setError(messageOf(e));
      },
    );
    return () => {
      current = false;
    };
  }, [data]);

  // The trend as soon as today's figures are in the page (and again when they are reloaded):
  // its read never holds them up, and starts without waiting for the next frame.
  useLayoutEffect(() => {
    if (today === null) return;
    let current = true;
    loadPopupWeek(pageDb(), today).then(
      (days) => {
        if (current) setWeek(days);
      },
      (e: unknown) => {
        if (current) setError(messageOf(e));
      },
    );
    return () => {
      current = false;
    };
  }, [today]);

  async function act(run: () => Promise<TrackerStatus>): Promise<void> {
    setBusy(true);
    try {
      setStatus(await run());
    } catch (e) {
      setError(messageOf(e));
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
      setToday(await loadPopupToday(pageDb(), localToday()));
    } catch (e) {
      setSyncMessage(t('errorPrefix', messageOf(e)));
    } finally {
      setBusy(false);
    }
  }

  if (error !== null) return <p class="error">{t('errorPrefix', error)}</p>;
  if (today === null || status === null) return <p class="muted">{t('loading')}</p>;
  return (
    <PopupView
      stats={{ ...today, week }}
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
