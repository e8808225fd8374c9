import type { JSX } from 'preact';
import { formatDuration, type SiteBar } from '../stats/index.js';
import { t, tCount } from './i18n.js';
import { ShareBar } from './share-bar.js';

export function visitsText(visits: number): string {
  return tCount(visits, { one: 'visitsOne', other: 'visitsCount' });
}

/**
 * The hosts behind a site's row, when they say more than its name: "www.codeharbor.io,
 * blog.codeharbor.io" under codeharbor.io; nothing when the only host is the site itself.
 */
export function SiteHosts({ site }: { site: SiteBar }): JSX.Element | null {
  const hosts = site.hosts.map((h) => h.domain);
  if (hosts.length === 0 || (hosts.length === 1 && hosts[0] === site.domain)) return null;
  return (
    <span class="site-hosts" data-testid="site-hosts">
      {hosts.join(', ')}
    </span>
  );
}

/** Top sites with time, visits, a bar and their hosts; each row carries the exact figures for tests. */
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
          <div class="site-visits">
            {visitsText(s.visits)} <SiteHosts site={s} />
          </div>
        </li>
      ))}
    </ul>
  );
}
