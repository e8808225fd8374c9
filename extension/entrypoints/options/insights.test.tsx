import { describe, expect, it, vi } from 'vitest';
import { trackFocus } from '../../components/focus-test-kit.js';
import { type Rendered, renderView, viewTestHooks } from '../../components/ui-test-kit.js';
import { utcDayOf } from '../../db/db-test-kit.js';
import type { TracksphereDb } from '../../db/index.js';
import { presetRange } from '../../stats/date-range.js';
import { insightDb, MIN, OPEN, TODAY, utcSources } from '../../stats/insight-test-kit.js';
import { loadRangeHistory } from '../../stats/range-history.js';
import { HistorySection, SITE_ROWS } from './history-section.js';
import { Insights } from './insights.js';
import { PAGE_ROWS, SitePagesView } from './site-pages.js';

let db: TracksphereDb;
viewTestHooks(() => db);

async function render(level: 'full' | 'path' | 'domain' = 'full'): Promise<Rendered> {
  db = await insightDb();
  const sources = utcSources(db);
  const history = await loadRangeHistory(
    db,
    presetRange('30d', TODAY),
    OPEN,
    utcDayOf,
    sources.sitesOf,
  );
  return renderView(
    <Insights history={history} today={TODAY} level={level} retentionDays={30} sources={sources} />,
  );
}

const attr = (el: Element | undefined, name: string): string | null | undefined =>
  el?.getAttribute(name);

/** Sets a form control's value the way a person's choice does, then tells Preact. */
function change(view: Rendered, id: string, value: string): void {
  const control = view.byTestId(id)[0] as HTMLInputElement | HTMLSelectElement;
  if (control.tagName === 'SELECT') {
    for (const option of control.querySelectorAll('option')) {
      option.toggleAttribute('selected', option.getAttribute('value') === value);
    }
  }
  // linkedom's select has a value getter only: the selected option gives it.
  if (control.tagName !== 'SELECT') control.value = value;
  control.dispatchEvent(
    new (control.ownerDocument.defaultView as unknown as typeof globalThis).Event('change'),
  );
}

async function total(view: Rendered): Promise<number> {
  await vi.waitFor(() => expect(view.byTestId('history-total').length).toBe(1));
  return Number(attr(view.byTestId('history-total')[0], 'data-active-ms'));
}

describe('options range views', () => {
  it('follows the range picker: totals, chart and sites, with a custom range checked', async () => {
    const view = await render();
    // 31 December 21 min, 4 January 60, 5 January 16 and the open visit's 25.
    expect(await total(view)).toBe(122 * MIN);
    expect(view.byTestId('trend-chart').length).toBe(1);
    change(view, 'range-picker', '365d');
    await vi.waitFor(async () => expect(await total(view)).toBe(152 * MIN));
    expect(attr(view.byTestId('range-chart')[0], 'data-unit')).toBe('month');
    expect(view.byTestId('range-chart')[0]?.querySelectorAll('.bar-hit')).toHaveLength(13);
    expect(view.root.textContent).toContain('rangeRawVisits(30)');
    expect(
      view
        .byTestId('site-row')
        .map((r) => [attr(r, 'data-domain'), Number(attr(r, 'data-active-ms'))]),
    ).toEqual([
      ['mail.example', 85 * MIN],
      ['docs.example', 30 * MIN],
      ['news.example', 25 * MIN],
      ['codeharbor.io', 12 * MIN],
    ]);

    change(view, 'range-picker', 'custom');
    await vi.waitFor(() => expect(view.byTestId('range-from').length).toBe(1));
    change(view, 'range-from', '2024-12-02');
    change(view, 'range-to', '2024-12-01');
    await vi.waitFor(() => expect(view.byTestId('range-problem').length).toBe(1));
    expect(view.byTestId('range-problem')[0]?.textContent).toBe('rangeReversed()');
    change(view, 'range-from', '2024-11-30');
    await vi.waitFor(async () => expect(await total(view)).toBe(30 * MIN));
    expect(view.byTestId('range-problem').length).toBe(0);
    expect(view.byTestId('site-row').map((r) => attr(r, 'data-domain'))).toEqual(['docs.example']);
  });

  it("opens a site's pages from its row, as the privacy levels kept them", async () => {
    const view = await render('path');
    await total(view);
    const button = view
      .byTestId('site-pages-button')
      .find((b) => b.textContent === 'mail.example') as HTMLElement;
    view.click(button);
    await vi.waitFor(() => expect(view.byTestId('page-row').length).toBe(2));
    expect(
      view
        .byTestId('page-row')
        .map((r) => [
          attr(r, 'data-path'),
          Number(attr(r, 'data-active-ms')),
          Number(attr(r, 'data-visits')),
        ]),
    ).toEqual([
      ['/inbox', 66 * MIN, 2],
      ['/inbox?folder=work', 15 * MIN, 1],
    ]);
    expect(view.byTestId('page-row')[1]?.textContent).toContain('Inbox (3)');
    expect(view.root.textContent).toContain('pagesLevelPath()');
    expect(attr(view.byTestId('pages-without-address')[0], 'data-visits')).toBe('1');
    // One visit: the singular message.
    expect(view.byTestId('pages-without-address')[0]?.textContent).toMatch(
      /^pagesWithoutAddressOne\(1,/,
    );
    expect(
      attr(
        view.byTestId('site-pages-button').find((b) => b === button),
        'aria-expanded',
      ),
    ).toBe('true');

    change(view, 'page-search', 'folder');
    view
      .byTestId('page-search')[0]
      ?.dispatchEvent(
        new (view.root.ownerDocument.defaultView as unknown as typeof globalThis).Event('input'),
      );
    await vi.waitFor(() => expect(view.byTestId('page-row').length).toBe(1));
    expect(attr(view.byTestId('page-row')[0], 'data-path')).toBe('/inbox?folder=work');

    view.click(view.byTestId('close-pages')[0] as HTMLElement);
    await vi.waitFor(() => expect(view.byTestId('site-pages').length).toBe(0));
  });

  it("closes a site's pages on Escape, back to the button that opened them", async () => {
    const view = await render();
    await total(view);
    const focus = trackFocus(view);
    const button = (): HTMLElement =>
      view
        .byTestId('site-pages-button')
        .find((b) => b.textContent === 'mail.example') as HTMLElement;
    view.click(button());
    await vi.waitFor(() => expect(view.byTestId('page-row').length).toBe(2));
    const pages = view.byTestId('site-pages')[0] as HTMLElement;
    focus.key(pages, 'Escape');
    await vi.waitFor(() => expect(view.byTestId('site-pages').length).toBe(0));
    expect(focus.active()).toBe(button());
    expect(attr(button(), 'aria-expanded')).toBe('false');
  });

  it('says so at the domain level', async () => {
    const view = await render('domain');
    await total(view);
    const button = view
      .byTestId('site-pages-button')
      .find((b) => b.textContent === 'codeharbor.io');
    view.click(button as HTMLElement);
    await vi.waitFor(() => expect(view.byTestId('page-row').length).toBe(2));
    expect(view.root.textContent).toContain('pagesLevelDomain()');
  });

  it("shows the range's hours and today's visits", async () => {
    const view = await render();
    await vi.waitFor(() => expect(view.byTestId('heatmap-cell').length).toBe(168));
    const cellOf = (w: number, h: number): HTMLElement | undefined =>
      view
        .byTestId('heatmap-cell')
        .find((c) => attr(c, 'data-weekday') === String(w) && attr(c, 'data-hour') === String(h));
    const cell = (w: number, h: number): number => Number(attr(cellOf(w, h), 'data-active-ms'));
    expect([cell(6, 23), cell(0, 0), cell(0, 11), cell(2, 10), cell(2, 14)]).toEqual([
      20 * MIN,
      40 * MIN,
      25 * MIN,
      15 * MIN,
      6 * MIN,
    ]);
    // Shades by share of the busiest cell (40 min): 20 min is the second of four, 6 min the first.
    expect(
      [cellOf(0, 0), cellOf(6, 23), cellOf(2, 14), cellOf(3, 3)].map((c) => attr(c, 'class')),
    ).toEqual(['heat heat-4', 'heat heat-2', 'heat heat-1', 'heat heat-0']);
    await vi.waitFor(() => expect(view.byTestId('timeline-block').length).toBe(5));
    expect(
      view
        .byTestId('timeline-block')
        .map((b) => [attr(b, 'data-domain'), attr(b, 'data-started-at'), attr(b, 'data-ended-at')]),
    ).toEqual([
      ['mail.example', '2025-01-04T23:30:00.000Z', '2025-01-05T01:00:00.000Z'],
      ['mail.example', '2025-01-05T08:00:00.000Z', '2025-01-05T08:05:00.000Z'],
      ['codeharbor.io', '2025-01-05T09:00:00.000Z', '2025-01-05T09:10:00.000Z'],
      ['codeharbor.io', '2025-01-05T10:00:00.000Z', '2025-01-05T10:03:00.000Z'],
      ['news.example', '2025-01-05T11:30:00.000Z', '2025-01-05T12:00:00.000Z'],
    ]);
    expect(view.root.textContent).toContain('heatmapHelp()');
  });

  it('shows a long list of pages a hundred at a time, busiest first', async () => {
    const pages = Array.from({ length: 250 }, (_, i) => ({
      host: 'big.example',
      path: `/p/${i}`,
      title: null,
      activeMs: (250 - i) * 1_000,
      visits: 1,
    }));
    const view = renderView(
      <SitePagesView
        site="big.example"
        pages={{ pages, total: pages.length, withoutAddress: { activeMs: 0, visits: 0 } }}
        level="full"
        onClose={() => undefined}
      />,
    );
    expect(view.byTestId('page-row').length).toBe(PAGE_ROWS);
    expect(attr(view.byTestId('page-row')[99], 'data-path')).toBe('/p/99');
    expect(attr(view.byTestId('pages-more')[0], 'data-total')).toBe('250');
    view.click(view.byTestId('pages-more')[0]?.querySelector('button') as HTMLElement);
    await vi.waitFor(() => expect(view.byTestId('page-row').length).toBe(200));
  });

  it('shows the top pages with the count of all, and asks for all to show more or search', async () => {
    const pages = Array.from({ length: PAGE_ROWS }, (_, i) => ({
      host: 'big.example',
      path: `/p/${i}`,
      title: null,
      activeMs: (PAGE_ROWS - i) * 1_000,
      visits: 1,
    }));
    const onAll = vi.fn();
    const none = { activeMs: 0, visits: 0 };
    const view = renderView(
      <SitePagesView
        site="big.example"
        pages={{ pages, total: 5_365, withoutAddress: none }}
        level="full"
        onClose={() => undefined}
        onAll={onAll}
      />,
    );
    expect(view.byTestId('page-row').length).toBe(PAGE_ROWS);
    expect(attr(view.byTestId('pages-more')[0], 'data-total')).toBe('5365');
    expect(onAll).not.toHaveBeenCalled();
    view.click(view.byTestId('pages-more')[0]?.querySelector('button') as HTMLElement);
    expect(onAll).toHaveBeenCalledTimes(1);
    const search = view.byTestId('page-search')[0] as HTMLInputElement;
    search.value = '/p/7';
    search.dispatchEvent(
      new (search.ownerDocument.defaultView as unknown as typeof globalThis).Event('input', {
        bubbles: true,
      }),
    );
    await vi.waitFor(() => expect(onAll).toHaveBeenCalledTimes(2));
  });

  it('shows a year of sites a hundred at a time, busiest first, and searches them all', async () => {
    const sites = Array.from({ length: 250 }, (_, i) => ({
      domain: `site-${i}.example`,
      activeMs: (250 - i) * 1_000,
      visits: 1,
      share: (250 - i) / 250,
      hosts: [],
    }));
    const days = [{ day: TODAY, activeMs: 0, visits: 0 }];
    const history = { from: TODAY, to: TODAY, totalActiveMs: 0, totalVisits: 0, days, sites };
    const view = renderView(<HistorySection history={history} />);
    expect(view.byTestId('site-row').length).toBe(SITE_ROWS);
    expect(attr(view.byTestId('site-row')[99], 'data-domain')).toBe('site-99.example');
    expect(attr(view.byTestId('sites-more')[0], 'data-total')).toBe('250');
    view.click(view.byTestId('sites-more')[0]?.querySelector('button') as HTMLElement);
    await vi.waitFor(() => expect(view.byTestId('site-row').length).toBe(200));
    const search = view.byTestId('site-search')[0] as HTMLInputElement;
    search.value = 'site-249.';
    search.dispatchEvent(
      new (search.ownerDocument.defaultView as unknown as typeof globalThis).Event('input', {
        bubbles: true,
      }),
    );
    await vi.waitFor(() => expect(view.byTestId('site-row').length).toBe(1));
    expect(view.byTestId('sites-more')).toHaveLength(0);
  });

  it('says "visit" of one visit and "visits" of any other count, in the total', () => {
    const days = [{ day: TODAY, activeMs: 0, visits: 0 }];
    const total = (totalVisits: number): string => {
      const history = {
        from: TODAY,
        to: TODAY,
        totalActiveMs: 60_000,
        totalVisits,
        days,
        sites: [],
      };
      return renderView(<HistorySection history={history} />).byTestId('history-total')[0]
        ?.textContent as string;
    };
    expect(total(1)).toMatch(/^totalActiveTimeOne\(1,/);
    expect(total(0)).toMatch(/^totalActiveTime\(0,/);
    expect(total(2)).toMatch(/^totalActiveTime\(2,/);
  });
});
