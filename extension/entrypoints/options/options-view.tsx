import type { ComponentChildren, JSX } from 'preact';
import { t } from '../../components/i18n.js';
import { SkipLink } from '../../components/skip-link.js';
import { SyncSettingsForm } from '../../components/sync-settings-form.js';
import { SyncStatusPanel, type SyncStatusPanelProps } from '../../components/sync-status-panel.js';
import { StudySection, type StudySectionProps } from '../../components/sync-study-info.js';
import type { TrackerStatus } from '../../messaging/protocol.js';
import type { HistoryStats, RejectedRow } from '../../stats/index.js';
import type { InsightSources } from '../../stats/insights.js';
import { CategoriesSection } from './categories-section.js';
import { CategoryContext, type CategoryControls } from './category-controls.js';
import {
  DashboardNav,
  SECTION_NAMES,
  type Section,
  sectionHeadingId,
  useSection,
} from './dashboard-nav.js';
import { DataSection, type DataSectionProps } from './data-section.js';
import { type EraseControls, EraseRangeSection } from './erase-history.js';
import { HistorySection } from './history-section.js';
import { type InsightPart, Insights } from './insights.js';
import { LimitsSection } from './limits-section.js';
import { LinkSection } from './link-section.js';
import { OverviewSection } from './overview-section.js';
import { PreferencesSection } from './preferences-section.js';
import { RejectedSection } from './rejected-section.js';
import { RetentionField, type RetentionFieldProps } from './retention-field.js';
import { TrackingSection, type TrackingSectionProps } from './tracking-section.js';
import { useOptionsScope } from './use-options-scope.js';

export interface OptionsViewProps {
  status: TrackerStatus;
  history: HistoryStats;
  rejected: readonly RejectedRow[];
  tracking: Omit<TrackingSectionProps, 'status'>;
  retention: RetentionFieldProps;
  sync: Omit<SyncStatusPanelProps, 'config'>;
  study: Omit<StudySectionProps, 'sync'>;
  data: Omit<DataSectionProps, 'serverRegistered'>;
  onStatus: (status: TrackerStatus) => void;
  /** Erasing a site (a button per history row) or a range of days; left out, neither shows. */
  erase?: EraseControls;
  /** 'YYYY-MM-DD': the erase range's default and latest day. */
  today?: string;
  /** Where the range picker, a site's pages and the hours read; left out, 30 days alone show. */
  insight?: InsightSources;
  /** The person's categories (rows, totals, stacked chart, their section); left out, none show. */
  categories?: CategoryControls | null;
}

/** A section of the dashboard: its heading (where the focus goes when the person moves here) and content. */
function DashboardSection({
  section,
  children,
}: {
  section: Section;
  children: ComponentChildren;
}): JSX.Element {
  return (
    <section aria-labelledby={sectionHeadingId(section)} class="dashboard-section">
      <h2 id={sectionHeadingId(section)} tabIndex={-1} class="section-title">
        {t(SECTION_NAMES[section])}
      </h2>
      {children}
    </section>
  );
}

/**
 * The options page from loaded data: a small dashboard whose sections (the URL's hash names
 * the one shown) the person moves between with the navigation; only the shown one renders.
 */
export function OptionsView(props: OptionsViewProps): JSX.Element {
  const { status } = props;
  const section = useSection();
  const today = props.today ?? props.history.to;
  const ranged = section === 'sites' || section === 'when' || section === 'categories';
  // One scope for every section, kept across moves, reloads and reopening (use-options-scope.ts).
  const scope = useOptionsScope(status.sync.registered);
  return (
    <CategoryContext.Provider value={props.categories ?? null}>
      <SkipLink target={sectionHeadingId(section)} label={t('skipToSection')} />
      <div class="dashboard">
        <header class="dashboard-header">
          <h1>{t('optionsTitle')}</h1>
          <DashboardNav current={section} />
        </header>
        <main>
          {section !== 'overview' ? null : (
            <OverviewSection
              history={props.history}
              registered={status.sync.registered}
              scope={scope}
            />
          )}
          {/* One element for the three range views: the range chosen in one stays in the others. */}
          {!ranged ? null : (
            <DashboardSection section={section}>
              {props.insight === undefined ? (
                section === 'sites' ? (
                  <HistorySection history={props.history} erase={props.erase} />
                ) : null
              ) : (
                <Insights
                  history={props.history}
                  today={today}
                  level={status.level}
                  retentionDays={props.retention.days}
                  sources={props.insight}
                  erase={props.erase}
                  show={section as InsightPart}
                  scope={status.sync.registered ? scope : undefined}
                />
              )}
              {section === 'categories' ? <CategoriesSection /> : null}
            </DashboardSection>
          )}
          {section !== 'settings' ? null : (
            <DashboardSection section="settings">
              <TrackingSection status={status} {...props.tracking} />
              <LimitsSection />
              <PreferencesSection idleSeconds={status.idleThresholdSeconds} />
              <RetentionField {...props.retention} />
              <SyncStatusPanel config={status.sync} {...props.sync} />
              <StudySection sync={status.sync} {...props.study} />
              <section aria-labelledby="sync-setup-heading">
                <h2 id="sync-setup-heading">{t('syncSetupHeading')}</h2>
                <SyncSettingsForm sync={status.sync} onStatus={props.onStatus} />
              </section>
              <LinkSection sync={status.sync} />
              <RejectedSection rows={props.rejected} />
            </DashboardSection>
          )}
          {section !== 'data' ? null : (
            <DashboardSection section="data">
              <DataSection serverRegistered={status.sync.registered} {...props.data} />
              {props.erase === undefined ? null : (
                <EraseRangeSection controls={props.erase} today={today} />
              )}
            </DashboardSection>
          )}
        </main>
      </div>
    </CategoryContext.Provider>
  );
}
