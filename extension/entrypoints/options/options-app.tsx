import type { JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  eraseServerDoneText,
  leaveStudyDoneText,
  syncEarlierQueuedText,
} from '../../components/count-messages.js';
import { downloadFile } from '../../components/download-file.js';
import { t } from '../../components/i18n.js';
import { errorNote, type Note, note } from '../../components/note.js';
import { exportVisits, exportVisitsCsv, localCount } from '../../db/index.js';
// The module itself, not the sync index: that would pull the sync client and zod into the page.
import { getSyncStatus, type SyncStatus } from '../../db/sync-status.js';
import { type SyncNowResult, sendMessage, type TrackerStatus } from '../../messaging/protocol.js';
import { retentionDaysItem } from '../../settings/index.js';
import {
  HISTORY_DAYS,
  type HistoryStats,
  loadHistory,
  loadRejected,
  localToday,
  pageDb,
  type RejectedRow,
  siteOfMap,
} from '../../stats/index.js';
import { browserSources } from '../../stats/insights.js';
import { useHistoryErase } from './erase-history.js';
import { OptionsView } from './options-view.js';
import { useCategoryControls } from './use-category-controls.js';

interface LocalData {
  history: HistoryStats;
  rejected: RejectedRow[];
  syncStatus: SyncStatus;
  retentionDays: number;
}

/** `status`: the background's, whose open visits count in today's figures (asked for when not given). */
async function loadLocalData(status?: Promise<TrackerStatus>): Promise<LocalData> {
  const db = pageDb();
  const open = (status ?? sendMessage('getStatus')).then((s) => s.openVisits);
  const [history, rejected, syncStatus, retentionDays] = await Promise.all([
    loadHistory(db, localToday(), HISTORY_DAYS, open, undefined, async (hosts) =>
      siteOfMap(await sendMessage('sitesOf', { hosts })),
    ),
    loadRejected(db),
    getSyncStatus(db),
    retentionDaysItem.getValue(),
  ]);
  return { history, rejected, syncStatus, retentionDays };
}

function messageOf(e: unknown): string {
  return t('errorPrefix', e instanceof Error ? e.message : String(e));
}

function errorOf(e: unknown): Note {
  return errorNote(messageOf(e));
}

function syncResultNote(result: SyncNowResult): Note {
  if (result.status === 'disabled') return note(t('syncOff'));
  if (result.status === 'failed') return errorNote(t('syncLastError', result.message));
  return note(t('syncDone', result.sent, result.rejected, result.pending));
}

/** The range views' reads: the page's database, the background's open visits and sites. */
const insight = browserSources(
  pageDb(),
  async () => (await sendMessage('getStatus')).openVisits,
  async (hosts) => siteOfMap(await sendMessage('sitesOf', { hosts })),
);

/** Loads the options page's data and sends every change to the background. */
export function OptionsApp(): JSX.Element {
  const [status, setStatus] = useState<TrackerStatus | null>(null);
  const [local, setLocal] = useState<LocalData | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [syncMessage, setSyncMessage] = useState<Note | null>(null);
  const [dataMessage, setDataMessage] = useState<Note | null>(null);
  const [retentionMessage, setRetentionMessage] = useState<Note | null>(null);
  const [earlierCount, setEarlierCount] = useState(0);
  const [studyMessage, setStudyMessage] = useState<Note | null>(null);

  const reloadLocal = useCallback(async (): Promise<void> => {
    setLocal(await loadLocalData());
  }, []);
  const erase = useHistoryErase(status?.sync.registered === true, reloadLocal);
  const categories = useCategoryControls();

  useEffect(() => {
    const first = sendMessage('getStatus');
    Promise.all([first, loadLocalData(first)]).then(
      ([nextStatus, nextLocal]) => {
        setStatus(nextStatus);
        setLocal(nextLocal);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);

  // Visits recorded before sync was on, counted after the page shows (and after every reload of
  // the local data): a year of history takes a while to count, and only matters with sync on.
  const syncOn = status?.sync.enabled === true;
  useEffect(() => {
    if (!syncOn || local === null) {
      setEarlierCount(0);
      return;
    }
    let current = true;
    localCount(pageDb()).then(
      (n) => {
        if (current) setEarlierCount(n);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [syncOn, local]);

  /** Runs one background call, its controls busy meanwhile; `onError` words its failure. */
  async function run<T>(
    call: () => Promise<T>,
    onError: (error: unknown) => void,
  ): Promise<T | null> {
    setBusy(true);
    try {
      return await call();
    } catch (e) {
      onError(e);
      return null;
    } finally {
      setBusy(false);
    }
  }

  const setting = (call: () => Promise<TrackerStatus>): void => {
    void run(call, (e) => setError(messageOf(e))).then((next) => {
      if (next !== null) setStatus(next);
    });
  };

  if (error !== null && (status === null || local === null)) return <p class="error">{error}</p>;
  if (status === null || local === null) return <p class="muted">{t('loading')}</p>;
  const stamp = localToday();
  return (
    <>
      {error === null ? null : (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <OptionsView
        status={status}
        history={local.history}
        rejected={local.rejected}
        onStatus={setStatus}
        erase={erase}
        categories={categories}
        today={stamp}
        insight={insight}
        tracking={{
          busy,
          onConsent: (consent) => setting(() => sendMessage('setConsent', { consent })),
          onPauseAll: (paused) => setting(() => sendMessage('setPausedAll', { paused })),
          onPauseSite: (site) => setting(() => sendMessage('pauseSite', { site })),
          onResumeSite: (site) => setting(() => sendMessage('resumeSite', { site })),
          onAllowlist: (allowlistOnly, sites) =>
            setting(() => sendMessage('setAllowlist', { allowlistOnly, sites })),
          onLevel: (level) => setting(() => sendMessage('setPrivacyLevel', { level })),
          onToolbarBadge: (enabled) => setting(() => sendMessage('setToolbarBadge', { enabled })),
        }}
        retention={{
          days: local.retentionDays,
          busy,
          message: retentionMessage,
          onSave: (days) =>
            void run(
              () => sendMessage('setRetentionDays', { days }),
              (e) => setRetentionMessage(errorOf(e)),
            ).then((saved) => {
              if (saved === null) return;
              setLocal({ ...local, retentionDays: saved.retentionDays });
              setRetentionMessage(note(t('saved')));
            }),
        }}
        sync={{
          status: local.syncStatus,
          busy,
          message: syncMessage,
          onSyncNow: () =>
            void run(
              () => sendMessage('syncNow'),
              (e) => setSyncMessage(errorOf(e)),
            ).then(async (result) => {
              if (result !== null) setSyncMessage(syncResultNote(result));
              await reloadLocal();
            }),
          earlierCount,
          onSendEarlier: () =>
            void run(
              () => sendMessage('sendEarlierHistory'),
              (e) => setSyncMessage(errorOf(e)),
            ).then(async (result) => {
              if (result !== null) setSyncMessage(note(syncEarlierQueuedText(result.queued)));
              await reloadLocal();
            }),
        }}
        study={{
          busy,
          message: studyMessage,
          onLeave: () => {
            if (!window.confirm(t('leaveStudyConfirm'))) return;
            void run(
              () => sendMessage('leaveStudy'),
              (e) => setStudyMessage(errorOf(e)),
            ).then(async (done) => {
              if (done === null) return;
              setStudyMessage(note(leaveStudyDoneText(done.deletedVisits)));
              setStatus(await sendMessage('getStatus'));
              await reloadLocal();
            });
          },
        }}
        data={{
          busy,
          message: dataMessage,
          onImported: reloadLocal,
          onExportJson: () =>
            void exportVisits(pageDb()).then(
              (visits) =>
                downloadFile(
                  `tracksphere-${stamp}.json`,
                  JSON.stringify(visits, null, 2),
                  'application/json',
                ),
              (e: unknown) => setDataMessage(errorOf(e)),
            ),
          onExportCsv: () =>
            void exportVisitsCsv(pageDb()).then(
              (csv) => downloadFile(`tracksphere-${stamp}.csv`, csv, 'text/csv'),
              (e: unknown) => setDataMessage(errorOf(e)),
            ),
          onDeleteLocal: () => {
            if (!window.confirm(t('deleteLocalConfirm'))) return;
            void run(
              () => sendMessage('eraseLocalData'),
              (e) => setDataMessage(errorOf(e)),
            ).then(async (done) => {
              if (done === null) return;
              setDataMessage(note(t('deleteLocalDone')));
              await reloadLocal();
            });
          },
          onEraseServer: () => {
            if (!window.confirm(t('eraseServerConfirm'))) return;
            void run(
              () => sendMessage('eraseServerData'),
              (e) => setDataMessage(errorOf(e)),
            ).then(async (done) => {
              if (done === null) return;
              setDataMessage(note(eraseServerDoneText(done.deletedVisits)));
              setStatus(await sendMessage('getStatus'));
            });
          },
        }}
      />
    </>
  );
}
