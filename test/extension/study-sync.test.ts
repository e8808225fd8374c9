/**
 * The extension's study side against the real server on real PostgreSQL: the background's
 * sync setup and runner (in WXT's fake browser) register with an enrolment code, read
 * GET /api/v1/me (cohort, study end), stop for good on 403 study_ended with the server's
 * reason once the admin ends the study, and leave the study with the withdrawal secret.
 */
// Must come first: Dexie looks for indexedDB when it is first imported.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { createCodes, setStudyEnd } from '../../server/src/domain/study-admin.js';
import { makeEvent } from '../harness/client.js';
import { type Stack, startStack } from '../server/modes.js';

// wxt/browser is globalThis.chrome outside an extension: the fake browser, before the
// extension's modules are loaded.
(globalThis as { chrome?: unknown }).chrome = fakeBrowser;
const { openTracksphereDb, recordFinishedVisits } = await import('../../extension/db/index.js');
const { studyInfoItem, syncConfigItem } = await import('../../extension/settings/index.js');
const { createSyncRunner, createSyncSetup } = await import(
  '../../extension/background/sync-runner.js'
);

const utcDayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

describe('the study side of sync against the real server (embedded)', () => {
  let stack: Stack;

  beforeAll(async () => {
    // The study end is set in PostgreSQL as the admin command does: seen at once without the
    // credential cache.
    stack = await startStack('embedded', { AUTH_CACHE_TTL_MS: '0' });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('reads the cohort and study end, stops on 403 study_ended with its reason, and leaves the study', async () => {
    const pool = stack.server.pool;
    const cohort = 'ext-study';
    const ends = new Date(Date.now() + 7 * 86_400_000);
    const made = await createCodes(pool, {
      cohort,
      count: 1,
      uses: 1,
      expiresAt: null,
      studyEndsAt: ends,
    });
    vi.spyOn(fakeBrowser.runtime, 'getManifest').mockReturnValue({
      manifest_version: 3,
      name: 'Tracksphere',
      version: '0.1.0',
    });
    const uninstall = vi.spyOn(fakeBrowser.runtime, 'setUninstallURL').mockResolvedValue(undefined);
    const db = openTracksphereDb(`study-it-${crypto.randomUUID()}`);
    const requests: string[] = [];
    const rt = {
      fetch: (url: string, init: RequestInit) => {
        requests.push(`${init.method ?? 'GET'} ${new URL(url).pathname}`);
        return fetch(url, init);
      },
      now: Date.now,
      random: () => 0,
    };
    const setup = createSyncSetup(db, rt);
    const runSync = createSyncRunner(db, rt);

    await setup.enable({ serverUrl: stack.server.url, enrollmentKey: made.codes[0]?.code });
    const config = await syncConfigItem.getValue();
    expect(config.withdrawalSecret).toEqual(expect.any(String));
    expect(uninstall).toHaveBeenLastCalledWith(
      `${stack.server.url}/withdraw#d=${config.deviceId}&s=${config.withdrawalSecret}`,
    );
    // GET /api/v1/me was read after registering.
    expect(requests).toEqual(['POST /api/v1/devices', 'GET /api/v1/me']);
    expect(await studyInfoItem.getValue()).toMatchObject({
      cohort,
      studyEndsAt: ends.toISOString(),
      studyEnded: false,
    });

    await recordFinishedVisits(db, [makeEvent()], { syncEnabled: true, dayOf: utcDayOf });
    expect(await runSync()).toMatchObject({ status: 'done', sent: 1 });

    // The admin ends the study.
    const ended = new Date(Date.now() - 60_000);
    await setStudyEnd(pool, cohort, ended);
    await recordFinishedVisits(db, [makeEvent()], { syncEnabled: true, dayOf: utcDayOf });
    requests.length = 0;
    const refused = await runSync();
    expect(refused).toMatchObject({ status: 'failed', code: 'study_ended' });
    const stopped = await syncConfigItem.getValue();
    expect(stopped.enabled).toBe(false);
    expect(stopped.stopped?.code).toBe('study_ended');
    expect(stopped.stopped?.message).toContain(`"${cohort}"`);
    // The stop re-read GET /api/v1/me: the pages name the cohort and the end date.
    expect(requests).toEqual(['POST /api/v1/events', 'GET /api/v1/me']);
    expect(await studyInfoItem.getValue()).toMatchObject({
      cohort,
      studyEndsAt: ended.toISOString(),
      studyEnded: true,
    });
    // Nothing more is sent, and nothing retries.
    requests.length = 0;
    expect(await runSync()).toEqual({ status: 'disabled' });
    expect(requests).toEqual([]);

    // Leaving the study erases the server's copy with the secret alone.
    expect(await setup.leaveStudy()).toEqual({ deletedVisits: 1, alreadyErased: false });
    expect(requests).toEqual(['POST /api/v1/withdraw']);
    const left = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM visits WHERE device_id = $1',
      [config.deviceId],
    );
    expect(Number(left.rows[0]?.n)).toBe(0);
    expect(await syncConfigItem.getValue()).toMatchObject({ enabled: false, token: null });
    expect(uninstall).toHaveBeenLastCalledWith('');
    expect(await db.visits.count()).toBe(2);
    await db.delete();
  });
});
