import type { JSX } from 'preact';
import type { PrivacyLevel } from '../../../protocol/redact.js';
import { whileBusy } from '../../components/busy.js';
import { t } from '../../components/i18n.js';
import { PrivacyLevelSelect } from '../../components/privacy-level-select.js';
import type { TrackerStatus } from '../../messaging/protocol.js';
import { SiteListEditor } from './site-list-editor.js';

export interface TrackingSectionProps {
  status: TrackerStatus;
  busy: boolean;
  onConsent: (consent: boolean) => void;
  onPauseAll: (paused: boolean) => void;
  onPauseSite: (site: string) => void;
  onResumeSite: (site: string) => void;
  onAllowlist: (allowlistOnly: boolean, sites: string[]) => void;
  onLevel: (level: PrivacyLevel) => void;
  onToolbarBadge: (enabled: boolean) => void;
}

/** Consent, pauses, allowlist-only mode and privacy level: what gets recorded at all. */
export function TrackingSection(props: TrackingSectionProps): JSX.Element {
  const { status, busy } = props;
  return (
    <section aria-labelledby="tracking-heading">
      {/* The skip link's target: it takes the focus, so the next Tab is the first setting. */}
      <h2 id="tracking-heading" tabindex={-1}>
        {t('trackingHeading')}
      </h2>
      <label class="check">
        <input
          type="checkbox"
          role="switch"
          aria-checked={status.consent}
          data-testid="consent-switch"
          checked={status.consent}
          {...whileBusy<HTMLInputElement>(busy, (e) => props.onConsent(e.currentTarget.checked))}
        />
        <span>{t('consentSwitch')}</span>
      </label>
      <label class="check">
        <input
          type="checkbox"
          role="switch"
          aria-checked={status.pausedAll}
          data-testid="pause-all"
          checked={status.pausedAll}
          {...whileBusy<HTMLInputElement>(busy, (e) => props.onPauseAll(e.currentTarget.checked))}
        />
        <span>{t('pauseAll')}</span>
      </label>
      <PrivacyLevelSelect value={status.level} onChange={props.onLevel} />
      <label class="check">
        <input
          type="checkbox"
          role="switch"
          aria-checked={status.toolbarBadge}
          data-testid="toolbar-badge"
          checked={status.toolbarBadge}
          {...whileBusy<HTMLInputElement>(busy, (e) =>
            props.onToolbarBadge(e.currentTarget.checked),
          )}
        />
        <span>{t('toolbarBadgeLabel')}</span>
      </label>
      <h3>{t('pausedSitesHeading')}</h3>
      <SiteListEditor
        testId="paused-sites"
        sites={status.pausedSites}
        emptyText={t('noPausedSites')}
        busy={busy}
        onAdd={props.onPauseSite}
        onRemove={props.onResumeSite}
      />
      <h3>{t('allowlistHeading')}</h3>
      <label class="check">
        <input
          type="checkbox"
          data-testid="allowlist-only"
          checked={status.allowlistOnly}
          {...whileBusy<HTMLInputElement>(busy, (e) =>
            props.onAllowlist(e.currentTarget.checked, status.allowlist),
          )}
        />
        <span>{t('allowlistOnlyLabel')}</span>
      </label>
      <SiteListEditor
        testId="allowlist"
        sites={status.allowlist}
        emptyText={t('noAllowlist')}
        busy={busy}
        onAdd={(site) => props.onAllowlist(status.allowlistOnly, [...status.allowlist, site])}
        onRemove={(site) =>
          props.onAllowlist(
            status.allowlistOnly,
            status.allowlist.filter((s) => s !== site),
          )
        }
      />
    </section>
  );
}
