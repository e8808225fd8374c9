import type { JSX } from 'preact';
import type { PrivacyLevel } from '../../../protocol/redact.js';
import { whileBusy } from '../../components/busy.js';
import { t } from '../../components/i18n.js';
import { PrivacyLevelSelect } from '../../components/privacy-level-select.js';
import { SkipLink } from '../../components/skip-link.js';
import { SyncSettingsForm } from '../../components/sync-settings-form.js';
import type { TrackerStatus } from '../../messaging/protocol.js';

export interface WelcomeViewProps {
  status: TrackerStatus;
  /** Whether the person has answered on this page (so "off" is shown as a choice, not a default). */
  answered: boolean;
  busy: boolean;
  onConsent: (consent: boolean) => void;
  onLevel: (level: PrivacyLevel) => void;
  onStatus: (status: TrackerStatus) => void;
}

/** What is recorded, where it stays, what sync would send and to whom; then the person's choices. */
export function WelcomeView(props: WelcomeViewProps): JSX.Element {
  const { status, answered, busy } = props;
  return (
    <main>
      <SkipLink target="consent-heading" label={t('skipToChoices')} />
      <h1>{t('welcomeTitle')}</h1>
      <p>{t('welcomeIntro')}</p>
      <h2>{t('whatRecordedHeading')}</h2>
      <p>{t('whatRecordedText')}</p>
      <h2>{t('whereKeptHeading')}</h2>
      <p>{t('whereKeptText')}</p>
      <h2>{t('syncExplainHeading')}</h2>
      <p>{t('syncExplainText')}</p>

      <section class="card" aria-labelledby="consent-heading">
        <h2 id="consent-heading" tabindex={-1}>
          {t('consentHeading')}
        </h2>
        {/* The chosen answer looks chosen (aria-pressed styles it), the other one does not. */}
        <div class="consent-buttons">
          <button
            type="button"
            class="choice"
            data-testid="consent-accept"
            aria-pressed={status.consent}
            {...whileBusy(busy, () => props.onConsent(true))}
          >
            {t('consentAccept')}
          </button>
          <button
            type="button"
            class="choice"
            data-testid="consent-decline"
            aria-pressed={answered && !status.consent}
            {...whileBusy(busy, () => props.onConsent(false))}
          >
            {t('consentDecline')}
          </button>
        </div>
        <p role="status" data-testid="consent-state" data-consent={String(status.consent)}>
          {status.consent ? t('consentGiven') : answered ? t('consentDeclined') : ''}
        </p>
        {/* How much is kept belongs with the yes: it is part of what the person agrees to. */}
        <PrivacyLevelSelect value={status.level} onChange={props.onLevel} />
      </section>

      <section class="card" aria-labelledby="sync-setup-heading">
        <h2 id="sync-setup-heading">{t('syncSetupHeading')}</h2>
        <SyncSettingsForm sync={status.sync} onStatus={props.onStatus} />
      </section>

      <section class="card" aria-labelledby="toolbar-heading" data-testid="toolbar-help">
        <h2 id="toolbar-heading">{t('toolbarHeading')}</h2>
        <p>{t('toolbarText')}</p>
      </section>
    </main>
  );
}
