/**
 * The options page's range views with a year of history against the same views with none,
 * in the same browser and run (bench/extension.ts seeds the history): the popup's figures, the
 * options page's first view (its 30 days as the page reads them on opening, history-stats.ts's
 * loadHistory), the range picker's 30-day range, the 12-month range, the 30-day and 12-month
 * charts split by category (the read and the stacked chart, after the range's own read, as the
 * page stacks the chart once the table has rendered), a site's pages (the site nearest 5,000 visits), the 90-day heatmap and today's timeline.
 * Each view's figure is its load and render to the next frame, median of BENCH_VIEW_RUNS.
 *
 * Two baselines: the empty history (issue 20's target, 1.5x: a view with nothing to read or lay
 * out), and a short one, the seeded history's latest BENCH_VIEW_SHORT_DAYS days (7) copied into a
 * database of its own, which fills the same screen (the same today, top sites and pages: the
 * rows shown are printed for both). Against it the ratio says whether a view grows with the
 * history rather than with what it shows.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import type { Page } from 'puppeteer-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type ViewName =
  | 'popup'
  | 'first30'
  | 'range30'
  | 'range365'
  | 'split30'
  | 'split365'
  | 'sitePages'
  | 'heatmap90'
  | 'timeline';

export interface ViewTiming {
  view: ViewName;
  /** Median of the timed runs: loading and rendering, to the next frame. */
  seededMs: number;
  emptyMs: number;
  /** The part of each that read the data (the rest is rendering), median of the runs. */
  seededLoadMs: number;
  emptyLoadMs: number;
  /**
   * The seeded view's untimed first run (its code's first run too). The heatmap's builds its
   * kept cells, as a person's first view of a day does; the ranges' and a site's pages' windows
   * were already moved by windowBuilds (timed on their own), so theirs is a list's build and the
   * code's first run, not a whole first view of a day.
   */
  seededFirstMs?: number;
  /** What the seeded view showed: rows, page rows, cells or blocks. */
  items: number;
  /** The same against the short history (absent when none was prepared). */
  shortMs?: number;
  shortLoadMs?: number;
  shortItems?: number;
}

/**
 * A range window (extension/db/tail-rollups.ts) built whole and moved by a day, each timed with
 * one-visit recordings made back to back beside it (how long one waited at most); span 0: the
 * month rollups and day sums moved on over the seeded year (extension/db/month-rollups.ts);
 * a negative span: the year's pages (extension/db/tail-pages.ts's YEAR_PAGES), built for the
 * 12 months ending yesterday and moved a day.
 */
export interface WindowBuild {
  span: number;
  buildMs: number;
  /** What the build wrote: a row per host, and per page (the 30-day window only). */
  hostRows: number;
  pageRows: number;
  buildRecordings: number;
  buildMaxWaitMs: number;
  /** The move and the read after it, as the options page's first view of a day does them. */
  moveMs: number;
  moveRecordings: number;
  moveMaxWaitMs: number;
}

/** What bench/extension-views-entry.tsx puts on the page's globalThis. */
export interface TracksphereViewsApi {
  /** Times each window's whole build and a day's move (before the views, which read them). */
  windowBuilds(): Promise<WindowBuild[]>;
  /** The host whose year of visits is nearest `target`. */
  siteNear(target: number): Promise<{ host: string; visits: number }>;
  /** Copies the latest `days` days of the seeded history into the short-history database. */
  prepareShort(days: number): Promise<{ days: number; visits: number }>;
  measure(view: ViewName, host: string, runs: number): Promise<ViewTiming>;
  dropShort(): Promise<void>;
}

export interface ViewsResult {
  host: string;
  hostVisits: number;
  /** The short history's length and visits. */
  short: { days: number; visits: number };
  views: ViewTiming[];
  windows: WindowBuild[];
}

/** Each view within 1.5x of its empty-history figure and under 250 ms (issue 16). */
export const VIEW_TARGETS = { ratio: 1.5, ms: 250 };

/** The popup's figures: its first-render target (issue 20). */
export const POPUP_VIEW_MS = 100;

/**
 * bench/<entry> bundled for an extension page (one minified IIFE for Chromium; the .js
 * specifiers of the TypeScript sources resolve to them), with `options` added.
 */
export async function pageScript(entry: string, options: BuildOptions = {}): Promise<string> {
  const out = await build({
    entryPoints: [join(ROOT, 'bench', entry)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    resolveExtensions: ['.ts', '.tsx', '.js', '.mjs'],
    logLevel: 'silent',
    ...options,
  });
  const file = out.outputFiles?.[0];
  if (file === undefined) throw new Error(`esbuild produced no bundle of ${entry}`);
  return file.text;
}

const viewsBundle = (): Promise<string> =>
  pageScript('extension-views-entry.tsx', {
    jsx: 'automatic',
    jsxImportSource: 'preact',
    // The views' stylesheet is the page's business, not the timing's.
    loader: { '.css': 'empty' },
  });

/** Runs in `page` (an extension page: the extension's own IndexedDB), one view at a time. */
export async function measureViews(
  page: Page,
  runs: number,
  log: (msg: string) => void = () => undefined,
): Promise<ViewsResult> {
  await page.evaluate(await viewsBundle());
  type Views = { tracksphereViews: TracksphereViewsApi };
  const site = await page.evaluate(() =>
    (globalThis as unknown as Views).tracksphereViews.siteNear(5_000),
  );
  // BENCH_VIEWS (a comma list) measures those views alone, without the windows' builds (the
  // views then move the windows in their untimed first run): a quicker look at a few.
  const only = process.env.BENCH_VIEWS?.split(',').filter((v) => v !== '');
  const windows =
    only === undefined
      ? await page.evaluate(() => (globalThis as unknown as Views).tracksphereViews.windowBuilds())
      : [];
  log(`extension: window builds: ${JSON.stringify(windows)}`);
  const days = Number(process.env.BENCH_VIEW_SHORT_DAYS ?? 7);
  const short = await page.evaluate(
    (d: number) => (globalThis as unknown as Views).tracksphereViews.prepareShort(d),
    days,
  );
  log(`extension: short history: ${JSON.stringify(short)}`);
  const views: ViewTiming[] = [];
  for (const view of [
    'popup',
    'first30',
    'range30',
    'range365',
    'split30',
    'split365',
    'sitePages',
    'heatmap90',
    'timeline',
  ] as const) {
    if (only !== undefined && !only.includes(view)) continue;
    const timing = await page.evaluate(
      (v: ViewName, host: string, n: number) =>
        (globalThis as unknown as Views).tracksphereViews.measure(v, host, n),
      view,
      site.host,
      runs,
    );
    log(`extension: view ${view}: ${JSON.stringify(timing)}`);
    views.push(timing);
  }
  await page.evaluate(() => (globalThis as unknown as Views).tracksphereViews.dropShort());
  return { host: site.host, hostVisits: site.visits, short, views, windows };
}

const NAMES: Record<ViewTiming['view'], string> = {
  popup: "popup's figures (today, top sites, 7 days)",
  first30: "first view's 30 days, as the page opens (chart, totals, sites)",
  range30: "range picker's 30-day range (chart, totals, sites)",
  range365: '12-month range (chart, totals, sites)',
  split30: "30-day chart's split by category (its read, the stacked chart)",
  split365: "12-month chart's split by category (its read, the stacked chart)",
  sitePages: "a site's pages",
  heatmap90: '90-day heatmap',
  timeline: "today's timeline",
};

/** The windows' builds and moves, for the bench table: [figure, value, target, status]. */
function windowRows(r: ViewsResult): Array<[string, string, string, string]> {
  return r.windows.map((w) =>
    w.span < 0
      ? [
          `7f. The year's pages (${-w.span} days but the last, moved by a site's pages view): whole build, ms (page rows; recordings beside it, longest wait ms); a day's move, ms (recordings, longest wait)`,
          `${w.buildMs.toFixed(0)} (${w.pageRows}; ${w.buildRecordings}, ${w.buildMaxWaitMs.toFixed(0)}); ${w.moveMs.toFixed(0)} (${w.moveRecordings}, ${w.moveMaxWaitMs.toFixed(0)})`,
          '',
          '',
        ]
      : w.span === 0
        ? [
            '7f. Month rollups and day sums moved on over the seeded year, ms (month rows; recordings beside it, longest wait ms)',
            `${w.buildMs.toFixed(0)} (${w.hostRows}; ${w.buildRecordings}, ${w.buildMaxWaitMs.toFixed(0)})`,
            '',
            '',
          ]
        : [
            `7f. ${w.span}-day window: whole build, ms (rows per host / page; recordings beside it, longest wait ms); a day's move and read, ms (recordings, longest wait)`,
            `${w.buildMs.toFixed(0)} (${w.hostRows} / ${w.pageRows}; ${w.buildRecordings}, ${w.buildMaxWaitMs.toFixed(0)}); ${w.moveMs.toFixed(0)} (${w.moveRecordings}, ${w.moveMaxWaitMs.toFixed(0)})`,
            '',
            '',
          ],
  );
}

/** Rows for the bench table: [figure, value, target, status]. */
export function viewRows(r: ViewsResult): Array<[string, string, string, string]> {
  return [
    ...r.views.map((v) => {
      const ratio = v.seededMs / Math.max(v.emptyMs, 1);
      const limit = v.view === 'popup' ? POPUP_VIEW_MS : VIEW_TARGETS.ms;
      const met = v.seededMs < limit && ratio <= VIEW_TARGETS.ratio;
      const name =
        v.view === 'sitePages'
          ? `${NAMES[v.view]} (${r.host}, ${r.hostVisits} visits)`
          : NAMES[v.view];
      const short =
        v.shortMs === undefined
          ? ''
          : `; ${r.short.days}-day ${v.shortMs.toFixed(1)}, ${(v.seededMs / Math.max(v.shortMs, 1)).toFixed(2)}x, ${v.shortItems} shown`;
      const reads = [
        v.seededLoadMs,
        v.emptyLoadMs,
        ...(v.shortLoadMs === undefined ? [] : [v.shortLoadMs]),
      ];
      return [
        `7e. ${v.view === 'popup' ? 'Popup' : 'Options'} ${name}, ms (empty ms, ratio; ${r.short.days}-day history ms, ratio, shown; read ms; first view ms; ${v.items} shown)`,
        `${v.seededMs.toFixed(1)} (${v.emptyMs.toFixed(1)}, ${ratio.toFixed(2)}x${short}; read ${reads.map((x) => x.toFixed(1)).join('/')}${v.seededFirstMs === undefined ? '' : `; first ${v.seededFirstMs.toFixed(1)}`})`,
        `< ${limit}, <= ${VIEW_TARGETS.ratio}x`,
        met ? 'met' : 'MISSED',
      ] as [string, string, string, string];
    }),
    ...windowRows(r),
  ];
}
