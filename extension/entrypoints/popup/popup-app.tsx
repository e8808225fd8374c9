import type { JSX } from 'preact';
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { categoryStacks } from '../../components/category-list.js';
import { t } from '../../components/i18n.js';
import { errorNote, type Note, note } from '../../components/note.js';
import { scopedToday } from '../../components/scoped-today.js';
import { useAllBrowsers } from '../../components/use-all-browsers.js';
import { useKeptScope } from '../../components/use-kept-scope.js';
import type { DailyRollup, DayTotal } from '../../db/index.js';
// The module itself, not the sync index: that would pull the sync client and zod into the page.
import { getSyncStatus, type SyncStatus } from '../../db/sync-status.js';
import { type SyncNowResult, sendMessage, type TrackerStatus } from '../../messaging/protocol.js';
import { categorySettingsItem, loadCategorySettings } from '../../settings/category-items.js';
import {
  type CategorySettings,
  categoryDays,
  loadTrendBeforeWithRows,
  localToday,
  pageDb,
  todayRollups,
  withOpenVisits,
} from '../../stats/index.js';
import { PopupView } from './popup-view.js';

/** How often the open popup reads the figures again: the current site's time counts up by the second. */
export const POPUP_REFRESH_MS = 1_000;

/** Today's figures as recorded, and the background's status with the visits still open. */
export interface PopupFigures {
  day: string;
  recorded: DailyRollup[];
  status: TrackerStatus;
}

/** The figures with the site of each host shown (sitesOf); null until the background answers. */
export interface PopupNow extends PopupFigures {
  sites: Record<string, string> | null;
}

/** Sites of the hosts asked about so far: a host's site never changes while the popup is open. */
const knownSites: Record<string, string> = {};

/** The sites of `hosts`, asking the background only about hosts not seen before. */
async function sitesOf(hosts: Iterable<string>): Promise<Record<string, string>> {
  const unknown = [...new Set(hosts)].filter((host) => !(host in knownSites));
  if (unknown.length > 0)
    Object.assign(knownSites, await sendMessage('sitesOf', { hosts: unknown }));
  return { ...knownSites };
}

/**
 * Today's rollups, then the status: a visit that ends between the two reads is missing
 * until the next refresh, never counted twice.
 */
function loadFigures(): Promise<PopupFigures> {
  const day = localToday();
  const recorded = todayRollups(pageDb(), day);
  const status = sendMessage('getStatus');
  return Promise.all([recorded, status]).then(([recorded, status]) => ({ day, recorded, status }));
}

/** The figures with the sites of their hosts. */
async function withSites(figures: PopupFigures): Promise<PopupNow> {
  const hosts = [...figures.recorded, ...figures.status.openVisits].map((row) => row.domain);
  return { ...figures, sites: await sitesOf(hosts) };
}

/** Today's figures and their sites together: what each refresh shows at once. */
function loadPopupNow(): Promise<PopupNow> {
  return loadFigures().then(withSites);
}

/** The popup's first reads, each shown as it arrives. */
export interface PopupData {
  /** Today's rollups and the status: today's total waits for these alone. */
  figures: Promise<PopupFigures>;
  /** The same figures with their sites: the top sites wait for the background's sitesOf. */
  now: Promise<PopupNow>;
  /** The outbox's figures, for the sync panel (shown only with sync on). */
  syncStatus: Promise<SyncStatus>;
}

/**
 * Starts every read the first view needs, all at once: today's rollups first (opening the
 * database is the longest wait), then the background's status and the outbox figures. Today's
 * total shows once the rollups and status are in; the top sites once their sites are known
 * (one more round trip to the background), the sync panel once the outbox is read. The week's
 * rollups for the trend are read after the figures show.
 */
export function loadPopupData(): PopupData {
  const figures = loadFigures();
  const syncStatus = getSyncStatus(pageDb());
  return { figures, now: figures.then(withSites), syncStatus };
}

function syncResultNote(result: SyncNowResult): Note {
  if (result.status === 'disabled') return note(t('syncOff'));
  if (result.status === 'failed') return errorNote(t('syncLastError', result.message));
  return note(t('syncDone', result.sent, result.rejected, result.pending));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Shows the popup's data (rollups from the local db, status from the background) as it
 * arrives and wires its buttons. `data` is started before the first render (main.tsx).
 */
export function PopupApp({ data }: { data: PopupData }): JSX.Element {
  const [now, setNow] = useState<PopupNow | null>(null);
  const [earlier, setEarlier] = useState<DayTotal[] | null>(null);
  /** The rows of the trend's earlier days: their bars split by category. */
  const [earlierRows, setEarlierRows] = useState<DailyRollup[] | null>(null);
  const [syncStatus, setSyncStatus] = useState<SyncStatus | null>(null);
  const [busy, setBusy] = useState(false);
  const [syncMessage, setSyncMessage] = useState<Note | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [categories, setCategories] = useState<CategorySettings | null>(null);
  const all = useAllBrowsers(now?.day ?? null, sitesOf, now);
  const keepScope = useKeptScope(all.setScope, now?.status.sync.registered === true);

  // A layout effect runs right after the first render; a plain one would wait for the next
  // frame, and the figures with it.
  useLayoutEffect(() => {
    let current = true;
    const failed = (e: unknown): void => {
      if (current) setError(messageOf(e));
    };
    // The figures without their sites show only while nothing newer is shown.
    data.figures.then((figures) => {
      if (current) setNow((shown) => shown ?? { ...figures, sites: null });
    }, failed);
    data.now.then((loaded) => {
      if (current) setNow((shown) => (shown === null || shown.sites === null ? loaded : shown));
    }, failed);
    data.syncStatus.then((read) => {
      if (current) setSyncStatus((shown) => shown ?? read);
    }, failed);
    return () => {
      current = false;
    };
  }, [data]);

  // The trend's earlier days as soon as today's figures are in the page (and again on a new
  // day): its read never holds them up, and starts without waiting for the next frame.
  const day = now?.day ?? null;
  useLayoutEffect(() => {
    if (day === null) return;
    let current = true;
    loadTrendBeforeWithRows(pageDb(), day).then(
      ({ days, rows }) => {
        if (!current) return;
        setEarlier(days);
        setEarlierRows(rows);
      },
      (e: unknown) => {
        if (current) setError(messageOf(e));
      },
    );
    return () => {
      current = false;
    };
  }, [day]);

  // The person's categories after the first figures (they only label them), followed as they change.
  useEffect(() => {
    let current = true;
    loadCategorySettings().then(
      (read) => {
        if (current) setCategories(read);
      },
      () => undefined,
    );
    const unwatch = categorySettingsItem.watch((next) => setCategories(next));
    return () => {
      current = false;
      unwatch();
    };
  }, []);

  /** Reads today's figures and the status again; a failed read keeps what is shown. */
  async function refresh(): Promise<void> {
    try {
      setNow(await loadPopupNow());
    } catch {
      // The next refresh tries again (the worker may be starting).
    }
  }

  // While the popup is open its figures count up with the open visits.
  useEffect(() => {
    if (day === null) return;
    const timer = setInterval(() => void refresh(), POPUP_REFRESH_MS);
    return () => clearInterval(timer);
  }, [day]);

  async function act(run: () => Promise<TrackerStatus>): Promise<void> {
    setBusy(true);
    try {
      const status = await run();
      setNow((shown) => (shown === null ? shown : { ...shown, status }));
      // The action may have ended a visit (pausing a site records it): read the figures again.
      await refresh();
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
      setSyncMessage(syncResultNote(await sendMessage('syncNow')));
      setSyncStatus(await getSyncStatus(pageDb()));
      await refresh();
    } catch (e) {
      setSyncMessage(errorNote(t('errorPrefix', messageOf(e))));
    } finally {
      setBusy(false);
    }
  }

  if (error !== null) return <p class="error">{t('errorPrefix', error)}</p>;
  if (now === null) return <p class="muted">{t('loading')}</p>;
  const {
    today,
    allDay,
    categories: categoryFigures,
  } = scopedToday(now.day, now.recorded, now.status.openVisits, all, now.sites ?? {}, categories);
  const registered = now.status.sync.registered;
  const week = earlier === null ? null : [...earlier, today.todayTotal];
  // The trend's days are this browser's: its bars split this browser's time.
  const todayRows = withOpenVisits(now.recorded, now.status.openVisits, {
    from: now.day,
    to: now.day,
  });
  const byCategory =
    categories === null || categoryFigures === null
      ? null
      : { totals: categoryFigures, settings: categories };
  const trendStacks =
    categories === null || earlierRows === null
      ? undefined
      : categoryStacks(categoryDays([...earlierRows, ...todayRows], categories), categories);
  return (
    <PopupView
      stats={{ ...today, week }}
      sitesPending={now.sites === null}
      status={now.status}
      categories={byCategory}
      trendStacks={trendStacks}
      scope={
        registered
          ? { scope: all.scope, onScope: keepScope, all: allDay, refreshing: all.refreshing }
          : undefined
      }
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
