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
