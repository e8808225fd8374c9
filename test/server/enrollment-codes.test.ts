/**
 * Enrolment codes and the study window, on real PostgreSQL (and the mock Kafka cluster where
 * the mode matters): a code registers at most its uses into its cohort, not once expired or
 * revoked; after the cohort's study end POST /api/v1/events answers 403 study_ended and stores
 * nothing, while what was sent before stays; GET /api/v1/me tells the device its cohort.
 * The admin command itself: admin-command.test.ts.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceInfo, DeviceRegistered, ErrorBody } from '#protocol';
import {
  createCodes,
  revokeCode,
  revokeDevice,
  setStudyEnd,
} from '../../server/src/domain/study-admin.js';
import {
  makeBatch,
  makeEvent,
  postEvents,
  registerDevice,
  request,
  waitFor,
} from '../harness/client.js';
import { MODES, type Stack, startStack } from './modes.js';

const KEY = 'server-wide-enrollment-key-0123';

function register(base: string, key: string | undefined) {
  return request<DeviceRegistered & ErrorBody>(`${base}/api/v1/devices`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'x-enrollment-key': key }),
    },
    body: JSON.stringify({
      extensionVersion: '0.1.0',
      browser: { name: 'Firefox', version: '128.0' },
      os: 'Linux',
      label: 'lab laptop',
    }),
  });
}

function expectError(res: { status: number; body: unknown }, code: string): ErrorBody['error'] {
  const error = (res.body as ErrorBody).error;
  expect(`${res.status} ${error?.code}`).toBe(`403 ${code}`);
  return error;
}

async function cohortOf(stack: Stack, deviceId: string): Promise<string | null | undefined> {
  const r = await stack.server.pool.query<{ name: string | null }>(
    'SELECT c.name FROM devices d LEFT JOIN cohorts c ON c.id = d.cohort_id WHERE d.id = $1',
    [deviceId],
  );
  return r.rows[0]?.name;
}

const soon = (): Date => new Date(Date.now() + 86_400_000);

describe('enrolment codes (X-Enrollment-Key)', () => {
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    stack = await startStack('embedded', { ENROLLMENT_KEY: KEY });
    base = stack.server.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const create = (cohort: string, opts: { uses?: number; expiresAt?: Date | null } = {}) =>
    createCodes(stack.server.pool, {
      cohort,
      count: 1,
      uses: opts.uses ?? 1,
      expiresAt: opts.expiresAt ?? null,
      studyEndsAt: undefined,
    }).then((made) => made.codes[0]?.code as string);

  it('registers as many devices as the code has uses, into its cohort, then 403 enrollment_used_up', async () => {
    const code = await create('uses-two', { uses: 2 });
    const first = await register(base, code);
    // However typed: lower case, without dashes.
    const second = await register(base, code.toLowerCase().replaceAll('-', ''));
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(await cohortOf(stack, first.body.deviceId)).toBe('uses-two');
    expect(await cohortOf(stack, second.body.deviceId)).toBe('uses-two');
    const third = await register(base, code);
    expect(expectError(third, 'enrollment_used_up').message).toMatch(/\(2\)/);
    const uses = await stack.server.pool.query('SELECT uses FROM enrollment_codes');
    expect(uses.rows).toContainEqual({ uses: 2 });
  });

  it('gives the last use to one of many registrations racing for it', async () => {
    const code = await create('race', { uses: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, () => register(base, code)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    for (const r of results.filter((x) => x.status !== 201)) expectError(r, 'enrollment_used_up');
    const n = await stack.server.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM devices d JOIN cohorts c ON c.id = d.cohort_id
        WHERE c.name = 'race'`,
    );
    expect(n.rows[0]?.n).toBe('3');
  });

  it('a registration the database fails half way spends no use, counts nothing and leaves no device', async () => {
    const pool = stack.server.pool;
    const code = await create('half-way', { uses: 1 });
    const devices = async () =>
      Number((await pool.query('SELECT count(*) FROM devices')).rows[0].count);
    const counted = async () =>
      (await pool.query("SELECT total FROM enrollment_usage WHERE enrollment = 'key'")).rows[0]
        ?.total;
    const [devicesBefore, countedBefore] = [await devices(), await counted()];
    // The withdrawal secret's insert fails as a connection a failover terminates does (57P01).
    await pool.query(`CREATE FUNCTION fail_secret() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'terminating connection due to administrator command'
        USING ERRCODE = '57P01'; END $$`);
    await pool.query(
      'CREATE TRIGGER fail_secret BEFORE INSERT ON withdrawal_secrets FOR EACH ROW EXECUTE FUNCTION fail_secret()',
    );
    try {
      const byCode = await register(base, code);
      const byKey = await register(base, KEY);
      expect([byCode.status, byKey.status]).toEqual([503, 503]);
    } finally {
      await pool.query('DROP TRIGGER fail_secret ON withdrawal_secrets');
      await pool.query('DROP FUNCTION fail_secret()');
    }
    expect(await devices()).toBe(devicesBefore);
    expect(await counted()).toBe(countedBefore);
    const uses = await pool.query(
      `SELECT e.uses FROM enrollment_codes e JOIN cohorts c ON c.id = e.cohort_id
        WHERE c.name = 'half-way'`,
    );
    expect(uses.rows).toEqual([{ uses: 0 }]);
    // The person's retry with the same one-use code registers, with a secret that withdraws.
    const retry = await register(base, code);
    expect(retry.status).toBe(201);
    expect(await cohortOf(stack, retry.body.deviceId)).toBe('half-way');
    const orphans = await pool.query(
      `SELECT d.id FROM devices d LEFT JOIN withdrawal_secrets w ON w.device_id = d.id
        WHERE w.device_id IS NULL`,
    );
    expect(orphans.rows).toEqual([]);
  });

  it('refuses an expired code with 403 enrollment_expired, registering nothing', async () => {
    const code = await create('expired', { uses: 5, expiresAt: new Date(Date.now() - 1000) });
    const before = await stack.server.pool.query('SELECT id FROM devices');
    const res = await register(base, code);
    expect(expectError(res, 'enrollment_expired').message).toMatch(/expired at \d{4}-/);
    const after = await stack.server.pool.query('SELECT id FROM devices');
    expect(after.rowCount).toBe(before.rowCount);
    const stillValid = await create('expired', { uses: 1, expiresAt: soon() });
    expect((await register(base, stillValid)).status).toBe(201);
  });

  it('refuses a revoked code with 403 enrollment_revoked; the devices it registered keep syncing', async () => {
    const code = await create('revoked', { uses: 5 });
    const before = await register(base, code);
    expect(before.status).toBe(201);
    await revokeCode(stack.server.pool, code, new Date());
    expectError(await register(base, code), 'enrollment_revoked');
    const sent = await postEvents(base, before.body.token, makeBatch([makeEvent()]));
    expect(sent.status).toBe(200);
  });

  it('answers an unknown code as before (enrollment_required); the server-wide key still registers, without a cohort', async () => {
    const unknown = await register(base, 'ABCD-EFGH-JKMN-PQRS');
    expect(unknown.status).toBe(403);
    expect(unknown.body.error.code).toBe('enrollment_required');
    expect((await register(base, undefined)).body.error.code).toBe('enrollment_required');
    const byKey = await register(base, KEY);
    expect(byKey.status).toBe(201);
    expect(await cohortOf(stack, byKey.body.deviceId)).toBeNull();
  });

  it('refuses what a revoked device sends with 403 device_revoked, and lets it read and erase its own data', async () => {
    const d = await registerDevice(base, { enrollmentKey: KEY });
    await revokeDevice(stack.server.pool, d.deviceId, new Date());
    const auth = { authorization: `Bearer ${d.token}` };
    expectError(await postEvents(base, d.token, makeBatch([makeEvent()])), 'device_revoked');
    expect((await request(`${base}/api/v1/me`, { headers: auth })).status).toBe(200);
    const exported = await request(`${base}/api/v1/me/export`, { headers: auth });
    expect(exported.status).toBe(200);
    expect(exported.text).toContain(`"id":"${d.deviceId}"`);
    const erased = await request(`${base}/api/v1/me`, { method: 'DELETE', headers: auth });
    expect(erased.status).toBe(200);
    expectError(await postEvents(base, d.token, makeBatch([makeEvent()])), 'device_deleted');
  });
});

/** Messages on a topic: the sum of its partitions' end offsets. */
async function topicEnd(brokers: string[], topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'test-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

describe.each(MODES)('the study window (%s mode)', (mode) => {
  let stack: Stack;
  let base: string;

  beforeAll(async () => {
    // The study end is set straight in PostgreSQL, as the admin command does: seen at once only
    // without the credential cache (its expiry: test/server/auth-cache.test.ts).
    stack = await startStack(mode, { AUTH_CACHE_TTL_MS: '0' });
    base = stack.server.url;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function stored(deviceId: string): Promise<number> {
    const r = await stack.server.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM visits WHERE device_id = $1',
      [deviceId],
    );
    return Number(r.rows[0]?.n);
  }

  it('accepts events until the study end, then 403 study_ended: nothing more stored, what was sent stays', async () => {
    const end = soon();
    const made = await createCodes(stack.server.pool, {
      cohort: `study-${mode}`,
      count: 1,
      uses: 1,
      expiresAt: null,
      studyEndsAt: end,
    });
    const res = await register(base, made.codes[0]?.code);
    expect(res.status).toBe(201);
    const device = res.body;
    const auth = { authorization: `Bearer ${device.token}` };

    const me = await request<DeviceInfo>(`${base}/api/v1/me`, { headers: auth });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({
      deviceId: device.deviceId,
      label: 'lab laptop',
      cohort: `study-${mode}`,
      studyEndsAt: end.toISOString(),
      studyEnded: false,
      registeredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const before = [makeEvent(), makeEvent()];
    expect((await postEvents(base, device.token, makeBatch(before))).status).toBe(200);
    await waitFor(async () => (await stored(device.deviceId)) === 2, 'the 2 events stored');

    const ended = new Date(Date.now() - 1000);
    await setStudyEnd(stack.server.pool, `study-${mode}`, ended);
    const offsets = stack.kafka === null ? 0 : await topicEnd(stack.kafka.brokers, 'visits.v1');
    const refused = await postEvents(base, device.token, makeBatch([makeEvent()]));
    const error = expectError(refused, 'study_ended');
    expect(error.message).toContain(`"study-${mode}"`);
    expect(error.message).toContain(ended.toISOString());
    // Nothing was delivered: no message produced (Kafka), no row written (both).
    if (stack.kafka !== null) {
      expect(await topicEnd(stack.kafka.brokers, 'visits.v1')).toBe(offsets);
    }
    expect(await stored(device.deviceId)).toBe(2);

    // The device may still read what it is and what the server holds.
    const after = await request<DeviceInfo>(`${base}/api/v1/me`, { headers: auth });
    expect(after.body).toMatchObject({ studyEndsAt: ended.toISOString(), studyEnded: true });
    const exported = await request(`${base}/api/v1/me/export`, { headers: auth });
    expect(exported.status).toBe(200);
    expect(exported.text.trim().split('\n')).toHaveLength(3);

    // Moving the end later opens the window again.
    await setStudyEnd(stack.server.pool, `study-${mode}`, null);
    expect((await postEvents(base, device.token, makeBatch([makeEvent()]))).status).toBe(200);
    await waitFor(async () => (await stored(device.deviceId)) === 3, 'the third event stored');
  }, 60_000);

  it('GET /api/v1/me of a device without a cohort: no cohort, no end', async () => {
    const d = await registerDevice(base);
    const me = await request<DeviceInfo>(`${base}/api/v1/me`, {
      headers: { authorization: `Bearer ${d.token}` },
    });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      deviceId: d.deviceId,
      label: null,
      cohort: null,
      studyEndsAt: null,
      studyEnded: false,
    });
    const anonymous = await request<ErrorBody>(`${base}/api/v1/me`);
    expect(anonymous.status).toBe(401);
  });
});
