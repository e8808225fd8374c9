/**
 * Bundled by bench/extension-views.ts (esbuild, IIFE) and evaluated in a page of the
 * installed extension: loads and renders the options page's range views with the
 * extension's own code, on its seeded IndexedDB and on an empty one, and times each.
 * Exposes `globalThis.tracksphereViews`; every function returns plain JSON.
 */
import { render } from 'preact';
import { SiteList } from '../extension/components/site-list.js';
import { TrendChart } from '../extension/components/trend-chart.js';
import {
  type DayRange,
  localDayOf,
  openTracksphereDb,
  rollupsInRange,
  type TracksphereDb,
} from '../extension/db/index.js';
import { HistorySection } from '../extension/entrypoints/options/history-section.js';
import { SitePagesView } from '../extension/entrypoints/options/site-pages.js';
import { Heatmap, Timeline } from '../extension/entrypoints/options/when-section.js';
import { presetRange } from '../extension/stats/date-range.js';
import {
  browserSources,
  type InsightSources,
  loadHeatmap,
  loadSitePages,
  loadTimeline,
} from '../extension/stats/insights.js';
import { loadPopupStats } from '../extension/stats/popup-stats.js';
import { loadRangeHistory } from '../extension/stats/range-history.js';
import type { TracksphereViewsApi, ViewName } from './extension-views.js';

function sources(db: TracksphereDb): InsightSources {
  return browserSources(db, async () => []);
}

/** Loads the view's data and renders it into `box`; answers how many items it shows. */
async function show(
  view: ViewName,
  src: InsightSources,
  host: string,
  box: HTMLElement,
): Promise<number> {
  const today = localDayOf(Date.now());
  const year: DayRange = presetRange('365d', today);
  if (view === 'popup') {
    // The popup's figures: today's total and top sites, and the 7-day trend.
    const stats = await loadPopupStats(src.db, today);
    render(
      <>
        <p data-testid="today-total">{stats.todayActiveMs}</p>
        <SiteList sites={stats.topSites} />
        <TrendChart days={stats.week} />
      </>,
      box,
    );
    return box.querySelectorAll('[data-testid="site-row"]').length;
  }
  if (view === 'range30') {
    const history = await loadRangeHistory(src.db, presetRange('30d', today), [], src.dayOf);
    render(<HistorySection history={history} title="30" onPages={() => undefined} />, box);
    return box.querySelectorAll('[data-testid="site-row"]').length;
  }
  if (view === 'range365') {
    const history = await loadRangeHistory(src.db, year, [], src.dayOf);
    render(<HistorySection history={history} title="365" onPages={() => undefined} />, box);
    return box.querySelectorAll('[data-testid="site-row"]').length;
  }
  if (view === 'sitePages') {
    const pages = await loadSitePages(src, year, [host]);
    render(<SitePagesView site={host} pages={pages} level="full" onClose={() => undefined} />, box);
    return box.querySelectorAll('[data-testid="page-row"]').length;
  }
  if (view === 'heatmap90') {
    render(<Heatmap cells={await loadHeatmap(src, presetRange('90d', today))} />, box);
    return box.querySelectorAll('[data-testid="heatmap-cell"]').length;
  }
  render(<Timeline blocks={await loadTimeline(src)} />, box);
  return box.querySelectorAll('[data-testid="timeline-block"]').length;
}

async function timed(
  view: ViewName,
  src: InsightSources,
  host: string,
  runs: number,
): Promise<{ ms: number; items: number }> {
  const times: number[] = [];
  let items = 0;
  // One untimed run first: the code's first run pays for its compilation, not the data.
  for (let i = 0; i <= runs; i++) {
    const box = document.createElement('div');
    document.body.append(box);
    const started = performance.now();
    items = await show(view, src, host, box);
    // Style and layout of what was rendered, synchronously (a background tab gets no frames).
    void box.offsetHeight;
    if (i > 0) times.push(performance.now() - started);
    render(null, box);
    box.remove();
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? Number.NaN, items };
}

/** The host whose year of visits is nearest `target` (a site's pages with that many visits). */
async function hostNear(
  db: TracksphereDb,
  target: number,
): Promise<{ host: string; visits: number }> {
  const today = localDayOf(Date.now());
  const counts = new Map<string, number>();
  for (const r of await rollupsInRange(db, presetRange('365d', today))) {
    counts.set(r.domain, (counts.get(r.domain) ?? 0) + r.visits);
  }
  let best = { host: 'none.example', visits: 0 };
  for (const [host, visits] of counts) {
    if (Math.abs(visits - target) < Math.abs(best.visits - target)) best = { host, visits };
  }
  return best;
}

const api: TracksphereViewsApi = {
  siteNear: (target) => hostNear(openTracksphereDb(), target),
  async measure(view, host, runs) {
    const seeded = openTracksphereDb();
    const empty = openTracksphereDb(`bench-empty-${view}`);
    const full = await timed(view, sources(seeded), host, runs);
    const none = await timed(view, sources(empty), host, runs);
    seeded.close();
    await empty.delete();
    return { view, seededMs: full.ms, emptyMs: none.ms, items: full.items };
  },
};

(globalThis as unknown as { tracksphereViews: TracksphereViewsApi }).tracksphereViews = api;
