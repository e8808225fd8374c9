/**
 * The study side of sync with the fake browser and a scripted server: 403 study_ended /
 * device_revoked stop sync for good with the reason kept, GET /api/v1/me at most daily, the
 * uninstall page, and leaving the study. The real server: test/extension/study-sync.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { fakeI18n } from '../components/ui-test-kit.js';
import { cacheSummary, freshTestDb, makeVisit, utcDayOf } from '../db/db-test-kit.js';
import { recordFinishedVisits, type TracksphereDb } from '../db/index.js';
import { studyInfoItem, syncConfigItem } from '../settings/index.js';
import { STUDY_INFO_MAX_AGE_MS } from './study-sync.js';
import { createSyncRunner, createSyncSetup } from './sync-runner.js';

const BASE = 'https://tracksphere.example.org';
const DEVICE = '0190a6f2-0000-7000-8000-00000000000a';
const SECRET = 'withdrawal-secret-0123456789';
const T0 = Date.UTC(2026, 2, 1, 12);
const ENDS = '2026-03-31T00:00:00.000Z';

interface Call {
  method: string;
  path: string;
  auth: string | null;
  body: string | null;
}

/** The API as far as these tests need it; `events` answers POST /api/v1/events. */
function fakeServer(events: () => Response, opts: { secret?: boolean } = {}) {
  const calls: Call[] = [];
  const error = (status: number, code: string, message: string) =>
    Response.json({ error: { code, message } }, { status });
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const method = init.method ?? 'GET';
    const path = new URL(url).pathname;
    const headers = new Headers(init.headers);
    calls.push({
      method,
      path,
      auth: headers.get('authorization'),
      body: (init.body as string) ?? null,
    });
    if (path === '/api/v1/devices') {
      return Response.json(
        {
          deviceId: DEVICE,
          token: `${DEVICE}.tokentokentoken`,
          ...(opts.secret === false ? {} : { withdrawalSecret: SECRET }),
        },
        { status: 201 },
      );
    }
    if (path === '/api/v1/me' && method === 'GET') {
      return Response.json({
        deviceId: DEVICE,
        label: null,
        cohort: 'spring-2026',
        studyEndsAt: ENDS,
        studyEnded: false,
        registeredAt: new Date(T0).toISOString(),
      });
    }
    if (path === '/api/v1/me' && method === 'DELETE') return Response.json({ deletedVisits: 3 });
    if (path === '/api/v1/withdraw') {
      const body = JSON.parse(String(init.body)) as { secret: string };
      if (body.secret !== SECRET) return error(403, 'withdrawal_refused', 'Not this device.');
      return Response.json({ deviceId: DEVICE, deletedVisits: 7, alreadyErased: false });
    }
    if (path === '/api/v1/events') return events();
    return error(404, 'not_found', 'No such route.');
  };
  return { fetch, calls };
}

const accepted = () => Response.json({ accepted: 1, rejected: [] });
const refused = (code: string, message: string) => () =>
  Response.json({ error: { code, message } }, { status: code === 'unauthorized' ? 401 : 403 });

let db: TracksphereDb;
let uninstallUrl: ReturnType<typeof vi.spyOn>;
let clock: { now: number };

beforeEach(async () => {
  fakeBrowser.reset();
  uninstallUrl = vi.spyOn(fakeBrowser.runtime, 'setUninstallURL').mockResolvedValue(undefined);
  vi.spyOn(fakeBrowser.runtime, 'getManifest').mockReturnValue({
    manifest_version: 3,
    name: 'Tracksphere',
    version: '0.1.0',
  });
  db = freshTestDb();
  clock = { now: T0 };
  await recordFinishedVisits(db, [makeVisit({ at: T0 - 60_000 })], {
    syncEnabled: true,
    dayOf: utcDayOf,
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await db.delete();
});

async function registered(server: ReturnType<typeof fakeServer>) {
  const rt = { fetch: server.fetch, now: () => clock.now, random: () => 0.5 };
  const setup = createSyncSetup(db, rt);
  await setup.enable({ serverUrl: BASE, enrollmentKey: 'code' });
  return { setup, runSync: createSyncRunner(db, rt) };
}

const count = (server: ReturnType<typeof fakeServer>, method: string, path: string) =>
  server.calls.filter((c) => c.method === method && c.path === path).length;

describe('registration', () => {
  it('stores the withdrawal secret, sets the uninstall page, and reads the cohort and study end', async () => {
    const server = fakeServer(accepted);
    await registered(server);
    expect(await syncConfigItem.getValue()).toMatchObject({
      enabled: true,
      deviceId: DEVICE,
      withdrawalSecret: SECRET,
      stopped: null,
    });
    expect(uninstallUrl).toHaveBeenLastCalledWith(`${BASE}/withdraw#d=${DEVICE}&s=${SECRET}`);
    expect(uninstallUrl.mock.lastCall?.[0]).not.toContain('?');
    expect(await studyInfoItem.getValue()).toEqual({
      cohort: 'spring-2026',
      studyEndsAt: ENDS,
      studyEnded: false,
      checkedAt: T0,
    });
    const me = server.calls.find((c) => c.method === 'GET' && c.path === '/api/v1/me');
    expect(me?.auth).toBe(`Bearer ${DEVICE}.tokentokentoken`);
  });

  it('clears the uninstall page when the server gives no secret', async () => {
    await registered(fakeServer(accepted, { secret: false }));
    expect(await syncConfigItem.getValue()).toMatchObject({ withdrawalSecret: null });
    expect(uninstallUrl).toHaveBeenLastCalledWith('');
  });
});

describe('GET /api/v1/me', () => {
  it('is asked again at most daily, by the sync runs', async () => {
    const server = fakeServer(accepted);
    const { runSync } = await registered(server);
    expect(count(server, 'GET', '/api/v1/me')).toBe(1);
    expect(await runSync()).toMatchObject({ status: 'done', sent: 1 });
    clock.now += STUDY_INFO_MAX_AGE_MS - 1;
    await runSync();
    expect(count(server, 'GET', '/api/v1/me')).toBe(1);
    clock.now += 1;
    await runSync();
    expect(count(server, 'GET', '/api/v1/me')).toBe(2);
    expect((await studyInfoItem.getValue())?.checkedAt).toBe(clock.now);
  });
});

describe('a server that stops the device for good', () => {
  it('403 study_ended: sync turns off with the reason, the study is read, and nothing is retried', async () => {
    const message = 'The study "spring-2026" ended on 2026-03-31T00:00:00.000Z.';
    const server = fakeServer(refused('study_ended', message));
    const { runSync } = await registered(server);
    await studyInfoItem.setValue(null);
    const result = await runSync();
    expect(result).toMatchObject({ status: 'failed', code: 'study_ended' });
    const config = await syncConfigItem.getValue();
    expect(config).toMatchObject({
      enabled: false,
      stopped: { code: 'study_ended', message, at: T0 },
    });
    // The token stays: erasing the server's copy still works.
    expect(config.token).not.toBeNull();
    expect(await studyInfoItem.getValue()).toMatchObject({
      cohort: 'spring-2026',
      studyEndsAt: ENDS,
    });
    clock.now += 60 * 60_000;
    expect(await runSync()).toEqual({ status: 'disabled' });
    expect(count(server, 'POST', '/api/v1/events')).toBe(1);
    // Recording goes on: visits from now on stay local (recordFinishedVisits reads `enabled`).
  });

  it('403 device_revoked: likewise, without asking GET /api/v1/me (it would be refused too)', async () => {
    const server = fakeServer(refused('device_revoked', 'This device was revoked.'));
    const { runSync } = await registered(server);
    await runSync();
    expect(await syncConfigItem.getValue()).toMatchObject({
      enabled: false,
      stopped: { code: 'device_revoked' },
    });
    expect(count(server, 'GET', '/api/v1/me')).toBe(1);
  });

  it('401 stays a block for re-registration, not a stop', async () => {
    const server = fakeServer(refused('unauthorized', 'Bad token.'));
    const { runSync } = await registered(server);
    expect(await runSync()).toMatchObject({ status: 'failed', code: 'unauthorized' });
    expect(await syncConfigItem.getValue()).toMatchObject({ enabled: true, stopped: null });
  });
});

describe('leaving the study', () => {
  it('POSTs the withdrawal, forgets the credentials, turns sync off, and keeps local visits', async () => {
    const server = fakeServer(accepted);
    const { setup } = await registered(server);
    await cacheSummary(db, {
      fetchedAt: T0,
      summary: {
        from: '2026-01-01',
        to: '2026-01-01',
        tz: 'UTC',
        generatedAt: new Date(T0).toISOString(),
        devices: [],
        rows: [
          {
            date: '2026-01-01',
            domain: 'b.example',
            deviceId: '0190a6f2-0000-7000-8000-00000000000b',
            activeMs: 1,
            visits: 1,
          },
        ],
      },
    });
    expect(await setup.leaveStudy()).toEqual({ deletedVisits: 7, alreadyErased: false });
    // The linked browsers' figures go with the credentials.
    expect(await db.summaryRanges.count()).toBe(0);
    expect(await db.summaryDays.count()).toBe(0);
    const post = server.calls.find((c) => c.path === '/api/v1/withdraw');
    expect(post?.method).toBe('POST');
    expect(JSON.parse(post?.body ?? '{}')).toEqual({ deviceId: DEVICE, secret: SECRET });
    expect(await syncConfigItem.getValue()).toEqual({
      enabled: false,
      serverUrl: BASE,
      deviceId: null,
      token: null,
      withdrawalSecret: null,
      stopped: null,
    });
    expect(await studyInfoItem.getValue()).toBeNull();
    expect(uninstallUrl).toHaveBeenLastCalledWith('');
    expect(await db.visits.toArray()).toMatchObject([{ syncState: 'local' }]);
  });

  it('uses DELETE /api/v1/me when the server gave no secret', async () => {
    const server = fakeServer(accepted, { secret: false });
    const { setup } = await registered(server);
    expect(await setup.leaveStudy()).toEqual({ deletedVisits: 3, alreadyErased: false });
    expect(count(server, 'DELETE', '/api/v1/me')).toBe(1);
    expect((await syncConfigItem.getValue()).token).toBeNull();
  });

  it('keeps the credentials when the server refuses', async () => {
    const server = fakeServer(accepted);
    const { setup } = await registered(server);
    await syncConfigItem.setValue({
      ...(await syncConfigItem.getValue()),
      withdrawalSecret: 'wrong-secret-0123456789',
    });
    await expect(setup.leaveStudy()).rejects.toThrow('Not this device.');
    expect((await syncConfigItem.getValue()).deviceId).toBe(DEVICE);
  });

  it('erasing the server copy clears the uninstall page too', async () => {
    const { setup } = await registered(fakeServer(accepted));
    await setup.eraseServerData();
    expect(uninstallUrl).toHaveBeenLastCalledWith('');
  });
});

describe("the server side's erase and leave, in the person's language", () => {
  /** The fake server with DELETE /api/v1/me answered by `answer` instead. */
  function deleteAnswered(answer: () => Promise<Response>, opts: { secret?: boolean } = {}) {
    const server = fakeServer(accepted, opts);
    const fetch = (url: string, init: RequestInit): Promise<Response> =>
      new URL(url).pathname === '/api/v1/me' && init.method === 'DELETE'
        ? answer()
        : server.fetch(url, init);
    return { ...server, fetch };
  }

  it("words a refused DELETE /api/v1/me by its code, not the server's English", async () => {
    const server = deleteAnswered(
      async () =>
        Response.json(
          { error: { code: 'device_revoked', message: 'Revoked by the administrator.' } },
          { status: 403 },
        ),
      { secret: false },
    );
    const { setup } = await registered(server);
    fakeI18n();
    await expect(setup.leaveStudy()).rejects.toThrow('apiError_device_revoked()');
    await expect(setup.eraseServerData()).rejects.toThrow('apiError_device_revoked()');
    // Refused: the credentials stay, so the person can try again.
    expect((await syncConfigItem.getValue()).token).not.toBeNull();
  });

  it("says the server could not be reached, without the browser's English reason", async () => {
    const server = deleteAnswered(async () => {
      throw new TypeError('Failed to fetch');
    });
    const { setup } = await registered(server);
    fakeI18n();
    await expect(setup.eraseServerData()).rejects.toThrow(/^apiError_network\(\)$/);
  });

  it('says in its own words that the browser is not registered', async () => {
    fakeI18n();
    const rt = { fetch: fakeServer(accepted).fetch, now: () => T0, random: () => 0.5 };
    const setup = createSyncSetup(db, rt);
    await expect(setup.eraseServerData()).rejects.toThrow('syncNotRegistered()');
    await expect(setup.leaveStudy()).rejects.toThrow('syncNotRegistered()');
  });
});
