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
