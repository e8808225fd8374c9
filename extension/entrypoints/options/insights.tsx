import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PrivacyLevel } from '#protocol';
import { deviceName } from '../../components/device-name.js';
import { t } from '../../components/i18n.js';
import { ScopeSwitch } from '../../components/scope-switch.js';
import type { DayRange } from '../../db/index.js';
import {
  type CustomRangeProblem,
  customRange,
  passesRetention,
  presetRange,
  type RangeChoice,
} from '../../stats/date-range.js';
import { formatDuration, type HistoryStats, type SiteBar } from '../../stats/index.js';
import {
  type InsightSources,
  loadHeatmap,
  loadSitePages,
  loadTimeline,
} from '../../stats/insights.js';
import type { RangeAcross } from '../../stats/range-across.js';
import { loadRangeHistory } from '../../stats/range-history.js';
import type { SitePages } from '../../stats/site-pages.js';
import type { HeatCell, TimelineBlock } from '../../stats/when-stats.js';
import { RangeCategories } from './category-controls.js';
import type { EraseControls } from './erase-history.js';
import { HistorySection } from './history-section.js';
import { RangePicker, rangeChoiceLabel } from './range-picker.js';
import { PAGE_ROWS, SitePagesView } from './site-pages.js';
import type { OptionsScope } from './use-options-scope.js';
import { useRangeAcross } from './use-range-across.js';
import { WhenSection } from './when-section.js';
import './insights.css';
import { uiLocale } from '../../stats/format-duration.js';

export interface InsightsProps {
  /** The last 30 days, loaded with the page: the first range shown. */
  history: HistoryStats;
  today: string;
  level: PrivacyLevel;
  retentionDays: number;
  sources: InsightSources;
  erase?: EraseControls | undefined;
  /**
   * The part shown under the range picker: the sites (chart, totals, table, a site's pages),
   * the hours, or the categories of the range; left out, all of them. One range for all parts.
   */
  show?: InsightPart | undefined;
  /** This browser or all the linked ones (with a server only); left out, this browser. */
  scope?: OptionsScope | undefined;
}

export type InsightPart = 'sites' | 'when' | 'categories';

function dayText(day: string): string {
  return new Date(`${day}T12:00:00Z`).toLocaleDateString(uiLocale(), {
    dateStyle: 'medium',
    timeZone: 'UTC',
  });
}

/** Each browser's time on a site, busiest first: "Firefox on Linux: 5 min, Chrome on Linux (this browser): 1 min". */
function siteBrowsersText(across: RangeAcross): (site: string) => string {
  const devices = new Map(across.browsers.byBrowser.map(({ device }) => [device.id, device]));
  return (site) =>
    Object.entries(across.siteBrowsers[site] ?? {})
      .filter(([, ms]) => ms > 0)
      .sort((a, b) => b[1] - a[1])
      .flatMap(([id, ms]) => {
        const device = devices.get(id);
        if (device === undefined) return [];
        const key = device.thisDevice ? 'scopeThisBrowserTime' : 'scopeBrowserTime';
        return [t(key, deviceName(device), formatDuration(ms))];
      })
      .join(', ');
}

/** Whether this browser has time on a site in the range (its own visits, sent or not). */
function heldHere(across: RangeAcross): (site: string) => boolean {
  const mine = across.browsers.byBrowser.find(({ device }) => device.thisDevice)?.device.id;
  return (site) => mine !== undefined && across.siteBrowsers[site]?.[mine] !== undefined;
}

/** Runs `load` when its inputs change; its answer lands unless newer inputs came meanwhile. */
function useLoaded<T>(load: (() => Promise<T>) | null, deps: unknown[]): T | null {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    setValue(null);
    if (load === null) return;
    let current = true;
    load().then(
      (next) => {
        if (current) setValue(next);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, deps);
  return value;
}

/**
 * The range picker and what follows it: the history (chart, totals, sites), the chosen site's
 * pages and the hours of the range. Totals come from the rollups (every day ever); pages and
 * hours from the visits kept (the retention setting), which the notes say when it matters.
 */
export function Insights(props: InsightsProps): JSX.Element {
  const { sources, today, show } = props;
  const showSites = show === undefined || show === 'sites';
  const showWhen = show === undefined || show === 'when';
  const [choice, setChoice] = useState<RangeChoice>('30d');
  const [custom, setCustom] = useState({ from: props.history.from, to: today });
  const [range, setRange] = useState<DayRange>({ from: props.history.from, to: props.history.to });
  const [problem, setProblem] = useState<CustomRangeProblem | null>(null);
  const [site, setSite] = useState<SiteBar | null>(null);

  const initial = range.from === props.history.from && range.to === props.history.to;
  const loaded = useLoaded(
    initial
      ? null
      : async () =>
          loadRangeHistory(sources.db, range, await sources.open(), sources.dayOf, sources.sitesOf),
    [range.from, range.to, initial, props.history],
  );
  const scope = props.scope?.scope ?? 'this';
  const all = useRangeAcross(range, scope, sources);
  const local = initial ? props.history : loaded;
  // Under "all" without a summary for the range (none cached, the server away) this browser's
  // figures show, as the scope switch says; while the first answer is read, none do.
  const history =
    scope !== 'all' || all.across !== null || !all.refreshing
      ? (all.across?.history ?? local)
      : null;
  // The top pages first (what the view shows at once); every page when it asks for them.
  const [allPages, setAllPages] = useState(false);
  const pageDeps = [site?.domain, range.from, range.to, props.history, showSites];
  useEffect(() => setAllPages(false), pageDeps);
  const loadPages = (top?: number) => () =>
    loadSitePages(sources, range, site?.hosts.map((h) => h.domain) ?? [], top);
  const topPages = useLoaded<SitePages>(
    site === null || !showSites ? null : loadPages(PAGE_ROWS),
    pageDeps,
  );
  const everyPage = useLoaded<SitePages>(
    site === null || !showSites || !allPages ? null : loadPages(),
    [...pageDeps, allPages],
  );
  const pages = everyPage ?? topPages;
  // The hours are read when they show: the other parts do not wait on them.
  const cells = useLoaded<HeatCell[]>(showWhen ? () => loadHeatmap(sources, range) : null, [
    range.from,
    range.to,
    props.history,
    showWhen,
  ]);
  const blocks = useLoaded<TimelineBlock[]>(showWhen ? () => loadTimeline(sources) : null, [
    props.history,
    showWhen,
  ]);

  const choose = (next: RangeChoice): void => {
    setChoice(next);
    if (next === 'custom') {
      pick(custom.from, custom.to);
      return;
    }
    setProblem(null);
    setRange(presetRange(next, today));
  };
  function pick(from: string, to: string): void {
    setCustom({ from, to });
    const next = customRange(from, to, today);
    if ('problem' in next) {
      setProblem(next.problem);
      return;
    }
    setProblem(null);
    setRange(next);
  }
  const title =
    choice === 'custom'
      ? t('rangeFromTo', dayText(range.from), dayText(range.to))
      : rangeChoiceLabel(choice);
  const rawNote = passesRetention(range, today, props.retentionDays)
    ? t('rangeRawVisits', props.retentionDays)
    : null;
  const localOnly =
    scope === 'all' && (showSites || showWhen) ? (
      <p class="notice" data-testid="scope-local-note">
        {t('scopeLocalOnly')}
      </p>
    ) : null;
  return (
    <>
      {props.scope === undefined ? null : (
        <ScopeSwitch
          scope={scope}
          onScope={props.scope.setScope}
          all={all.across?.browsers ?? null}
          refreshing={all.refreshing}
        />
      )}
      <RangePicker
        choice={choice}
        from={custom.from}
        to={custom.to}
        today={today}
        problem={problem}
        onChoice={choose}
        onCustom={pick}
      />
      {localOnly}
      {!showSites && show !== 'categories' ? null : history === null ? (
        <p class="muted" aria-busy="true">
          {t('loading')}
        </p>
      ) : show === 'categories' ? (
        <RangeCategories sites={history.sites} />
      ) : (
        <HistorySection
          history={history}
          erase={props.erase}
          title={title}
          dayRows={all.across?.rows}
          browsersOf={all.across === null ? undefined : siteBrowsersText(all.across)}
          erasable={all.across === null ? undefined : heldHere(all.across)}
          openSite={site?.domain ?? null}
          onPages={(next) => setSite(next.domain === site?.domain ? null : next)}
        />
      )}
      {site === null || !showSites ? null : (
        <>
          {rawNote === null ? null : <p class="notice">{rawNote}</p>}
          <SitePagesView
            site={site.domain}
            pages={pages}
            level={props.level}
            onAll={() => setAllPages(true)}
            onClose={() => {
              setSite(null);
              // Back to the row's button the person opened the pages with (it stays in place).
              document
                .querySelector<HTMLElement>(
                  `[data-testid="site-row"][data-domain="${site.domain}"] [data-testid="site-pages-button"]`,
                )
                ?.focus();
            }}
          />
        </>
      )}
      {showWhen ? <WhenSection cells={cells} blocks={blocks} rawNote={rawNote} /> : null}
    </>
  );
}
