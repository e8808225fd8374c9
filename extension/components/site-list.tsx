import type { JSX } from 'preact';
import { formatDuration, type SiteBar } from '../stats/index.js';
import { t } from './i18n.js';
import { ShareBar } from './share-bar.js';

export function visitsText(visits: number): string {
  return visits === 1 ? t('visitsOne') : t('visitsCount', visits);
}

/** Top sites with time, visits and a bar; each row carries the exact figures for tests. */
export function SiteList({ sites }: { sites: readonly SiteBar[] }): JSX.Element {
  if (sites.length === 0) return <p class="empty">{t('noVisitsYet')}</p>;
  return (
    <ul class="site-list">
      {sites.map((s) => (
        <li
          key={s.domain}
          data-testid="site-row"
          data-domain={s.domain}
          data-active-ms={s.activeMs}
          data-visits={s.visits}
        >
          <div class="site-line">
            <span class="site-domain">{s.domain}</span>
            <span class="site-time">{formatDuration(s.activeMs)}</span>
          </div>
          <ShareBar share={s.share} />
          <div class="site-visits">{visitsText(s.visits)}</div>
        </li>
      ))}
    </ul>
  );
}
