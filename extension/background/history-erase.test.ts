import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { fakeI18n } from '../components/ui-test-kit.js';
import { freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { pendingCount, recordFinishedVisits, type TracksphereDb } from '../db/index.js';
import { syncConfigItem } from '../settings/index.js';
import {
  createHistoryEraser,
  resendErasesAfterSync,
  SETTLE_MS,
  serverErasesItem,
} from './history-erase.js';

const D15 = Date.UTC(2025, 0, 15);
const NOW = Date.UTC(2025, 0, 20, 12);
const utcStart = (day: string): number => Date.parse(`${day}T00:00:00Z`);

interface Call {
  method: string;
  url: string;
  auth: string | null;
}

let db: TracksphereDb;
let now: number;
let calls: Call[];
let answer: () => Promise<Response>;

function eraser() {
  return createHistoryEraser(db, {
    fetch: async (url, init) => {
      calls.push({
        method: init.method ?? 'GET',
        url,
        auth: new Headers(init.headers).get('authorization'),
      });
      return answer();
    },
    now: () => now,
    dayOf: utcDayOf,
    startOfDay: utcStart,
  });
}

async function register(enabled: boolean): Promise<void> {
  await syncConfigItem.setValue({
    enabled,
    serverUrl: 'https://ts.example',
    deviceId: 'd',
    token: 'tok',
  });
}

beforeEach(async () => {
  fakeBrowser.reset();
  db = freshTestDb();
  now = NOW;
  calls = [];
  answer = async () => Response.json({ deletedVisits: 3 });
  await recordFinishedVisits(
    db,
    [
      makeVisit({ domain: 'example.com', url: 'https://example.com/', at: D15 }),
      makeVisit({ domain: 'www.example.com', url: 'https://www.example.com/', at: D15 + 1 }),
      makeVisit({ domain: 'other.org', url: 'https://other.org/', at: D15 + 2 }),
    ],
    { syncEnabled: true, dayOf: utcDayOf },
  );
});
afterEach(async () => {
  vi.restoreAllMocks();
  await db.delete();
});

describe('erasing history from the background', () => {
  it('erases a site locally (outbox too) and on the server, bounded by the instant of the erase', async () => {
    await register(true);
    const result = await eraser().erase({ site: 'example.com' });
    expect(result).toEqual({ localVisits: 2, server: { deletedVisits: 3 } });
    expect(await pendingCount(db)).toBe(1);
    expect(calls).toEqual([
      {
        method: 'DELETE',
        url: `https://ts.example/api/v1/me/visits?domain=example.com&to=${encodeURIComponent(new Date(NOW).toISOString())}`,
        auth: 'Bearer tok',
      },
    ]);
  });

  it('sends a range of local days as their midnights', async () => {
    await register(true);
    await eraser().erase({ fromDay: '2025-01-15', toDay: '2025-01-16' });
    const url = new URL(calls[0]?.url ?? '');
    expect(url.searchParams.get('from')).toBe('2025-01-15T00:00:00.000Z');
    expect(url.searchParams.get('to')).toBe('2025-01-17T00:00:00.000Z');
    expect(url.searchParams.has('domain')).toBe(false);
    expect(await db.visits.count()).toBe(0);
  });

  it('erases on the server with sync off too, when the browser is still registered', async () => {
    await register(false);
    const result = await eraser().erase({ site: 'other.org' });
    expect(result.server).toEqual({ deletedVisits: 3 });
    expect(calls).toHaveLength(1);
  });

  it('erases only locally when the browser was never registered', async () => {
    const result = await eraser().erase({ site: 'other.org' });
    expect(result).toEqual({ localVisits: 1, server: null });
    expect(calls).toEqual([]);
    expect(await serverErasesItem.getValue()).toEqual([]);
  });

  it('sends the erase again after the next successful sync, until it has settled', async () => {
    await register(true);
    const e = eraser();
    await e.erase({ site: 'example.com' });
    let syncs = 0;
    const runSync = resendErasesAfterSync(async () => {
      syncs += 1;
      return { status: 'done', sent: 0, rejected: 0, pending: 0 };
    }, e);

    // Too soon: visits it missed may still be on their way; sent again, and kept.
    now = NOW + SETTLE_MS - 1;
    await runSync();
    expect(calls).toHaveLength(2);
    expect(calls[1]?.url).toBe(calls[0]?.url);
    expect(await serverErasesItem.getValue()).toHaveLength(1);

    now = NOW + SETTLE_MS;
    await runSync();
    expect(calls).toHaveLength(3);
    expect(await serverErasesItem.getValue()).toEqual([]);

    await runSync();
    expect(calls).toHaveLength(3);
    expect(syncs).toBe(3);
  });

  it('keeps an erase the server could not take, and not after a failed sync', async () => {
    await register(true);
    const e = eraser();
    answer = async () => {
      throw new TypeError('Failed to fetch');
    };
    fakeI18n();
    const result = await e.erase({ site: 'example.com' });
    // In the person's language, without the browser's English reason ("Failed to fetch").
    expect(result.server).toMatchObject({ error: 'apiError_network()' });
    expect(await db.visits.count()).toBe(1);

    answer = async () => Response.json({ deletedVisits: 2 });
    now = NOW + 2 * SETTLE_MS;
    await resendErasesAfterSync(
      async () => ({ status: 'failed', code: 'network', message: 'offline' }),
      e,
    )();
    expect(calls).toHaveLength(1);
    expect(await serverErasesItem.getValue()).toHaveLength(1);

    await resendErasesAfterSync(
      async () => ({ status: 'done', sent: 1, rejected: 0, pending: 0 }),
      e,
    )();
    expect(calls).toHaveLength(2);
    expect(await serverErasesItem.getValue()).toEqual([]);
  });

  it('drops a kept erase once the server no longer knows the device', async () => {
    await register(true);
    const e = eraser();
    await e.erase({ site: 'example.com' });
    answer = async () =>
      Response.json({ error: { code: 'device_deleted', message: 'gone' } }, { status: 403 });
    await e.resend();
    expect(await serverErasesItem.getValue()).toEqual([]);
  });
});
