import { describe, expect, it, vi } from 'vitest';
import { renderView, viewTestHooks } from '../../components/ui-test-kit.js';
import { weekStartItem } from '../../settings/limit-items.js';
import type { HeatCell } from '../../stats/when-stats.js';
import { WhenSection } from './when-section.js';

viewTestHooks(() => undefined);

const CELLS: HeatCell[] = Array.from(
  { length: 168 },
  (_, i) => ({ activeMs: i * 1_000 }) as HeatCell,
);

/** The weekday of each heatmap row, top to bottom. */
function rowDays(root: HTMLElement): number[] {
  return [...root.querySelectorAll('tbody tr')].map((row) =>
    Number(row.querySelector('[data-testid="heatmap-cell"]')?.getAttribute('data-weekday')),
  );
}

describe('when section', () => {
  it("starts the heatmap's week on the person's first day, and follows a change", async () => {
    const view = renderView(<WhenSection cells={CELLS} blocks={[]} rawNote={null} />);
    // Monday unless the person chose otherwise (Settings, "First day of the week").
    await vi.waitFor(() => expect(rowDays(view.root)).toEqual([1, 2, 3, 4, 5, 6, 0]));
    await weekStartItem.setValue('saturday');
    await vi.waitFor(() => expect(rowDays(view.root)).toEqual([6, 0, 1, 2, 3, 4, 5]));
    // Each cell keeps its own weekday's figure wherever its row is.
    const saturdayNoon = view.root.querySelector('[data-weekday="6"][data-hour="12"]');
    expect(saturdayNoon?.getAttribute('data-active-ms')).toBe(String((6 * 24 + 12) * 1_000));
  });
});

/** A key pressed on `el` (bubbling, as a browser sends it). */
function press(el: Element, key: string): void {
  const win = el.ownerDocument.defaultView as unknown as typeof globalThis;
  const event = new win.Event('keydown', { bubbles: true, cancelable: true });
  Object.defineProperty(event, 'key', { value: key });
  el.dispatchEvent(event);
}

function focusIn(el: Element): void {
  const win = el.ownerDocument.defaultView as unknown as typeof globalThis;
  el.dispatchEvent(new win.Event('focusin', { bubbles: true }));
}

describe('the heatmap and timeline by keyboard', () => {
  it('makes the heatmap one tab stop the arrow keys move through, and shows the focused figure', async () => {
    await weekStartItem.setValue('sunday');
    const view = renderView(<WhenSection cells={CELLS} blocks={[]} rawNote={null} />);
    await vi.waitFor(() => expect(rowDays(view.root)).toEqual([0, 1, 2, 3, 4, 5, 6]));
    const stops = (): string[] =>
      view
        .byTestId('heatmap-cell')
        .filter((c) => c.getAttribute('tabindex') === '0')
        .map((c) => `${c.getAttribute('data-weekday')}/${c.getAttribute('data-hour')}`);
    expect(stops()).toEqual(['0/0']);
    const table = view.byTestId('heatmap')[0] as HTMLElement;
    focusIn(table);
    for (const key of ['ArrowRight', 'ArrowRight', 'ArrowDown', 'End', 'ArrowUp', 'Enter']) {
      press(table, key);
    }
    await vi.waitFor(() => expect(stops()).toEqual(['0/23']));
    // The figure in words, for the eye (the cell's own text is for screen readers).
    const readout = view.byTestId('heatmap-readout')[0]?.textContent ?? '';
    expect(readout).toMatch(/^Sunday 11:00\sPM–12:00\sAM: /);
    expect(readout).toContain('23 sec');
  });

  it('moves through the timeline blocks with the arrow keys, the latest first', async () => {
    const block = (i: number) => ({
      domain: `site-${i}.example`,
      startMs: Date.UTC(2026, 0, 5, 8 + i),
      endMs: Date.UTC(2026, 0, 5, 8 + i, 30),
      activeMs: (i + 1) * 60_000,
      left: (8 + i) / 24,
      right: (8.5 + i) / 24,
    });
    const view = renderView(
      <WhenSection cells={CELLS} blocks={[0, 1, 2].map(block)} rawNote={null} />,
    );
    const stop = (): string | null | undefined =>
      view
        .byTestId('timeline-block')
        .find((b) => b.getAttribute('tabindex') === '0')
        ?.getAttribute('data-domain');
    expect(stop()).toBe('site-2.example');
    const list = view.byTestId('timeline')[0] as HTMLElement;
    focusIn(list);
    press(list, 'ArrowLeft');
    await vi.waitFor(() => expect(stop()).toBe('site-1.example'));
    press(list, 'Home');
    await vi.waitFor(() => expect(stop()).toBe('site-0.example'));
    expect(view.byTestId('timeline-readout')[0]?.textContent).toContain('site-0.example');
  });
});

describe("the timeline's legend", () => {
  /** Site `n`'s visit from hour `n`, `minutes` of it active. */
  const visit = (n: number, minutes: number) => ({
    domain: `site-${n}.example`,
    startMs: Date.UTC(2026, 0, 5, n),
    endMs: Date.UTC(2026, 0, 5, n, 50),
    activeMs: minutes * 60_000,
    left: n / 24,
    right: (n + 0.8) / 24,
  });
  /** Each legend swatch's class, by the site's name. */
  const swatches = (view: ReturnType<typeof renderView>): Map<string, string> =>
    new Map(
      view
        .byTestId('timeline-legend-site')
        .map((li) => [
          li.getAttribute('data-domain') ?? '',
          li.querySelector('.swatch')?.getAttribute('class') ?? '',
        ]),
    );
  const blockClass = (view: ReturnType<typeof renderView>, site: string): string =>
    (
      view
        .byTestId('timeline-block')
        .find((b) => b.getAttribute('data-domain') === site)
        ?.getAttribute('class') ?? ''
    ).replace('timeline-block ', '');

  it('names each colour in words, busiest first, each site in a shade of its own', () => {
    // Eight sites: hashed alone, eight names fall in eight shades 1 time in 400.
    const blocks = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => visit(n, 10 + n));
    const view = renderView(<WhenSection cells={CELLS} blocks={blocks} rawNote={null} />);
    const legend = view.byTestId('timeline-legend')[0];
    expect(legend?.getAttribute('aria-label')).toBe('timelineLegendLabel()');
    const shown = swatches(view);
    expect([...shown.keys()]).toEqual([7, 6, 5, 4, 3, 2, 1, 0].map((n) => `site-${n}.example`));
    expect(new Set(shown.values()).size).toBe(8);
    for (const [site, swatch] of shown) {
      // The swatch is the blocks' colour; the text, not the colour, says which site.
      expect(swatch).toBe(`swatch ${blockClass(view, site)}`);
      expect(swatch).toMatch(/^swatch site-c[0-7]$/);
    }
    const first = view.byTestId('timeline-legend-site')[0];
    expect(first?.textContent).toContain('site-7.example');
    expect(first?.textContent).toContain('17 min');
    expect(first?.querySelector('.swatch')?.getAttribute('aria-hidden')).toBe('true');
    expect(view.byTestId('timeline-legend-others')).toEqual([]);
  });

  it('draws the sites past the busiest eight in one grey, "other sites" in the legend', () => {
    const blocks = Array.from({ length: 11 }, (_, n) => visit(n, 30 - n));
    const view = renderView(<WhenSection cells={CELLS} blocks={blocks} rawNote={null} />);
    expect(swatches(view).size).toBe(8);
    for (const n of [8, 9, 10]) expect(blockClass(view, `site-${n}.example`)).toBe('site-other');
    const others = view.byTestId('timeline-legend-others')[0];
    expect(others?.getAttribute('data-count')).toBe('3');
    expect(others?.textContent).toContain('timelineOtherSites(3)');
    // 22 + 21 + 20 minutes.
    expect(others?.textContent).toContain('1 hr, 3 min');
    expect(others?.querySelector('.swatch')?.getAttribute('class')).toBe('swatch site-other');
  });
});
