/**
 * All my browsers against the real server on real PostgreSQL: the background's link handlers
 * (in WXT's fake browser) make a code in one browser, link with it in another, read the combined
 * summary (both browsers' time per site), and unlink, after which the other's figures are gone.
 */
// Must come first: Dexie looks for indexedDB when it is first imported.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { makeBatch, makeEvent, postEvents, registerDevice } from '../harness/client.js';
import { type Stack, startStack } from '../server/modes.js';

(globalThis as { chrome?: unknown }).chrome = fakeBrowser;
const { syncConfigItem } = await import('../../extension/settings/index.js');
const { createLinkHandlers } = await import('../../extension/background/link-sync.js');
const { openTracksphereDb } = await import('../../extension/db/index.js');

const FIREFOX_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';

describe('All my browsers against the real server (embedded)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack('embedded');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('links two browsers with a code, sums both per site, and unlinks', async () => {
    const baseUrl = stack.server.url;
    const chrome = await registerDevice(baseUrl);
    const firefox = await registerDevice(baseUrl, { userAgent: FIREFOX_UA });
    const now = Date.now();
    const start = new Date(now - 120_000).toISOString();
    const end = new Date(now - 60_000).toISOString();
    const visit = (domain: string, activeMs: number) =>
      makeEvent({ domain, url: `https://${domain}/`, startedAt: start, endedAt: end, activeMs });
    for (const [device, events] of [
      [chrome, [visit('alpha.test', 30_000), visit('both.test', 10_000)]],
      [firefox, [visit('beta.test', 20_000), visit('both.test', 5_000)]],
    ] as const) {
      const res = await postEvents(baseUrl, device.token, makeBatch([...events]));
      expect(res.status).toBeLessThan(300);
    }
    const as = async (device: typeof chrome) => {
      await syncConfigItem.setValue({
        enabled: true,
        serverUrl: baseUrl,
        deviceId: device.deviceId,
        token: device.token,
      });
      // Each browser its own database, where its summaries are cached.
      const db = openTracksphereDb(`link-sync-${device.deviceId}`);
      return createLinkHandlers({ fetch, now: Date.now, db });
    };
    const day = new Date(now - 120_000).toISOString().slice(0, 10);
    const range = { from: day, to: day, tz: 'UTC', refresh: true };
    const totals = async (handlers: ReturnType<typeof createLinkHandlers>) => {
      const reply = await handlers.getAllBrowsersSummary(range);
      const byDomain: Record<string, number> = {};
      for (const row of reply.cached?.summary.rows ?? []) {
        byDomain[row.domain] = (byDomain[row.domain] ?? 0) + row.activeMs;
      }
      return byDomain;
    };

    const inChrome = await as(chrome);
    expect(await totals(inChrome)).toEqual({ 'alpha.test': 30_000, 'both.test': 10_000 });
    const { code } = await inChrome.createLinkCode();

    const inFirefox = await as(firefox);
    await expect(inFirefox.linkWithCode({ code: 'AAAA-AAAA' })).rejects.toThrow(
      /^invalid_link_code:/,
    );
    const linked = await inFirefox.linkWithCode({ code: code.toLowerCase() });
    expect(linked.personId).toEqual(expect.any(String));
    expect(linked.devices.map((d) => [d.id, d.thisDevice])).toEqual([
      [chrome.deviceId, false],
      [firefox.deviceId, true],
    ]);
    expect(await totals(inFirefox)).toEqual({
      'alpha.test': 30_000,
      'beta.test': 20_000,
      'both.test': 15_000,
    });
    // The code is used up.
    await expect(inFirefox.linkWithCode({ code })).rejects.toThrow(/^invalid_link_code:/);

    const after = await inFirefox.unlink({ deviceId: chrome.deviceId });
    expect(after.personId).toBeNull();
    expect(await totals(inFirefox)).toEqual({ 'beta.test': 20_000, 'both.test': 5_000 });
  }, 60_000);
});
