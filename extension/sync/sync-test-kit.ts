/** A fake ingest endpoint for the sync unit tests: decodes what the client sent, answers by script. */
import { afterEach, beforeEach, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { SummaryRow, VisitEvent } from '#protocol';
import { freshTestDb } from '../db/db-test-kit.js';
import type { TracksphereDb } from '../db/index.js';
import type { AllBrowsersReply } from '../messaging/protocol.js';
import { syncConfigItem } from '../settings/index.js';
import type { CachedRangeSummary } from '../stats/summary-cache.js';
import type { FetchLike } from './http.js';

export interface SeenRequest {
  url: string;
  headers: Headers;
  gzip: boolean;
  /** Decompressed body text. */
  text: string;
  batchId: string;
  sentAt: string;
  events: VisitEvent[];
}

async function decode(body: unknown, gzip: boolean): Promise<string> {
  if (typeof body === 'string') return body;
  if (!(body instanceof Uint8Array)) throw new Error('unexpected body type');
  if (!gzip) return new TextDecoder().decode(body);
  const stream = new Blob([body as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
}

export type Answer = (req: SeenRequest, n: number) => Response | Promise<Response>;

/** Records every request; `answer` gets it and its 0-based number. */
export function fakeIngest(answer: Answer): { fetch: FetchLike; seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  const fetch: FetchLike = async (url, init) => {
    const headers = new Headers(init.headers);
    const gzip = headers.get('content-encoding') === 'gzip';
    const text = await decode(init.body, gzip);
    const parsed = JSON.parse(text) as { batchId: string; sentAt: string; events: VisitEvent[] };
    const req: SeenRequest = { url, headers, gzip, text, ...parsed };
    seen.push(req);
    return answer(req, seen.length - 1);
  };
  return { fetch, seen };
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

export function acceptAll(req: SeenRequest): Response {
  return json(200, { accepted: req.events.length, rejected: [] });
}

export function apiError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return json(status, { error: { code, message } }, headers);
}

/** One browser in the server's list of linked browsers: this one runs Chrome, the others Firefox. */
export const linkedDevice = (id: string, thisDevice: boolean) => ({
  id,
  browser: thisDevice ? 'Chrome' : 'Firefox',
  os: 'Linux',
  label: null,
  lastSyncAt: null,
  thisDevice,
});

/**
 * A one-day summary of `day` (UTC) with this browser `me` and one other linked, generated and
 * received at `at`.
 */
export function cachedSummary(
  me: string,
  other: string,
  day: string,
  at: number,
  rows: SummaryRow[],
): CachedRangeSummary {
  return {
    fetchedAt: at,
    summary: {
      from: day,
      to: day,
      tz: 'UTC',
      generatedAt: new Date(at).toISOString(),
      devices: [linkedDevice(me, true), linkedDevice(other, false)],
      rows,
    },
  };
}

/** An All my browsers reply holding cachedSummary(me, other, day, at, rows). */
export function allBrowsersReply(
  me: string,
  other: string,
  day: string,
  at: number,
  rows: SummaryRow[],
): AllBrowsersReply {
  return { deviceId: me, error: null, cached: cachedSummary(me, other, day, at, rows) };
}

/**
 * For each test, a new database and this browser registered with sync on at `baseUrl` as
 * `deviceId` (the fake browser reset first), handed to `use`; after it, mocks restored and the
 * database deleted.
 */
export function eachRegisteredBrowser(
  baseUrl: string,
  deviceId: string,
  use: (db: TracksphereDb) => void,
): void {
  let db: TracksphereDb | undefined;
  beforeEach(async () => {
    fakeBrowser.reset();
    db = freshTestDb();
    use(db);
    await syncConfigItem.setValue({
      enabled: true,
      serverUrl: baseUrl,
      deviceId,
      token: `${deviceId}.token`,
    });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await db?.delete();
  });
}
