import type { JSX } from 'preact';
import { t, tCount } from '../../components/i18n.js';
import { formatDuration } from '../../stats/index.js';
import type { TimelineBlock } from '../../stats/when-stats.js';

/** The timeline's shades, insights.css's .site-c0 to .site-c7; the rest of the sites are grey. */
export const SITE_SHADES = 8;

/** A site's own shade, the same on every load: chosen by the name's hash. */
export function siteColour(domain: string): number {
  let hash = 0;
  for (const ch of domain) hash = (hash * 31 + (ch.codePointAt(0) ?? 0)) | 0;
  return Math.abs(hash) % SITE_SHADES;
}

/** A site of the legend: its shade and its active time on the timeline. */
export interface KeySite {
  domain: string;
  shade: number;
  activeMs: number;
}

/** What each colour of the timeline stands for. */
export interface TimelineKey {
  /** By active time, most first: a shade each. */
  sites: KeySite[];
  /** The sites drawn in the one grey, and their time together. */
  others: { count: number; activeMs: number };
  /** The class of a site's blocks: its shade's, or the others' grey. */
  classOf: (domain: string) => string;
}

/**
 * The day's 8 sites with the most time on the timeline get a shade each, each its own (its
 * hash's) unless a busier site took it, so a site keeps its colour from day to day as far as it
 * can; every other site is grey. Hashed alone, two of five sites would share a shade four days
 * in five, and no legend could tell them apart.
 */
export function timelineKey(blocks: readonly TimelineBlock[]): TimelineKey {
  const time = new Map<string, number>();
  for (const b of blocks) time.set(b.domain, (time.get(b.domain) ?? 0) + b.activeMs);
  const ranked = [...time].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = ranked.slice(0, SITE_SHADES);
  const taken = new Set<number>();
  const own = new Map<string, number>();
  // Busiest first: a site whose own shade is free keeps it.
  for (const [domain] of top) {
    const shade = siteColour(domain);
    if (taken.has(shade)) continue;
    taken.add(shade);
    own.set(domain, shade);
  }
  const free = Array.from({ length: SITE_SHADES }, (_, i) => i).filter((i) => !taken.has(i));
  const sites = top.map(([domain, activeMs]): KeySite => {
    const shade = own.get(domain) ?? (free.shift() as number);
    return { domain, shade, activeMs };
  });
  const shades = new Map(sites.map((s) => [s.domain, s.shade]));
  const rest = ranked.slice(SITE_SHADES);
  return {
    sites,
    others: { count: rest.length, activeMs: rest.reduce((sum, [, ms]) => sum + ms, 0) },
    classOf: (domain) => {
      const shade = shades.get(domain);
      return shade === undefined ? 'site-other' : `site-c${shade}`;
    },
  };
}

/**
 * Which colour is which site, in words beside each swatch (the colour alone tells nothing to
 * a person who cannot tell the shades apart, nor to a screen reader).
 */
export function TimelineLegend({ legend }: { legend: TimelineKey }): JSX.Element {
  const { sites, others } = legend;
  return (
    <ul class="timeline-legend" aria-label={t('timelineLegendLabel')} data-testid="timeline-legend">
      {sites.map((s) => (
        <li key={s.domain} data-testid="timeline-legend-site" data-domain={s.domain}>
          <span class={`swatch site-c${s.shade}`} aria-hidden="true" />
          {s.domain} <span class="muted">{formatDuration(s.activeMs)}</span>
        </li>
      ))}
      {others.count === 0 ? null : (
        <li data-testid="timeline-legend-others" data-count={others.count}>
          <span class="swatch site-other" aria-hidden="true" />
          {tCount(others.count, { one: 'timelineOtherSitesOne', other: 'timelineOtherSites' })}{' '}
          <span class="muted">{formatDuration(others.activeMs)}</span>
        </li>
      )}
    </ul>
  );
}
