import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeI18n, renderView } from '../../components/ui-test-kit.js';
import { LimitsProgress } from './popup-limits.js';

beforeEach(() => fakeI18n());
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const limit = (target: string, usedMs: number, appliesToCurrentSite: boolean) => ({
  target,
  limitMs: 600_000,
  holdMeToIt: false,
  usedMs,
  appliesToCurrentSite,
});

describe("the popup's limits", () => {
  it('shows progress toward the limits that count the current site, and only those', () => {
    const view = renderView(
      <LimitsProgress
        limits={[
          limit('example.com', 900_000, true),
          limit('category:video', 120_000, true),
          limit('other.net', 60_000, false),
        ]}
      />,
    );
    const rows = view.byTestId('popup-limit');
    expect(rows.map((r) => [r.dataset.target, r.dataset.usedMs])).toEqual([
      ['example.com', '900000'],
      ['category:video', '120000'],
    ]);
    // Over the limit, the bar is full, not past its end.
    expect(rows[0]?.querySelector('progress')?.getAttribute('value')).toBe('600000');
    expect(rows[1]?.querySelector('progress')?.getAttribute('value')).toBe('120000');
  });

  it('shows nothing when no limit counts the current site', () => {
    const view = renderView(<LimitsProgress limits={[limit('other.net', 60_000, false)]} />);
    expect(view.byTestId('popup-limits')).toEqual([]);
  });
});
