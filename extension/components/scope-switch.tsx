import type { JSX } from 'preact';
import { formatDateTime } from '../stats/format-duration.js';
import { type AllBrowsersDay, formatDuration } from '../stats/index.js';
import { deviceName } from './device-name.js';
import { t } from './i18n.js';
import type { ViewScope } from './use-all-browsers.js';

export interface ScopeProps {
  scope: ViewScope;
  onScope: (scope: ViewScope) => void;
  /** The day across the linked browsers; null: no summary yet (this browser's figures show). */
  all: AllBrowsersDay | null;
  refreshing: boolean;
}

/** This browser or all the linked ones; under "all", when the figures are from and by browser. */
export function ScopeSwitch({ scope, onScope, all, refreshing }: ScopeProps): JSX.Element {
  return (
    <div class="view-scope">
      <label for="view-scope">{t('scopeLabel')}</label>{' '}
      <select
        id="view-scope"
        data-testid="view-scope"
        value={scope}
        onChange={(e) => onScope(e.currentTarget.value === 'all' ? 'all' : 'this')}
      >
        <option value="this">{t('scopeThis')}</option>
        <option value="all">{t('scopeAll')}</option>
      </select>
      {scope !== 'all' ? null : all === null ? (
        <p class="muted" data-testid="scope-as-of" role="status">
          {t(refreshing ? 'scopeUpdating' : 'scopeNoSummary')}
        </p>
      ) : (
        <>
          <p class="muted" data-testid="scope-as-of" data-as-of={all.asOf} role="status">
            {t('scopeAsOf', formatDateTime(all.asOf))}
            {refreshing ? ` ${t('scopeUpdating')}` : ''}
          </p>
          <ul class="browser-shares">
            {all.byBrowser.map(({ device, activeMs }) => (
              <li
                key={device.id}
                data-testid="browser-row"
                data-device-id={device.id}
                data-active-ms={activeMs}
              >
                {t(
                  device.thisDevice ? 'scopeThisBrowserTime' : 'scopeBrowserTime',
                  deviceName(device),
                  formatDuration(activeMs),
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
