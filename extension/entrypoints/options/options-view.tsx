import type { JSX } from 'preact';
import { t } from '../../components/i18n.js';
import { SkipLink } from '../../components/skip-link.js';
import { SyncSettingsForm } from '../../components/sync-settings-form.js';
import { SyncStatusPanel, type SyncStatusPanelProps } from '../../components/sync-status-panel.js';
import { StudySection, type StudySectionProps } from '../../components/sync-study-info.js';
import type { TrackerStatus } from '../../messaging/protocol.js';
import type { HistoryStats, RejectedRow } from '../../stats/index.js';
import { DataSection, type DataSectionProps } from './data-section.js';
import { HistorySection } from './history-section.js';
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
}

/** The options page from loaded data: history first (why people open it), then settings. */
export function OptionsView(props: OptionsViewProps): JSX.Element {
  const { status } = props;
  return (
    <main>
      <SkipLink target="tracking-heading" label={t('skipToSettings')} />
      <h1>{t('optionsTitle')}</h1>
      <HistorySection history={props.history} />
      <TrackingSection status={status} {...props.tracking} />
      <RetentionField {...props.retention} />
      <SyncStatusPanel config={status.sync} {...props.sync} />
      <StudySection sync={status.sync} {...props.study} />
      <SyncSettingsForm sync={status.sync} onStatus={props.onStatus} />
      <DataSection serverRegistered={status.sync.registered} {...props.data} />
      <RejectedSection rows={props.rejected} />
    </main>
  );
}
