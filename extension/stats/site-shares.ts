import type { SiteTotal } from '../db/index.js';

/** A site total with its bar length: its share of the busiest site's time, 0..1. */
export interface SiteBar extends SiteTotal {
  share: number;
}

/** Bars are relative to the top site, so the longest bar is always full width. */
export function withShares(sites: readonly SiteTotal[]): SiteBar[] {
  const max = sites.reduce((m, s) => Math.max(m, s.activeMs), 0);
  return sites.map((s) => ({ ...s, share: max === 0 ? 0 : s.activeMs / max }));
}
