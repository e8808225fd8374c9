import { describe, expect, it } from 'vitest';
import { renderView, viewTestHooks } from '../../components/ui-test-kit.js';
import type { ChartBar } from '../../stats/date-range.js';
import { RangeChart } from './range-chart.js';

viewTestHooks(() => undefined);

/** The 12 months to 2026-12-06: from 2025-12-07, so December twice. */
const MONTHS: ChartBar[] = [
  { from: '2025-12-07', to: '2025-12-31' },
  ...Array.from({ length: 11 }, (_, m) => {
    const month = String(m + 1).padStart(2, '0');
    return { from: `2026-${month}-01`, to: `2026-${month}-28` };
  }),
  { from: '2026-12-01', to: '2026-12-06' },
].map((b) => ({ ...b, activeMs: 60_000, visits: 1 }));

describe('range chart', () => {
  it('tells the two Decembers of 12 months apart: the first label and the first of a new year name it', () => {
    const view = renderView(<RangeChart bars={MONTHS} unit="month" />);
    const labels = [...view.root.querySelectorAll('.bar-label')].map((l) => l.textContent);
    // Every other bar, counted back from the last: the year's change named where it shows.
    expect(labels).toEqual(['Dec 25', 'Feb 26', 'Apr', 'Jun', 'Aug', 'Oct', 'Dec']);
    // The chart's own name says the years in full.
    expect(view.byTestId('range-chart')[0]?.getAttribute('aria-label')).toBe(
      'monthChartLabel(Dec 2025,Dec 2026)',
    );
  });
});
