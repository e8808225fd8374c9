/**
 * Chrome prerenders pages a site asks for (speculation rules): the prerender commits in a
 * frame other than 0 with documentLifecycle 'prerender', and its activation commits the
 * same document in frame 0. The tracker keeps to frame 0, so the page is recorded from the
 * moment the person sees it, and once. (Firefox does not prerender.)
 */
import { createServer, type Server } from 'node:http';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExtensionBrowser } from '../harness/browsers.js';
import { waitFor } from '../harness/client.js';
import { readVisits } from '../harness/extension-pages.js';
import { recordingForSuite, sleep } from './extension-test-kit.js';

let site: Server;
let siteUrl: string;
let prerenderRequests = 0;
/** Requests for /next, prerender or not. */
let nextRequests = 0;

beforeAll(async () => {
  site = createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    if (req.url === '/list') {
      res.end(
        '<!doctype html><title>List</title><a href="/next">next</a>' +
          '<script type="speculationrules">{"prerender":[{"source":"list","urls":["/next"]}]}</script>',
      );
      return;
    }
    if (req.url === '/next') nextRequests += 1;
    if (req.headers['sec-purpose']?.includes('prerender')) prerenderRequests += 1;
    res.end(`<!doctype html><title>Page ${req.url}</title><h1>${req.url}</h1>`);
  });
  await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
  const addr = site.address();
  siteUrl = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
});

afterAll(async () => {
  await new Promise((r) => site?.close(r));
});

describe('a prerendered page in Chromium', () => {
  let eb: ExtensionBrowser;
  let ext: Page;
  recordingForSuite('chrome-mv3', (launched) => {
    ({ eb, page: ext } = launched);
  });

  it('is recorded once, from its activation', async () => {
    const tab = await eb.browser.newPage();
    await tab.bringToFront();
    await tab.goto(`${siteUrl}/list`);
    await waitFor(async () => prerenderRequests > 0, 'the prerender request', 10_000);
    // Prerendered a while before it is shown: that time is not the person's.
    await sleep(2_000);
    const activatedAt = Date.now();
    // Puppeteer loses the tab's frame when the prerendered page is swapped in: the click is
    // not awaited, and the tab is closed from the extension's side.
    const requestsBefore = nextRequests;
    void tab.click('a').catch(() => undefined);
    await sleep(1_500);
    const closed = await ext.evaluate(async () => {
      type Tabs = {
        tabs: {
          query(q: object): Promise<{ id?: number; url?: string }[]>;
          remove(id: number): Promise<void>;
        };
      };
      const api = (globalThis as unknown as { chrome: Tabs }).chrome;
      const shown = (await api.tabs.query({})).filter((t) => t.url?.endsWith('/next'));
      for (const t of shown) if (t.id !== undefined) await api.tabs.remove(t.id);
      return shown.length;
    });
    expect(closed).toBe(1);
    // The page shown was the prerendered one: showing it asked the server for nothing.
    expect(nextRequests).toBe(requestsBefore);
    await waitFor(
      async () => (await readVisits(ext)).some((v) => v.url?.endsWith('/next')),
      'the visit to the prerendered page',
      15_000,
    );
    const next = (await readVisits(ext)).filter((v) => v.url?.endsWith('/next'));
    expect(next).toHaveLength(1);
    expect(Date.parse(next[0]?.startedAt ?? '')).toBeGreaterThanOrEqual(activatedAt - 500);
    expect(next[0]?.activeMs).toBeGreaterThan(500);
  }, 60_000);
});
