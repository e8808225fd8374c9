/**
 * The sync client's failures in the person's language: with fakeI18n each message shows as
 * key(substitutions), so these check which message and which detail, not English words.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { ERROR_STATUS } from '#protocol';
import { fakeI18n } from '../components/ui-test-kit.js';
import { freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { getSyncMeta, recordFinishedVisits, type TracksphereDb } from '../db/index.js';
import en from '../public/_locales/en/messages.json' with { type: 'json' };
import { apiErrorText } from './error-text.js';
import { fetchWithTimeout, readApiError } from './http.js';
import { syncOnce } from './sync-once.js';
import { apiError as answerWith } from './sync-test-kit.js';

beforeEach(() => fakeI18n());
afterEach(() => vi.restoreAllMocks());

const body = (code: string, message: string, details?: unknown): Response =>
  Response.json({ error: { code, message, details } }, { status: 400 });

describe('the sync client words its failures in the UI language', () => {
  it("says the server could not be reached, without the browser's English reason", async () => {
    const failed = await fetchWithTimeout(
      {
        fetch: async () => {
          throw new TypeError('Failed to fetch');
        },
        baseUrl: 'https://x',
      },
      'https://x/api/v1/events',
      {},
    );
    expect(failed).toMatchObject({ code: 'network', message: 'apiError_network()' });
    // The English words stay for logs and checks.
    expect(failed).toMatchObject({ raw: 'The server could not be reached: Failed to fetch' });
  });

  it("words each of the API's error codes by its own message, the server's words kept aside", async () => {
    for (const code of Object.keys(ERROR_STATUS)) {
      const error = await readApiError(body(code, `The server's words for ${code}.`));
      expect(error.code).toBe(code);
      expect(error.message.startsWith(`apiError_${code}(`), code).toBe(true);
      expect(en, code).toHaveProperty(`apiError_${code}`);
      expect(error.raw).toBe(`The server's words for ${code}.`);
    }
  });

  it("keeps the server's message as a detail where it names what was refused", async () => {
    const refused = await readApiError(body('invalid_request', 'label: Too big'));
    expect(refused.message).toBe('apiError_invalid_request(label: Too big)');
    const revoked = await readApiError(body('device_revoked', 'The administrator revoked it.'));
    expect(revoked.message).toBe('apiError_device_revoked()');
  });

  it("names the study and its end from the answer's details, in the UI's words", async () => {
    const details = { cohort: 'spring-2026', studyEndsAt: '2026-03-31T00:00:00.000Z' };
    const ended = await readApiError(body('study_ended', 'The study ended.', details));
    expect(ended.message).toMatch(/^apiError_study_ended_on\(spring-2026,.*2026\)$/);
    expect((await readApiError(body('study_ended', 'The study ended.'))).message).toBe(
      'apiError_study_ended()',
    );
  });

  it('names how many browsers the server links for one person', async () => {
    const details = { browsers: 21, maxBrowsers: 20 };
    const refused = await readApiError(body('link_limit', 'Too many browsers.', details));
    expect(refused.message).toBe('apiError_link_limit_of(20)');
    expect((await readApiError(body('link_limit', 'Too many browsers.'))).message).toBe(
      'apiError_link_limit()',
    );
  });

  it("gives the status of an answer without the API's error body", async () => {
    const proxy = await readApiError(new Response('<html>Bad gateway</html>', { status: 502 }));
    expect(proxy).toMatchObject({ code: 'http_502', message: 'apiError_http(502)' });
  });

  it('falls back to the English words where the browser has no messages', () => {
    vi.spyOn(fakeBrowser.i18n, 'getMessage').mockReturnValue('');
    expect(apiErrorText('device_revoked', 'Revoked by the administrator.', 403)).toBe(
      'Revoked by the administrator.',
    );
  });
});

describe("sync's last error", () => {
  let db: TracksphereDb | undefined;
  afterEach(async () => {
    await db?.delete();
  });

  it('is kept worded in the UI language, for the popup and the options page to show', async () => {
    db = freshTestDb();
    const at = Date.UTC(2025, 0, 20, 12);
    await recordFinishedVisits(db, [makeVisit({ at: at - 60_000 })], {
      syncEnabled: true,
      dayOf: utcDayOf,
    });
    await syncOnce({
      db,
      config: { baseUrl: 'https://ingest.example/', token: 'device.secret' },
      fetch: async () =>
        answerWith(503, 'unavailable', 'The server cannot store events right now.'),
      now: () => at,
      random: () => 0.5,
    });
    expect((await getSyncMeta(db)).lastError).toMatchObject({
      code: 'unavailable',
      message: 'apiError_unavailable()',
    });
  });
});
