import { type DailyRollup, type SiteTotal, siteTotals } from '../db/index.js';

/**
 * The site a host belongs to: its registrable domain, the name pausing and the
 * current-site card use. The background knows it (tldts, too large for the
 * pages); pages ask it with the sitesOf message. Unknown hosts stand alone.
 */
export type SiteOf = (host: string) => string;

/** A site total with its bar length (its share of the busiest site's time, 0..1) and its hosts. */
export interface SiteBar extends SiteTotal {
  share: number;
  /** The site's hosts with their own figures, busiest first (the detail under the site). */
  hosts: SiteTotal[];
}

/** Bars are relative to the top site, so the longest bar is always full width. */
export function withShares(sites: readonly SiteTotal[]): (SiteTotal & { share: number })[] {
  const max = sites.reduce((m, s) => Math.max(m, s.activeMs), 0);
  return sites.map((s) => ({ ...s, share: max === 0 ? 0 : s.activeMs / max }));
}

/** One bar per site (hosts grouped by `siteOf`), busiest first, each with its hosts. */
export function siteBars(
  rows: readonly Pick<DailyRollup, 'domain' | 'activeMs' | 'visits'>[],
  siteOf: SiteOf = (host) => host,
  limit = Number.POSITIVE_INFINITY,
): SiteBar[] {
  // Hosts first (a year holds tens of thousands of rows, a few thousand hosts), then sites.
  const hostTotals = siteTotals(rows, Number.POSITIVE_INFINITY);
  const sites = siteTotals(
    hostTotals.map((host) => ({ ...host, domain: siteOf(host.domain) })),
    limit,
  );
  const hosts = new Map<string, SiteTotal[]>();
  for (const host of hostTotals) {
    const site = siteOf(host.domain);
    hosts.set(site, [...(hosts.get(site) ?? []), host]);
  }
  return withShares(sites).map((site) => ({ ...site, hosts: hosts.get(site.domain) ?? [] }));
}

/** `sites` (host to site, as the background answered) as a SiteOf. */
export function siteOfMap(sites: Readonly<Record<string, string>>): SiteOf {
  return (host) => sites[host] ?? host;
}
