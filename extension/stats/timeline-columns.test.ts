import { describe, expect, it } from 'vitest';
import { TIMELINE_COLUMNS } from './timeline-columns.js';
import { type Span, timeline } from './when-stats.js';

const MIN = 60_000;
const day = { startMs: Date.UTC(2025, 0, 5), endMs: Date.UTC(2025, 0, 6) };
const at = (h: number, m = 0) => day.startMs + h * 60 * MIN + m * MIN;

describe("today's timeline at the axis's resolution", () => {
  it('keeps a quiet day visit by visit', () => {
    const spans: Span[] = [
      { domain: 'a.example', startMs: at(-1), endMs: at(1), activeMs: 30 * MIN },
      { domain: 'b.example', startMs: at(9), endMs: at(9, 10), activeMs: 7 * MIN },
      { domain: 'a.example', startMs: at(9, 20), endMs: at(9, 20), activeMs: 0 },
    ];
    expect(timeline(spans, day)).toEqual([
      {
        domain: 'a.example',
        startMs: at(-1),
        endMs: at(1),
        activeMs: 30 * MIN,
        left: 0,
        right: 1 / 24,
      },
      {
        domain: 'b.example',
        startMs: at(9),
        endMs: at(9, 10),
        activeMs: 7 * MIN,
        left: 9 / 24,
        right: (9 + 1 / 6) / 24,
      },
      {
        domain: 'a.example',
        startMs: at(9, 20),
        endMs: at(9, 20),
        activeMs: 0,
        left: (9 + 1 / 3) / 24,
        right: (9 + 1 / 3) / 24,
      },
    ]);
  });

  it('draws a busy day as one block per run of columns, each the site with most time there', () => {
    // 3,000 visits of 20 s to 4 min every 20 s from 6:00, three sites taking turns, and one
    // long visit of a fourth under them all.
    const spans: Span[] = Array.from({ length: 3_000 }, (_, i) => ({
      domain: ['a.example', 'b.example', 'c.example'][i % 3] as string,
      startMs: at(6) + i * 20_000,
      endMs: at(6) + i * 20_000 + 20_000 + (i % 12) * 20_000,
      activeMs: 15_000,
    }));
    spans.push({ domain: 'long.example', startMs: at(5), endMs: at(23), activeMs: 60 * MIN });
    const blocks = timeline(spans, day);
    expect(blocks.length).toBeLessThanOrEqual(TIMELINE_COLUMNS);
    expect(blocks.length).toBeGreaterThan(2);
    // In order and not drawn over each other, each a whole number of columns (or a visit's edge).
    blocks.forEach((b, i) => {
      expect(b.right).toBeGreaterThan(b.left);
      const next = blocks[i + 1];
      if (next !== undefined) expect(next.left).toBeGreaterThanOrEqual(b.right - 1e-12);
    });
    // The long visit shows where it alone is (5:00 to 6:00, and after the others end).
    expect(blocks[0]).toMatchObject({ domain: 'long.example', startMs: at(5) });
    expect(blocks[0]?.activeMs).toBeGreaterThan(0);
    // A run's active time is its site's: the whole day's adds up to what the spans hold.
    const total = spans.reduce((s, v) => s + v.activeMs, 0);
    const shown = blocks.reduce((s, b) => s + b.activeMs, 0);
    expect(shown).toBeLessThanOrEqual(total + blocks.length);
    expect(shown).toBeGreaterThan(total / 4);
  });
});
