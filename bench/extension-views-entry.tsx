/**
 * Bundled by bench/extension-views.ts (esbuild, IIFE) and evaluated in a page of the
 * installed extension: loads and renders the options page's range views with the
 * extension's own code, on its seeded IndexedDB and on an empty one, and times each.
 * Exposes `globalThis.tracksphereViews`; every function returns plain JSON.
 */
import { render } from 'preact';
import { v7 as uuidv7 } from 'uuid';
import { categoryStacks } from '../extension/components/category-list.js';
import { SiteList } from '../extension/components/site-list.js';
import { TrendChart } from '../extension/components/trend-chart.js';
import {
  addDays,
  type DayRange,
  localDayOf,
  localStartOfDay,
  openTracksphereDb,
  recordFinishedVisits,
  rollupsInRange,
  type StoredVisit,
  type TracksphereDb,
} from '../extension/db/index.js';
import { advanceSums } from '../extension/db/month-rollups.js';
import { rangeRollups } from '../extension/db/range-rollups.js';
import { YEAR_PAGES } from '../extension/db/tail-pages.js';
import { tailWindowOf } from '../extension/db/tail-rollups.js';
import { moveYearPages, yearPagesMoving } from '../extension/db/visit-queries.js';
import { barStacks } from '../extension/entrypoints/options/category-controls.js';
import { HistorySection } from '../extension/entrypoints/options/history-section.js';
import { RangeChart } from '../extension/entrypoints/options/range-chart.js';
import { SitePagesView } from '../extension/entrypoints/options/site-pages.js';
import { Heatmap, Timeline } from '../extension/entrypoints/options/when-section.js';
import type { CategorySettings } from '../extension/settings/category-items.js';
import { categoryDays } from '../extension/stats/category-totals.js';
import { barUnit, chartBars, presetRange } from '../extension/stats/date-range.js';
import { loadDaySplit } from '../extension/stats/day-split.js';
import { HISTORY_DAYS, type HistoryStats, loadHistory } from '../extension/stats/history-stats.js';
import {
  browserSources,
  type InsightSources,
  loadHeatmap,
  loadSitePages,
  loadTimeline,
} from '../extension/stats/insights.js';
import { loadPopupStats } from '../extension/stats/popup-stats.js';
import { loadRangeHistory } from '../extension/stats/range-history.js';
import type { TracksphereViewsApi, ViewName, WindowBuild } from './extension-views.js';

function sources(db: TracksphereDb): InsightSources {
  return browserSources(db, async () => []);
}

/** When the view's data was loaded (performance.now), set by show() before it renders. */
let loadedAt = 0;

/** Marks the end of the view's read: what follows is its render. */
function loaded<T>(value: T): T {
  loadedAt = performance.now();
  return value;
}

/** The split views' range. */
function splitRange(view: 'split30' | 'split365', today: string): DayRange {
  return presetRange(view === 'split30' ? '30d' : '365d', today);
}

/**
 * A person's categories for the split views: one of their own, with a busy site moved into it
 * (its rows are labelled apart from the built-in list's).
 */
function benchCategories(host: string): CategorySettings {
  const id = 'custom:bench';
  return { custom: [{ id, name: 'Bench' }], overrides: { [host]: id } };
}

/**
 * The range's history the split views stack, read before they are timed: on the page the chart
 * and table render first, and the split follows (category-controls.tsx's useDayStacks).
 */
const splitHistory = new Map<string, HistoryStats>();

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
    const stats = loaded(await loadPopupStats(src.db, today));
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
  if (view === 'first30') {
    // The options page's first view (options-app.tsx's loadLocalData): its own read of 30 days.
    const history = loaded(await loadHistory(src.db, today, HISTORY_DAYS, [], src.dayOf));
    render(<HistorySection history={history} title="30" onPages={() => undefined} />, box);
    return box.querySelectorAll('[data-testid="site-row"]').length;
  }
  if (view === 'range30') {
    const history = loaded(
      await loadRangeHistory(src.db, presetRange('30d', today), [], src.dayOf),
    );
    render(<HistorySection history={history} title="30" onPages={() => undefined} />, box);
    return box.querySelectorAll('[data-testid="site-row"]').length;
  }
  if (view === 'range365') {
    const history = loaded(await loadRangeHistory(src.db, year, [], src.dayOf));
    render(<HistorySection history={history} title="365" onPages={() => undefined} />, box);
    return box.querySelectorAll('[data-testid="site-row"]').length;
  }
  if (view === 'split30' || view === 'split365') {
    // The options page's chart split by category, as useDayStacks reads and labels it.
    const history = splitHistory.get(`${src.db.name}:${view}`);
    if (history === undefined) throw new Error(`no history read for ${view}`);
    const settings = benchCategories(host);
    const rows = loaded(await loadDaySplit(src.db, splitRange(view, today), []));
    const stacks = categoryStacks(categoryDays(rows, settings), settings);
    const unit = barUnit(history.days.length);
    if (unit === 'day') {
      render(<TrendChart days={history.days} width={600} labelEvery={5} stacks={stacks} />, box);
    } else {
      const bars = chartBars(history.days, unit);
      render(<RangeChart bars={bars} unit={unit} stacks={barStacks(bars, stacks)} />, box);
    }
    return box.querySelectorAll('rect:not(.bar-hit):not(.bar)').length;
  }
  if (view === 'sitePages') {
    // As the options page reads them: the top rows first (site-pages.tsx's PAGE_ROWS).
    const pages = loaded(await loadSitePages(src, year, [host], 100));
    render(<SitePagesView site={host} pages={pages} level="full" onClose={() => undefined} />, box);
    return box.querySelectorAll('[data-testid="page-row"]').length;
  }
  if (view === 'heatmap90') {
    const cells = loaded(await loadHeatmap(src, presetRange('90d', today)));
    render(<Heatmap cells={cells} />, box);
    return box.querySelectorAll('[data-testid="heatmap-cell"]').length;
  }
  const blocks = loaded(await loadTimeline(src));
  render(<Timeline blocks={blocks} />, box);
  return box.querySelectorAll('[data-testid="timeline-block"]').length;
}

async function timed(
  view: ViewName,
  src: InsightSources,
  host: string,
  runs: number,
): Promise<{ ms: number; loadMs: number; items: number; firstMs: number }> {
  const times: number[] = [];
  let firstMs = 0;
  const loads: number[] = [];
  let items = 0;
  if (view === 'split30' || view === 'split365') {
    const range = splitRange(view, localDayOf(Date.now()));
    splitHistory.set(
      `${src.db.name}:${view}`,
      await loadRangeHistory(src.db, range, [], src.dayOf),
    );
  }
  // One untimed run first: the code's first run pays for its compilation, not the data.
  for (let i = 0; i <= runs; i++) {
    const box = document.createElement('div');
    document.body.append(box);
    const started = performance.now();
    items = await show(view, src, host, box);
    // Style and layout of what was rendered, synchronously (a background tab gets no frames).
    void box.offsetHeight;
    // A site's pages over 12 months found the year's pages elsewhere in the short history (the
    // seeded one's are built by windowBuilds) and moved them in the background: the timed runs
    // follow the move, as a person's later opens do, not race it.
    // The untimed run is also the first view of the day: the windows' moves and the kept
    // cells' and lists' builds (db/heat-windows.ts, db/host-lists.ts) happen in it.
    if (i === 0) firstMs = performance.now() - started;
    if (i === 0) await yearPagesMoving(src.db);
    if (i > 0) {
      times.push(performance.now() - started);
      loads.push(loadedAt - started);
    }
    render(null, box);
    box.remove();
  }
  const median = (xs: number[]): number =>
    xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  return { ms: median(times), loadMs: median(loads), items, firstMs };
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

/** The short history (bench/extension-views.ts): created from the seeded one once, per run. */
const SHORT_DB = 'bench-short-history';
let short: Promise<TracksphereDb> | undefined;

/**
 * A copy of the seeded history's latest `days` days (today included), recorded as the
 * background records visits: the same today, the same recent sites and pages, so each view
 * fills the same screen from a short history.
 */
async function shortHistory(days: number): Promise<TracksphereDb> {
  const seeded = openTracksphereDb();
  const from = localStartOfDay(addDays(localDayOf(Date.now()), 1 - days));
  const visits = await seeded.visits.where('startedMs').aboveOrEqual(from).toArray();
  seeded.close();
  const db = openTracksphereDb(SHORT_DB);
  await db.delete();
  await db.open();
  const events = visits.map(
    ({
      startedMs: _s,
      syncState: _st,
      sentAt: _a,
      ackedAt: _b,
      ackBatches: _c,
      ...v
    }: StoredVisit) => v,
  );
  for (let i = 0; i < events.length; i += 2_000) {
    await recordFinishedVisits(db, events.slice(i, i + 2_000), {
      syncEnabled: false,
      dayOf: localDayOf,
    });
  }
  return db;
}

/**
 * `work` timed, with one-visit recordings (as the background records them) made back to back
 * until it is done: how long a recording waited behind it.
 */
async function recordingsDuring(
  db: TracksphereDb,
  work: () => Promise<unknown>,
): Promise<{ ms: number; waits: number[] }> {
  const started = performance.now();
  let done = false;
  const running = work().finally(() => {
    done = true;
  });
  const waits: number[] = [];
  while (!done) {
    const at = Date.now();
    const t0 = performance.now();
    await recordFinishedVisits(
      db,
      [
        {
          id: uuidv7(),
          type: 'visit',
          url: 'https://bench-wait.example/',
          domain: 'bench-wait.example',
          title: null,
          startedAt: new Date(at - 1_000).toISOString(),
          endedAt: new Date(at).toISOString(),
          activeMs: 1_000,
          sessionId: uuidv7(),
          transition: 'link',
        },
      ],
      { syncEnabled: false, dayOf: localDayOf },
    );
    waits.push(performance.now() - t0);
  }
  await running;
  return { ms: performance.now() - started, waits };
}

/**
 * Each range window built whole (its marker dropped: the build deletes its rows first), then
 * moved by a day (built untimed for the range ending yesterday first), each with recordings
 * made alongside. Leaves both windows in place for the views.
 */
async function windowBuilds(): Promise<WindowBuild[]> {
  const db = openTracksphereDb();
  const today = localDayOf(Date.now());
  const out: WindowBuild[] = [];
  // The month rollups and day sums moved on over the seeded year first (a database the seed
  // created holds none; one upgraded to version 9 holds them to yesterday), as a range read does.
  const yesterday = addDays(today, -1);
  const sums = await recordingsDuring(db, async () => {
    const tables = [db.dailyRollups, db.monthRollups, db.daySums, db.tailWindows];
    while (!(await db.transaction('rw', tables, () => advanceSums(db, yesterday, 10)))) {
      // One step (SUMS_STEP_DAYS) a transaction, as range-rollups.ts moves them.
    }
  });
  out.push({
    span: 0,
    buildMs: sums.ms,
    hostRows: await db.monthRollups.count(),
    pageRows: 0,
    buildRecordings: sums.waits.length,
    buildMaxWaitMs: Math.max(0, ...sums.waits),
    moveMs: 0,
    moveRecordings: 0,
    moveMaxWaitMs: 0,
  });
  for (const span of [30, 365]) {
    const range = presetRange(span === 30 ? '30d' : '365d', today);
    const before = { from: addDays(range.from, -1), to: addDays(range.to, -1) };
    await db.tailWindows.delete(span);
    const build = await recordingsDuring(db, () => rangeRollups(db, range));
    const [hostRows, pageRows] = await Promise.all([
      db.tailRollups.where('[span+domain]').between([span, ''], [span, '\uffff']).count(),
      // Pages only: the [span+domain+activeMs] index leaves each host's count row out.
      db.tailPages
        .where('[span+domain+activeMs]')
        .between([span], [span + 1])
        .count(),
    ]);
    await db.tailWindows.delete(span);
    await rangeRollups(db, before);
    const move = await recordingsDuring(db, () => rangeRollups(db, range));
    const max = (xs: number[]) => (xs.length === 0 ? 0 : Math.max(...xs));
    out.push({
      span,
      buildMs: build.ms,
      hostRows,
      pageRows,
      buildRecordings: build.waits.length,
      buildMaxWaitMs: max(build.waits),
      moveMs: move.ms,
      moveRecordings: move.waits.length,
      moveMaxWaitMs: max(move.waits),
    });
  }
  // The year's pages (extension/db/tail-pages.ts's YEAR_PAGES), moved by a site's pages view in
  // the background: built whole for the 12 months ending yesterday, then moved a day.
  await db.tailWindows.delete(YEAR_PAGES);
  const yearBuild = await recordingsDuring(db, () =>
    moveYearPages(db, tailWindowOf(365, yesterday)),
  );
  const yearRows = await db.tailPages
    .where('[span+domain+activeMs]')
    .between([YEAR_PAGES], [YEAR_PAGES + 1])
    .count();
  const yearMove = await recordingsDuring(db, () => moveYearPages(db, tailWindowOf(365, today)));
  const max = (xs: number[]) => (xs.length === 0 ? 0 : Math.max(...xs));
  out.push({
    span: YEAR_PAGES,
    buildMs: yearBuild.ms,
    hostRows: 0,
    pageRows: yearRows,
    buildRecordings: yearBuild.waits.length,
    buildMaxWaitMs: max(yearBuild.waits),
    moveMs: yearMove.ms,
    moveRecordings: yearMove.waits.length,
    moveMaxWaitMs: max(yearMove.waits),
  });
  db.close();
  return out;
}

const api: TracksphereViewsApi = {
  windowBuilds,
  siteNear: (target) => hostNear(openTracksphereDb(), target),
  async prepareShort(days) {
    short = shortHistory(days);
    const db = await short;
    return { days, visits: await db.visits.count() };
  },
  async measure(view, host, runs) {
    const seeded = openTracksphereDb();
    const empty = openTracksphereDb(`bench-empty-${view}`);
    const full = await timed(view, sources(seeded), host, runs);
    const none = await timed(view, sources(empty), host, runs);
    const week = short === undefined ? null : await timed(view, sources(await short), host, runs);
    seeded.close();
    await empty.delete();
    return {
      view,
      seededMs: full.ms,
      emptyMs: none.ms,
      seededLoadMs: full.loadMs,
      seededFirstMs: full.firstMs,
      emptyLoadMs: none.loadMs,
      items: full.items,
      ...(week === null
        ? {}
        : { shortMs: week.ms, shortLoadMs: week.loadMs, shortItems: week.items }),
    };
  },
  async dropShort() {
    const db = await short;
    short = undefined;
    await db?.delete();
  },
};

(globalThis as unknown as { tracksphereViews: TracksphereViewsApi }).tracksphereViews = api;
