import type { JSX } from 'preact';
import { CategoryList } from '../../components/category-list.js';
import { t } from '../../components/i18n.js';
import { type ScopeProps, ScopeSwitch } from '../../components/scope-switch.js';
import { SiteList } from '../../components/site-list.js';
import { SyncStatusPanel, type SyncStatusPanelProps } from '../../components/sync-status-panel.js';
import { type StackSegment, TrendChart, TrendChartPending } from '../../components/trend-chart.js';
import type { DayTotal } from '../../db/index.js';
import type { TrackerStatus } from '../../messaging/protocol.js';
import {
  type CategorySettings,
  type CategoryTotal,
  formatDuration,
  type PopupToday,
} from '../../stats/index.js';
import { CurrentSitePanel, type CurrentSitePanelProps } from './current-site-panel.js';
import { PopupLimits } from './popup-limits.js';

export interface PopupViewProps {
  /** Today's figures, and the trend once it is read (null until then). */
  stats: PopupToday & { week: DayTotal[] | null };
  status: TrackerStatus;
  sync: Omit<SyncStatusPanelProps, 'config'>;
  site: Omit<CurrentSitePanelProps, 'status'>;
  welcomeUrl: string;
  optionsUrl: string;
  /** Today's time by category (open visits included), once the person's categories are read. */
  categories?: { totals: CategoryTotal[]; settings: CategorySettings } | null;
  /** The trend's days split by category (TrendChart's stacks), once they are read. */
  trendStacks?: Record<string, StackSegment[]> | undefined;
  /** Whether the top sites wait for their sites (sitesOf): today's total shows meanwhile. */
  sitesPending?: boolean;
  /** This browser or all the linked ones (today's total and sites); absent when not registered. */
  scope?: ScopeProps;
}

/**
 * The popup, from loaded data only: what the tests render with seeded figures. The current
 * site with its pause comes first, then today's figures, the trend and, with sync on, sync.
 */
export function PopupView(props: PopupViewProps): JSX.Element {
  const { stats, status } = props;
  return (
    <main>
      <header>
        <h1>{t('extName')}</h1>
      </header>
      {status.consent ? null : (
        <p class="card" data-testid="consent-off">
          {t('consentOffBanner')}{' '}
          <a href={props.welcomeUrl} target="_blank" rel="noreferrer">
            {t('openWelcome')}
          </a>
        </p>
      )}
      {/* First: in Chrome's 370x510 popup what comes below the fold is not seen. */}
      <CurrentSitePanel status={status} {...props.site} />
      <PopupLimits />
      <section aria-labelledby="today-heading">
        <h2 id="today-heading">{t('activeTimeToday')}</h2>
        {props.scope === undefined ? null : <ScopeSwitch {...props.scope} />}
        <p
          class="big-figure"
          data-testid="today-total"
          data-active-ms={stats.todayActiveMs}
          data-scope={props.scope?.scope}
        >
          {formatDuration(stats.todayActiveMs)}
        </p>
      </section>
      <section aria-labelledby="top-heading">
        <h2 id="top-heading">{t('topSitesToday')}</h2>
        {props.sitesPending === true ? (
          <ul
            class="site-list"
            aria-busy="true"
            aria-labelledby="top-heading"
            data-testid="sites-pending"
          />
        ) : (
          <SiteList sites={stats.topSites} />
        )}
      </section>
      {props.categories == null ? null : (
        <section aria-labelledby="categories-heading">
          <h2 id="categories-heading">{t('categoriesToday')}</h2>
          <CategoryList totals={props.categories.totals} settings={props.categories.settings} />
        </section>
      )}
      <section aria-labelledby="trend-heading">
        <h2 id="trend-heading">{t('lastSevenDays')}</h2>
        {stats.week === null ? (
          <TrendChartPending />
        ) : (
          <TrendChart days={stats.week} stacks={props.trendStacks} />
        )}
      </section>
      {/* Sync off, there is nothing to show or do about it here (the options page turns it on). */}
      {status.sync.enabled || status.sync.stopped !== null ? (
        <SyncStatusPanel config={status.sync} {...props.sync} />
      ) : null}
      <footer>
        <a href={props.optionsUrl} target="_blank" rel="noreferrer" data-testid="open-options">
          {t('openOptions')}
        </a>
      </footer>
    </main>
  );
}
