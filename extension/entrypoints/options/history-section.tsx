import type { JSX } from 'preact';
import { Fragment } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { t, tCount } from '../../components/i18n.js';
import { NoteLine } from '../../components/note.js';
import { ShareBar } from '../../components/share-bar.js';
import { SiteHosts } from '../../components/site-list.js';
import { TrendChart } from '../../components/trend-chart.js';
import type { DailyRollup } from '../../db/index.js';
import { barUnit, chartBars } from '../../stats/date-range.js';
import { formatNumber } from '../../stats/format-duration.js';
import {
  filterAndSortSites,
  formatDuration,
  type HistoryStats,
  type SiteBar,
  type SiteSort,
} from '../../stats/index.js';
import {
  barStacks,
  RangeCategories,
  SiteCategorySelect,
  useCategories,
  useDayStacks,
} from './category-controls.js';
import {
  ConfirmErase,
  type EraseControls,
  EraseResultRow,
  EraseSiteButton,
} from './erase-history.js';
import { LimitSiteButton } from './limit-site-button.js';
import { RangeChart } from './range-chart.js';
import { SearchField } from './search-field.js';

/** Rows shown at first, and added by each "Show more": a year can hold thousands of sites. */
export const SITE_ROWS = 100;

/** A range's chart (days, weeks or months) and a searchable, sortable per-site table. */
export function HistorySection({
  history,
  erase,
  title = t('lastThirtyDays'),
  onPages,
  openSite = null,
  dayRows,
  browsersOf,
  erasable,
}: {
  history: HistoryStats;
  /** Each row gets an erase button when given. */
  erase?: EraseControls | undefined;
  /** The range's name, after the heading's "History". */
  title?: string;
  /** Each site's name becomes a button that opens (or closes) its pages when given. */
  onPages?: ((site: SiteBar) => void) | undefined;
  /** The site whose pages are open. */
  openSite?: string | null;
  /** The rows of the range's days when they are not this browser's (all the linked browsers'). */
  dayRows?: readonly DailyRollup[] | undefined;
  /** Each browser's share of a site, in words, when the rows are all the linked browsers'. */
  browsersOf?: ((site: string) => string) | undefined;
  /**
   * Whether this browser holds a site: Erase erases this browser's visits and their copy on the
   * server, so a site seen only in another browser gets none. Every site when not given.
   */
  erasable?: ((site: string) => boolean) | undefined;
}): JSX.Element {
  const [query, setQuery] = useState('');
  const [asking, setAsking] = useState<string | null>(null);
  /** Each press of a row's Erase: the question is drawn anew and takes the focus again. */
  const [asked, setAsked] = useState(0);
  /** The site last erased and where its row was: its outcome is shown there. */
  const [erased, setErased] = useState<{ site: string; at: number } | null>(null);
  const ask = (site: string): void => {
    setAsking(site);
    setAsked(asked + 1);
    setErased(null);
  };
  const [sort, setSort] = useState<SiteSort>('time');
  const [shown, setShown] = useState(SITE_ROWS);
  const rows = filterAndSortSites(history.sites, query, sort);
  const visible = rows.slice(0, shown);
  const unit = barUnit(history.days.length);
  const categories = useCategories() !== null;
  const stacks = useDayStacks(history, dayRows);
  const table = useRef<HTMLTableElement>(null);
  const search = useRef<HTMLDivElement>(null);
  const columns = 4 + (categories ? 1 : 0) + (erase === undefined ? 0 : 1);
  /** The Erase buttons in the table, in order, each with its row's site. */
  const eraseButtons = (): { site: string; button: HTMLElement }[] =>
    [...(table.current?.querySelectorAll<HTMLElement>('[data-testid="erase-site"]') ?? [])].map(
      (button) => ({ site: button.closest('tr')?.dataset.domain ?? '', button }),
    );
  const question = (site: string, ask: EraseControls): JSX.Element => (
    <tr class="confirm-row" data-testid="erase-confirm-row">
      <td colSpan={columns}>
        <ConfirmErase
          key={asked}
          question={t('eraseSiteConfirm', site)}
          registered={ask.registered}
          busy={ask.busy}
          onYes={() => {
            // The row goes once the erase is done, so the focus goes now to the next site's
            // Erase (the previous one's after the last row, the search without any): where
            // the person is, to go on erasing or move on. The outcome is told in a row where
            // the site's was, just above (EraseResultRow).
            setErased({ site, at: visible.findIndex((s) => s.domain === site) });
            const buttons = eraseButtons();
            const at = buttons.findIndex((b) => b.site === site);
            const next = buttons[at + 1] ?? buttons[at - 1];
            if (next === undefined) search.current?.querySelector('input')?.focus();
            else next.button.focus();
            setAsking(null);
            ask.onEraseSite(site);
          }}
          onNo={() => {
            // Back to the Erase that asked: nothing changed.
            eraseButtons()
              .find((b) => b.site === site)
              ?.button.focus();
            setAsking(null);
          }}
        />
      </td>
    </tr>
  );
  const siteMessage = erase?.message?.kind === 'site' ? erase.message : null;
  /** The table's rows with the last erase's outcome where the erased site's row is, or was. */
  const withResult = (siteRows: JSX.Element[]): JSX.Element[] => {
    if (erased === null) return siteRows;
    const stillThere = visible[erased.at]?.domain === erased.site;
    const at = stillThere ? erased.at + 1 : Math.min(erased.at, siteRows.length);
    const note = siteMessage?.site === erased.site ? siteMessage.note : null;
    // One keyed row that moves when the erased row goes: its live region stays the same node.
    siteRows.splice(at, 0, <EraseResultRow key="erase-result" columns={columns} note={note} />);
    return siteRows;
  };
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">{t('historyOf', title)}</h2>
      <p
        data-testid="history-total"
        data-active-ms={history.totalActiveMs}
        data-visits={history.totalVisits}
      >
        {tCount(
          history.totalVisits,
          { one: 'totalActiveTimeOne', other: 'totalActiveTime' },
          formatDuration(history.totalActiveMs),
        )}
      </p>
      {unit === 'day' ? (
        <TrendChart
          days={history.days}
          width={600}
          labelEvery={history.days.length > 7 ? 5 : 1}
          stacks={stacks}
        />
      ) : (
        <RangeChart
          bars={chartBars(history.days, unit)}
          unit={unit}
          stacks={
            stacks === undefined ? undefined : barStacks(chartBars(history.days, unit), stacks)
          }
        />
      )}
      <RangeCategories sites={history.sites} />
      <div class="history-tools" ref={search}>
        <SearchField
          label={t('searchSites')}
          testId="site-search"
          value={query}
          onQuery={(next) => {
            setQuery(next);
            // A question whose row the search hides would come back, and take the focus, later;
            // an outcome's place among the rows means nothing among others.
            setAsking(null);
            setErased(null);
          }}
        />
        <label class="field">
          <span>{t('sortBy')}</span>
          <select
            data-testid="site-sort"
            value={sort}
            onChange={(e) => {
              setSort(e.currentTarget.value === 'visits' ? 'visits' : 'time');
              setErased(null);
            }}
          >
            <option value="time">{t('sortTime')}</option>
            <option value="visits">{t('sortVisits')}</option>
          </select>
        </label>
      </div>
      {rows.length === 0 ? (
        <p class="empty">{t('noVisitsYet')}</p>
      ) : (
        <div class="table-scroll">
          <table ref={table}>
            <thead>
              <tr>
                <th scope="col">{t('columnSite')}</th>
                <th scope="col" class="num" aria-sort={sort === 'time' ? 'descending' : 'none'}>
                  {t('columnTime')}
                </th>
                <th scope="col" class="num" aria-sort={sort === 'visits' ? 'descending' : 'none'}>
                  {t('columnVisits')}
                </th>
                <th scope="col">
                  <span class="muted">%</span>
                </th>
                {categories ? <th scope="col">{t('columnCategory')}</th> : null}
                {erase === undefined ? null : <th scope="col">{t('columnSiteActions')}</th>}
              </tr>
            </thead>
            <tbody>
              {withResult(
                visible.map((s) => (
                  <Fragment key={s.domain}>
                    <tr
                      data-testid="site-row"
                      data-domain={s.domain}
                      data-active-ms={s.activeMs}
                      data-visits={s.visits}
                    >
                      <th scope="row">
                        {onPages === undefined ? (
                          s.domain
                        ) : (
                          <button
                            type="button"
                            class="link"
                            data-testid="site-pages-button"
                            aria-expanded={openSite === s.domain}
                            aria-label={t('showPagesOf', s.domain)}
                            onClick={() => onPages(s)}
                          >
                            {s.domain}
                          </button>
                        )}
                        <SiteHosts site={s} />
                        {browsersOf === undefined ? null : (
                          <span class="site-hosts" data-testid="site-browsers">
                            {browsersOf(s.domain)}
                          </span>
                        )}
                      </th>
                      <td class="num">{formatDuration(s.activeMs)}</td>
                      <td class="num">{formatNumber(s.visits)}</td>
                      <td class="bar-cell">
                        <ShareBar share={s.share} />
                      </td>
                      {categories ? (
                        <td>
                          <SiteCategorySelect site={s.domain} />
                        </td>
                      ) : null}
                      {erase === undefined ? null : (
                        <td>
                          <LimitSiteButton site={s.domain} />{' '}
                          {erasable === undefined || erasable(s.domain) ? (
                            <EraseSiteButton site={s.domain} onAsk={ask} />
                          ) : null}
                        </td>
                      )}
                    </tr>
                    {erase !== undefined && asking === s.domain ? question(s.domain, erase) : null}
                  </Fragment>
                )),
              )}
            </tbody>
          </table>
        </div>
      )}
      {rows.length > visible.length ? (
        <p
          class="row"
          data-testid="sites-more"
          data-shown={visible.length}
          data-total={rows.length}
        >
          <span class="muted">{t('sitesShown', visible.length, rows.length)}</span>
          <button type="button" class="secondary" onClick={() => setShown(shown + SITE_ROWS)}>
            {t('showMoreSites')}
          </button>
        </p>
      ) : null}
      {/* Under the table only when no row holds it (the last site erased, or no erase asked). */}
      {erased !== null && rows.length > 0 ? null : (
        <NoteLine note={siteMessage?.note ?? null} testId="erase-site-message" />
      )}
    </section>
  );
}
