import type { JSX } from 'preact';
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
import { DataSection, type DataSectionProps } from './data-section.js';
import { type EraseControls, EraseRangeSection } from './erase-history.js';
import { HistorySection } from './history-section.js';
import { Insights } from './insights.js';
import { LimitsSection } from './limits-section.js';
import { LinkSection } from './link-section.js';
import { PreferencesSection } from './preferences-section.js';
import { RejectedSection } from './rejected-section.js';
import { RetentionField, type RetentionFieldProps } from './retention-field.js';
import { TrackingSection, type TrackingSectionProps } from './tracking-section.js';

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

/** The options page from loaded data: history first (why people open it), then settings. */
export function OptionsView(props: OptionsViewProps): JSX.Element {
  const { status } = props;
  return (
    <CategoryContext.Provider value={props.categories ?? null}>
      <main>
        <SkipLink target="tracking-heading" label={t('skipToSettings')} />
        <h1>{t('optionsTitle')}</h1>
        {props.insight === undefined ? (
          <HistorySection history={props.history} erase={props.erase} />
        ) : (
          <Insights
            history={props.history}
            today={props.today ?? props.history.to}
            level={status.level}
            retentionDays={props.retention.days}
            sources={props.insight}
            erase={props.erase}
          />
        )}
        <CategoriesSection />
        <LimitsSection />
        <TrackingSection status={status} {...props.tracking} />
        <PreferencesSection idleSeconds={status.idleThresholdSeconds} />
        <RetentionField {...props.retention} />
        <SyncStatusPanel config={status.sync} {...props.sync} />
        <StudySection sync={status.sync} {...props.study} />
        <SyncSettingsForm sync={status.sync} onStatus={props.onStatus} />
        <LinkSection sync={status.sync} />
        <DataSection serverRegistered={status.sync.registered} {...props.data} />
        {props.erase === undefined ? null : (
          <EraseRangeSection controls={props.erase} today={props.today ?? props.history.to} />
        )}
        <RejectedSection rows={props.rejected} />
      </main>
    </CategoryContext.Provider>
  );
}
