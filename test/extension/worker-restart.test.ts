/**
 * The MV3 service worker stopped between events, in real Chromium (DevTools' "stop worker",
 * as the browser does to an idle worker): the tracker's state is in IndexedDB after every
 * event, so the next worker finishes the open visit with all its time, and nothing is
 * recorded twice.
 */
import type { Page } from 'puppeteer-core';
import { describe, expect, it } from 'vitest';
import type { ExtensionBrowser } from '../harness/browsers.js';
import { waitFor } from '../harness/client.js';
import {
  backgroundRunning,
  readVisits,
  type StoredVisit,
  savedTrackerState,
} from '../harness/extension-pages.js';
import { servePlainPages } from '../harness/page-site.js';
import { recordingForSuite, sleep } from './extension-test-kit.js';

const site = servePlainPages();

/** Stops every service worker, as Chromium stops an idle one, and waits until it has. */
async function stopWorker(tab: Page, ext: Page): Promise<void> {
  const cdp = await tab.createCDPSession();
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await cdp.detach();
  await waitFor(async () => !(await backgroundRunning(ext)), 'the worker to stop', 15_000);
}

const pathOf = (v: StoredVisit): string => new URL(v.url ?? 'x:').pathname;

describe('the service worker stopped between events, in Chromium', () => {
  let eb: ExtensionBrowser;
  let ext: Page;
  recordingForSuite('chrome-mv3', (launched) => {
    ({ eb, page: ext } = launched);
  });

  it('finishes the open visit with its whole time after each restart, and records each visit once', async () => {
    const tab = await eb.browser.newPage();
    await tab.bringToFront();
    await tab.goto(`${site.url()}/first`);
    const start = Date.now();
    await waitFor(
      async () => JSON.stringify((await savedTrackerState(ext)) ?? null).includes('/first'),
      'the tracker to have /first open',
    );
    await stopWorker(tab, ext);
    await sleep(Math.max(0, start + 3_000 - Date.now()));

    // The navigation wakes a new worker, which finishes /first from the saved state.
    await tab.goto(`${site.url()}/second`);
    const switched = Date.now();
    await waitFor(
      async () => (await readVisits(ext)).some((v) => pathOf(v) === '/first'),
      '/first recorded',
    );
    await waitFor(
      async () => JSON.stringify((await savedTrackerState(ext)) ?? null).includes('/second'),
      'the tracker to have /second open',
    );
    await stopWorker(tab, ext);
    await sleep(2_000);
    await tab.close();
    const closed = Date.now();
    await waitFor(
      async () => (await readVisits(ext)).some((v) => pathOf(v) === '/second'),
      '/second recorded',
    );

    const visits = await readVisits(ext);
    expect(visits.map(pathOf).sort()).toEqual(['/first', '/second']);
    // Nothing lost to the stops: each visit was in front from its start to its end, as the
    // background stamped them, and the spans hold the stops (/first at least 3 s, /second 2 s).
    const span = (v: StoredVisit | undefined): number =>
      v === undefined ? Number.NaN : Date.parse(v.endedAt) - Date.parse(v.startedAt);
    const [first, second] = ['/first', '/second'].map((p) => visits.find((v) => pathOf(v) === p));
    expect(first?.activeMs).toBe(span(first));
    expect(second?.activeMs).toBe(span(second));
    expect(span(first)).toBeGreaterThanOrEqual(3_000);
    expect(span(second)).toBeGreaterThanOrEqual(2_000);
    // And the figures agree with the test's own clock, to within how late events can arrive
    // on a busy machine.
    expect(span(first)).toBeLessThanOrEqual(switched - start + 5_000);
    expect(span(second)).toBeLessThanOrEqual(closed - switched + 5_000);
  }, 90_000);
});
