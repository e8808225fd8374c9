/**
 * Issue 16's end-to-end story, run by defineEndToEnd (scenarios.ts): browsing with scripted
 * dwell times, then the options page's range total for today, the heatmap cells of the hours
 * it happened in and the site's page rows, read from their data attributes and compared with
 * the test's own clock.
 */
import type { Page } from 'puppeteer-core';
import { expect, it } from 'vitest';
import { showSection } from '../extension/extension-test-kit.js';
import { waitFor } from '../harness/client.js';
import { CLOCK_TOLERANCE_MS, type E2eContext, sleep } from './e2e-context.js';

/** Visited only by this story, so its pages are exactly the scripted ones. */
const SITE = 'hours.test';
export const RANGES_HOSTS = [SITE] as const;
/** The scripted dwell times, in order, per path. */
// Three seconds apart: the last page's visit ends when the tab closes, which a busy machine
// can take a second or more to do, and the rows are checked in this order.
const DWELL: readonly [string, number][] = [
  ['/one', 4_500],
  ['/two', 1_500],
];

interface Figures {
  totalMs: number;
  /** Active time per "weekday:hour" heatmap cell. */
  cells: Map<string, number>;
}

/** The range's total (Sites) and its heatmap (When); the page is left on Sites. */
async function figures(page: Page): Promise<Figures> {
  await showSection(page, 'sites');
  await page.waitForSelector('[data-testid="history-total"]');
  const totalMs = await page.$eval('[data-testid="history-total"]', (el) =>
    Number(el.getAttribute('data-active-ms')),
  );
  await showSection(page, 'when');
  await page.waitForSelector('[data-testid="heatmap-cell"]');
  const cells = await page.$$eval('[data-testid="heatmap-cell"]', (els) =>
    els.map((c): [string, number] => [
      `${c.getAttribute('data-weekday')}:${c.getAttribute('data-hour')}`,
      Number(c.getAttribute('data-active-ms')),
    ]),
  );
  await showSection(page, 'sites');
  await page.waitForSelector('[data-testid="history-total"]');
  return { totalMs, cells: new Map(cells) };
}

const cellOf = (ms: number): string => `${new Date(ms).getDay()}:${new Date(ms).getHours()}`;

export function defineRangeViews(ctx: E2eContext): void {
  /** The options page on today's range, its figures settled. */
  async function todayView(): Promise<Page> {
    const page = await ctx.optionsPage();
    await showSection(page, 'sites');
    await page.waitForSelector('[data-testid="range-picker"]');
    await page.select('[data-testid="range-picker"]', 'today');
    // Settled: the rows are drawn and two reads a moment apart agree.
    await waitFor(
      async () => {
        if ((await page.$('[data-testid="site-row"]')) === null) return false;
        const once = JSON.stringify(await figures(page), (_k, v) =>
          v instanceof Map ? [...v] : v,
        );
        await sleep(250);
        return (
          once === JSON.stringify(await figures(page), (_k, v) => (v instanceof Map ? [...v] : v))
        );
      },
      "today's figures",
      10_000,
    );
    return page;
  }

  it("9. the options page's range total, heatmap hours and page rows match the scripted dwell times", async () => {
    let options = await todayView();
    const before = await figures(options);
    expect(before.cells.size).toBe(168);
    await options.close();

    const tab = await ctx.newTab();
    const marks: number[] = [];
    for (const [path, ms] of DWELL) {
      await tab.goto(ctx.stack().page(SITE, path));
      marks.push(Date.now());
      await sleep(ms);
    }
    await tab.close();
    marks.push(Date.now());
    await waitFor(
      async () => (await ctx.visits()).filter((v) => v.domain === SITE).length === DWELL.length,
      `the visits to ${SITE}`,
      20_000,
    );
    const first = marks[0] ?? 0;
    const last = marks[marks.length - 1] ?? 0;
    const spent = last - first;

    options = await todayView();
    const row = `[data-testid="site-row"][data-domain="${SITE}"]`;
    await options.waitForSelector(row);
    const after = await figures(options);
    expect(
      Math.abs(after.totalMs - before.totalMs - spent),
      `today's total grew by ${after.totalMs - before.totalMs} ms, clock ${spent} ms`,
    ).toBeLessThanOrEqual(CLOCK_TOLERANCE_MS);
    // The hour (or two, across an hour's end) the browsing happened in.
    const hours = [...new Set([cellOf(first), cellOf(last)])];
    const grew = hours.reduce(
      (sum, key) => sum + (after.cells.get(key) ?? 0) - (before.cells.get(key) ?? 0),
      0,
    );
    expect(
      Math.abs(grew - spent),
      `heatmap ${hours.join(', ')} grew by ${grew} ms, clock ${spent} ms`,
    ).toBeLessThanOrEqual(CLOCK_TOLERANCE_MS);
    const elsewhere = [...after.cells].filter(
      ([key, ms]) => !hours.includes(key) && ms !== (before.cells.get(key) ?? 0),
    );
    expect(elsewhere, 'no other heatmap cell changed').toEqual([]);

    await options.click(`${row} [data-testid="site-pages-button"]`);
    await options.waitForSelector('[data-testid="page-row"]');
    const pages = await options.$$eval('[data-testid="page-row"]', (els) =>
      els.map((r) => ({
        path: r.getAttribute('data-path'),
        activeMs: Number(r.getAttribute('data-active-ms')),
        visits: Number(r.getAttribute('data-visits')),
      })),
    );
    // Sorted by active time: the scripted order here, longest first.
    expect(pages.map((p) => [p.path, p.visits])).toEqual(DWELL.map(([path]) => [path, 1]));
    DWELL.forEach(([path], i) => {
      const clock = (marks[i + 1] ?? 0) - (marks[i] ?? 0);
      const shown = pages[i]?.activeMs ?? 0;
      expect(
        Math.abs(shown - clock),
        `${path}: page row ${shown} ms, clock ${clock} ms`,
      ).toBeLessThanOrEqual(CLOCK_TOLERANCE_MS);
    });
    await options.close();
  }, 90_000);
}
