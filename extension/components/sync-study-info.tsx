import type { JSX } from 'preact';
import type { SyncSetup } from '../messaging/protocol.js';
import { formatLongDate } from '../stats/format-duration.js';
import { whileBusy } from './busy.js';
import { t } from './i18n.js';
import { type Note, NoteLine } from './note.js';

/** A study end in the browser's UI language (Intl), e.g. "March 31, 2026", "31. März 2026". */
export function formatStudyDate(iso: string): string {
  return formatLongDate(iso);
}

/** Why the server stopped this device for good, worded for the person; null when it did not. */
export function syncStopText(sync: SyncSetup): string | null {
  const { stopped, study } = sync;
  if (stopped === null) return null;
  if (stopped.code === 'device_revoked') return t('syncDeviceRevoked');
  if (study?.cohort != null && study.studyEndsAt !== null) {
    return t('syncStudyEnded', study.cohort, formatStudyDate(study.studyEndsAt));
  }
  // GET /api/v1/me could not be read: the server's own message names the cohort and date.
  return t('syncStoppedByServer', stopped.message);
}

export interface StudySectionProps {
  sync: SyncSetup;
  busy: boolean;
  /** The outcome of "Leave the study", already worded. */
  message: Note | null;
  onLeave: () => void;
}

/** The options page's study block: cohort and study end, and "Leave the study". */
export function StudySection({
  sync,
  busy,
  message,
  onLeave,
}: StudySectionProps): JSX.Element | null {
  const { study } = sync;
  const cohort = study?.cohort ?? null;
  if (cohort === null && !sync.canLeave && message === null) return null;
  const ends = study?.studyEndsAt ?? null;
  return (
    <section class="study" data-testid="study-section" aria-labelledby="study-heading">
      <h2 id="study-heading">{t('studyHeading')}</h2>
      {cohort === null ? null : (
        <p data-testid="study-info" data-cohort={cohort} data-ends-at={ends ?? undefined}>
          {ends === null
            ? t('studyInfoNoEnd', cohort)
            : t(
                study?.studyEnded === true ? 'studyInfoEnded' : 'studyInfoEnds',
                cohort,
                formatStudyDate(ends),
              )}
        </p>
      )}
      {sync.canLeave ? (
        <p>
          {t('leaveStudyExplain')}{' '}
          <button
            type="button"
            class="secondary"
            data-testid="leave-study"
            {...whileBusy(busy, onLeave)}
          >
            {t('leaveStudy')}
          </button>
        </p>
      ) : null}
      <NoteLine note={message} testId="leave-study-note" />
    </section>
  );
}
