import type { JSX } from 'preact';
import { t } from '../../components/i18n.js';
import { showSection } from './dashboard-nav.js';

/** The site a row's button chose: the limits form (in the settings) takes it when it opens. */
let pendingSite: string | null = null;

/** The site chosen for a new limit since the last call, if any (it is then forgotten). */
export function takeLimitSite(): string | null {
  const site = pendingSite;
  pendingSite = null;
  return site;
}

/** A site's row in the history table: starts a limit for the site in the settings' form. */
export function LimitSiteButton({ site }: { site: string }): JSX.Element {
  return (
    <button
      type="button"
      class="secondary small"
      data-testid="limit-site"
      aria-label={t('limitAddForSite', site)}
      onClick={() => {
        pendingSite = site;
        showSection('settings');
      }}
    >
      {t('limitSiteButton')}
    </button>
  );
}
