import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PrivacyLevel } from '#protocol';
import { t, tCount } from '../../components/i18n.js';
import { formatNumber } from '../../stats/format-duration.js';
import { formatDuration } from '../../stats/index.js';
import { type SitePages, searchPages } from '../../stats/site-pages.js';
import { SearchField } from './search-field.js';

export interface SitePagesViewProps {
  site: string;
  /** null while the visits are read. */
  pages: SitePages | null;
  /** The privacy level now: what new visits keep of a page. */
  level: PrivacyLevel;
  onClose: () => void;
  /**
   * Asked for every page when `pages` holds the top ones only (pages.total says how many there
   * are) and the person shows more or searches.
   */
  onAll?: (() => void) | undefined;
}

/** Rows shown at first, and added by each "Show more": a site can have thousands of pages. */
export const PAGE_ROWS = 100;

/**
 * A site's pages over the range, by active time, with a search. It takes the focus when it
 * opens (its heading), so a keyboard user lands on what they asked for; Escape closes it.
 */
export function SitePagesView({
  site,
  pages,
  level,
  onClose,
  onAll,
}: SitePagesViewProps): JSX.Element {
  const [query, setQuery] = useState('');
  const [shown, setShown] = useState(PAGE_ROWS);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [site]);
  const partial = pages !== null && pages.total > pages.pages.length;
  // A search reaches every page: the top ones alone would miss most of a busy site's.
  useEffect(() => {
    if (partial && query.trim() !== '') onAll?.();
  }, [partial, query]);
  const found = pages === null ? [] : searchPages(pages.pages, query);
  const rows = found.slice(0, shown);
  // Until every page is read, the count is the site's, not the rows at hand.
  const total = partial && query.trim() === '' ? (pages?.total ?? 0) : found.length;
  const hosts = new Set(pages?.pages.map((p) => p.host));
  const titled = rows.some((p) => p.title !== null);
  return (
    <section
      class="site-pages card"
      aria-labelledby="site-pages-heading"
      data-testid="site-pages"
      onKeyDown={(e) => {
        // Escape closes the pages, as Close does (onClose puts the focus back on the site's
        // button); in the search with text in it, Escape is the browser's: it empties the field.
        if (e.key !== 'Escape') return;
        const field = e.target as HTMLInputElement | null;
        if (field?.tagName === 'INPUT' && field.value !== '') return;
        e.preventDefault();
        onClose();
      }}
    >
      <div class="row spread">
        <h3 id="site-pages-heading" tabIndex={-1} ref={heading}>
          {t('pagesHeading', site)}
        </h3>
        <button type="button" class="secondary" data-testid="close-pages" onClick={onClose}>
          {t('closePages')}
        </button>
      </div>
      {level === 'domain' ? <p class="notice">{t('pagesLevelDomain')}</p> : null}
      {level === 'path' ? <p class="notice">{t('pagesLevelPath')}</p> : null}
      <SearchField label={t('searchPages')} testId="page-search" value={query} onQuery={setQuery} />
      {pages === null ? (
        <p class="muted" aria-busy="true">
          {t('pagesLoading')}
        </p>
      ) : rows.length === 0 ? (
        <p class="empty" data-testid="pages-empty">
          {t('pagesNone')}
        </p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('columnPage')}</th>
                {titled ? <th scope="col">{t('columnTitle')}</th> : null}
                <th scope="col" class="num" aria-sort="descending">
                  {t('columnTime')}
                </th>
                <th scope="col" class="num">
                  {t('columnVisits')}
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr
                  key={p.host + p.path}
                  data-testid="page-row"
                  data-host={p.host}
                  data-path={p.path}
                  data-active-ms={p.activeMs}
                  data-visits={p.visits}
                >
                  <th scope="row" class="page-path">
                    {hosts.size > 1 ? <span class="muted">{p.host}</span> : null}
                    {p.path}
                  </th>
                  {titled ? <td class="page-title">{p.title ?? ''}</td> : null}
                  <td class="num">{formatDuration(p.activeMs)}</td>
                  <td class="num">{formatNumber(p.visits)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > rows.length ? (
        <p class="row" data-testid="pages-more" data-shown={rows.length} data-total={total}>
          <span class="muted">{t('pagesShown', rows.length, total)}</span>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              if (partial) onAll?.();
              setShown(shown + PAGE_ROWS);
            }}
          >
            {t('showMorePages')}
          </button>
        </p>
      ) : null}
      {pages !== null && pages.withoutAddress.visits > 0 ? (
        <p
          class="notice"
          data-testid="pages-without-address"
          data-active-ms={pages.withoutAddress.activeMs}
          data-visits={pages.withoutAddress.visits}
        >
          {tCount(
            pages.withoutAddress.visits,
            { one: 'pagesWithoutAddressOne', other: 'pagesWithoutAddress' },
            formatDuration(pages.withoutAddress.activeMs),
          )}
        </p>
      ) : null}
    </section>
  );
}
