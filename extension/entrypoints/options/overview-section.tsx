import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { CategoryList } from '../../components/category-list.js';
import { t, tCount } from '../../components/i18n.js';
import { ScopeSwitch } from '../../components/scope-switch.js';
import { scopedToday } from '../../components/scoped-today.js';
import { SiteList } from '../../components/site-list.js';
import { TrendChart } from '../../components/trend-chart.js';
import { useAllBrowsers } from '../../components/use-all-browsers.js';
import type { DailyRollup } from '../../db/index.js';
import { type OpenVisitFigure, sendMessage } from '../../messaging/protocol.js';
import {
  formatDuration,
  type HistoryStats,
  localToday,
  pageDb,
  todayRollups,
} from '../../stats/index.js';
import { withLiveDay } from '../../stats/range-history.js';
import { useCategories, useDayStacks } from './category-controls.js';
import { sectionHeadingId } from './dashboard-nav.js';
import type { OptionsScope } from './use-options-scope.js';

/** Today's figures move while the overview is open (the open visits count up). */
export const OVERVIEW_REFRESH_MS = 5_000;

interface TodayRead {
  day: string;
  recorded: DailyRollup[];
  open: OpenVisitFigure[];
  sites: Record<string, string>;
}

function sitesOf(hosts: Iterable<string>): Promise<Record<string, string>> {
  return sendMessage('sitesOf', { hosts: [...new Set(hosts)] });
}

/** Today's rollups, then the background's open visits: a visit ending between the two is missing until the next read, never counted twice. */
async function readToday(): Promise<TodayRead> {
  const day = localToday();
  const recorded = await todayRollups(pageDb(), day);
  const { openVisits } = await sendMessage('getStatus');
  const sites = await sitesOf([...recorded, ...openVisits].map((row) => row.domain));
  return { day, recorded, open: openVisits, sites };
}

/** Today's figures, read when the overview opens and again every few seconds. */
function useToday(reload: unknown): TodayRead | null {
  const [read, setRead] = useState<TodayRead | null>(null);
  useEffect(() => {
    let current = true;
    const again = (): void =>
      void readToday().then(
        (next) => current && setRead(next),
        // The next read tries again (the worker may be starting).
        () => undefined,
      );
    again();
    const timer = setInterval(again, OVERVIEW_REFRESH_MS);
    return () => {
      current = false;
      clearInterval(timer);
    };
  }, [reload]);
  return read;
}

export interface OverviewProps {
  /** The last 30 days, loaded with the page: its trend, and today's total until today is read. */
  history: HistoryStats;
  /** Whether this browser is registered with a server: the scope switch shows then. */
  registered: boolean;
  /** The page's scope, shared by its sections; left out, the overview keeps its own. */
  scope?: OptionsScope;
}

/**
 * Today at a glance (total, top sites, categories; in this browser or all the linked ones,
 * as the popup shows them) and the last 30 days' trend split by category.
 */
export function OverviewSection({ history, registered, scope }: OverviewProps): JSX.Element {
  const read = useToday(history);
  const all = useAllBrowsers(read?.day ?? null, sitesOf, read);
  // The page's scope leads: the hook follows it (kept across sections, reloads, reopening).
  const { setScope } = all;
  useEffect(() => {
    if (scope !== undefined) setScope(scope.scope);
  }, [scope?.scope, setScope]);
  const controls = useCategories();
  const stacks = useDayStacks(history);
  const shown =
    read === null
      ? null
      : scopedToday(
          read.day,
          read.recorded,
          read.open,
          all,
          read.sites,
          controls?.settings ?? null,
        );
  // Until today is read the 30 days' last day gives the total (open visits included).
  const todayMs = shown?.today.todayActiveMs ?? history.days.at(-1)?.activeMs ?? 0;
  // The 30 days count today as the card beside them does, while it is this browser's alone.
  const thirty =
    read === null || (registered && all.scope === 'all')
      ? history
      : withLiveDay(history, read.day, todayMs);
  return (
    <section aria-labelledby={sectionHeadingId('overview')} class="dashboard-section">
      <h2 id={sectionHeadingId('overview')} tabIndex={-1} class="section-title">
        {t('sectionOverview')}
      </h2>
      {registered ? (
        <ScopeSwitch
          scope={all.scope}
          onScope={scope?.setScope ?? all.setScope}
          all={shown?.allDay ?? null}
          refreshing={all.refreshing}
        />
      ) : null}
      <div class="overview-grid">
        <section class="card" aria-labelledby="overview-today-heading">
          <h3 id="overview-today-heading">{t('activeTimeToday')}</h3>
          <p
            class="big-figure"
            data-testid="today-total"
            data-active-ms={todayMs}
            data-scope={registered ? all.scope : undefined}
          >
            {formatDuration(todayMs)}
          </p>
          <h4>{t('topSitesToday')}</h4>
          {shown === null ? (
            <p class="muted" aria-busy="true">
              {t('loading')}
            </p>
          ) : (
            <SiteList sites={shown.today.topSites} />
          )}
        </section>
        {controls === null || shown?.categories == null ? null : (
          <section class="card" aria-labelledby="overview-categories-heading">
            <h3 id="overview-categories-heading">{t('categoriesToday')}</h3>
            <CategoryList totals={shown.categories} settings={controls.settings} />
          </section>
        )}
        <section class="card wide" aria-labelledby="overview-trend-heading">
          <h3 id="overview-trend-heading">{t('lastThirtyDays')}</h3>
          {registered && all.scope === 'all' ? (
            <p class="muted" data-testid="scope-local-note">
              {t('scopeTrendLocal')}
            </p>
          ) : null}
          <p data-testid="overview-total" data-active-ms={thirty.totalActiveMs}>
            {tCount(
              thirty.totalVisits,
              { one: 'totalActiveTimeOne', other: 'totalActiveTime' },
              formatDuration(thirty.totalActiveMs),
            )}
          </p>
          <TrendChart days={thirty.days} width={600} labelEvery={5} stacks={stacks} />
        </section>
      </div>
    </section>
  );
}
