/**
 * `npm run admin -- codes|cohorts|devices`, run as the operator runs it (a child process on a
 * real PostgreSQL), and what each sub-command does to the API's answers: codes register into
 * their cohort until revoked, a revoked device's token gets 403 device_revoked, an erased
 * device's data is gone. Bad arguments: one line on stderr, nothing on stdout, exit 2.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered, ErrorBody } from '#protocol';
import { type AdminRun, runAdmin } from '../harness/admin-cli.js';
import { makeBatch, makeEvent, postEvents, request, waitFor } from '../harness/client.js';
import { type Stack, startStack } from './modes.js';

const KEY = 'server-wide-enrollment-key-0123';
const CODE_RE = /^([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}$/;

function expectOk(run: AdminRun, what: string): void {
  expect(`${run.code} ${run.stderr}`, what).toBe('0 ');
}

function expectFailure(run: AdminRun, code: number, message: RegExp, what: string): void {
  expect(run.code, `${what}: ${run.stderr}`).toBe(code);
  expect(run.stderr.trim().split('\n'), what).toHaveLength(1);
  expect(run.stderr, what).toMatch(message);
  expect(run.stdout, what).toBe('');
}

describe('npm run admin -- codes, cohorts, devices', () => {
  let stack: Stack;
  let base: string;
  let env: Record<string, string>;
  const admin = (...args: string[]): Promise<AdminRun> => runAdmin(args, env);
  const json = async <T>(...args: string[]): Promise<T> => {
    const run = await admin(...args, '--json');
    expectOk(run, args.join(' '));
    return JSON.parse(run.stdout) as T;
  };
  const register = (key: string) =>
    request<DeviceRegistered & ErrorBody>(`${base}/api/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-enrollment-key': key },
      body: JSON.stringify({
        extensionVersion: '0.1.0',
        browser: { name: 'Chrome', version: '131.0' },
        os: 'Linux',
      }),
    });

  beforeAll(async () => {
    // The command acts from another process: its revocations and erasures are seen at once only
    // without the API's credential cache (their expiry: test/server/auth-cache.test.ts).
    stack = await startStack('embedded', { ENROLLMENT_KEY: KEY, AUTH_CACHE_TTL_MS: '0' });
    base = stack.server.url;
    env = { DATABASE_URL: stack.databaseUrl };
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('codes create prints codes that register into the cohort; codes list and revoke', async () => {
    const made = await json<{ cohort: string; codes: { id: number; code: string }[] }>(
      'codes',
      'create',
      '--cohort',
      'pilot',
      '--uses',
      '2',
      '--count',
      '3',
      '--study-ends',
      '2099-12-31',
    );
    expect(made.codes).toHaveLength(3);
    for (const c of made.codes) expect(c.code).toMatch(CODE_RE);
    expect(new Set(made.codes.map((c) => c.code)).size).toBe(3);

    const text = await admin('codes', 'create', '--cohort', 'pilot', '--expires', '2099-01-01');
    expectOk(text, 'codes create (text)');
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/cohort "pilot", study end 2100-01-01T00:00:00.000Z; 1 code/);
    expect(lines[1]).toMatch(CODE_RE);

    // Only hashes are stored: the codes appear nowhere in the database.
    const stored = await stack.server.pool.query<{ t: string }>(
      "SELECT string_agg(e::text, '|') AS t FROM enrollment_codes e",
    );
    for (const c of made.codes) {
      expect(stored.rows[0]?.t).not.toContain(c.code.replaceAll('-', ''));
      expect(stored.rows[0]?.t).not.toContain(c.code);
    }

    const first = made.codes[0] as { id: number; code: string };
    const device = await register(first.code);
    expect(device.status).toBe(201);

    const list = await json<
      { id: number; hint: string; uses: number; maxUses: number; state: string }[]
    >('codes', 'list', '--cohort', 'pilot');
    expect(list).toHaveLength(4);
    expect(list[0]).toMatchObject({
      id: first.id,
      hint: `${first.code.slice(0, 4)}-…`,
      uses: 1,
      maxUses: 2,
      state: 'active',
    });
    const listText = await admin('codes', 'list');
    expectOk(listText, 'codes list');
    expect(listText.stdout).toMatch(/^ID\s+CODE\s+COHORT\s+USES\s+EXPIRES\s+STATE/);
    expect(listText.stdout).toContain('1/2');

    // Revoked by the code as printed, then by its id (already), then an unknown one.
    const revoked = await admin('codes', 'revoke', first.code.toLowerCase());
    expectOk(revoked, 'codes revoke');
    expect(revoked.stdout).toMatch(new RegExp(`code ${first.id} .* revoked at`));
    expect((await register(first.code)).body.error.code).toBe('enrollment_revoked');
    const again = await admin('codes', 'revoke', String(first.id));
    expect(again.stdout).toMatch(/was already revoked/);
    expectFailure(
      await admin('codes', 'revoke', '999999'),
      1,
      /no enrolment code "999999"/,
      'unknown id',
    );
    expectFailure(
      await admin('codes', 'revoke', 'ZZZZ-ZZZZ-ZZZZ-ZZZZ'),
      1,
      /no enrolment code/,
      'unknown code',
    );
    expectFailure(
      await admin('codes', 'revoke', 'hello'),
      1,
      /neither an enrolment code/,
      'not a code',
    );
    expectFailure(
      await admin('codes', 'list', '--cohort', 'nope'),
      1,
      /no cohort "nope"/,
      'no cohort',
    );

    // A different study end for an existing cohort: refused, nothing created.
    const conflict = await admin(
      'codes',
      'create',
      '--cohort',
      'pilot',
      '--study-ends',
      '2098-01-01',
    );
    expectFailure(conflict, 1, /exists with study end 2100-01-01T00:00:00.000Z/, 'conflicting end');
    expect(await json<unknown[]>('codes', 'list', '--cohort', 'pilot')).toHaveLength(4);
  }, 240_000);

  it('cohorts list and set-end; devices list, revoke and erase', async () => {
    const made = await json<{ codes: { code: string }[] }>(
      'codes',
      'create',
      '--cohort',
      'team-b',
      '--uses',
      '2',
    );
    const code = made.codes[0]?.code as string;
    const a = (await register(code)).body;
    const b = (await register(code)).body;
    const events = [makeEvent(), makeEvent()];
    expect((await postEvents(base, a.token, makeBatch(events))).status).toBe(200);
    await waitFor(
      async () =>
        (await stack.server.pool.query('SELECT 1 FROM visits WHERE device_id = $1', [a.deviceId]))
          .rowCount === 2,
      'both events stored',
    );

    const cohorts = await json<
      {
        name: string;
        devices: number;
        codes: number;
        lastActivity: string | null;
        studyEndsAt: string | null;
      }[]
    >('cohorts', 'list');
    expect(cohorts.find((c) => c.name === 'team-b')).toMatchObject({
      devices: 2,
      codes: 1,
      studyEndsAt: null,
    });
    expect(cohorts.find((c) => c.name === 'team-b')?.lastActivity).toMatch(/^\d{4}-/);
    const cohortsText = await admin('cohorts', 'list');
    expect(cohortsText.stdout).toMatch(
      /^COHORT\s+DEVICES\s+REVOKED\s+CODES\s+LAST ACTIVITY\s+STUDY END/,
    );
    expect(cohortsText.stdout).toMatch(/team-b\s+2\s+0\s+1\s+\d{4}-\S+\s+none/);

    // The study ends now: events refused; none again.
    expectOk(await admin('cohorts', 'set-end', 'team-b', 'now'), 'set-end now');
    expect((await postEvents(base, b.token, makeBatch([makeEvent()]))).status).toBe(403);
    expectOk(await admin('cohorts', 'set-end', 'team-b', 'none'), 'set-end none');
    expect((await postEvents(base, b.token, makeBatch([makeEvent()]))).status).toBe(200);
    expectFailure(
      await admin('cohorts', 'set-end', 'nope', 'now'),
      1,
      /no cohort "nope"/,
      'set-end',
    );

    const devices = await json<{ id: string; cohort: string; lastActivity: string | null }[]>(
      'devices',
      'list',
      '--cohort',
      'team-b',
    );
    expect(devices.map((d) => d.id).sort()).toEqual([a.deviceId, b.deviceId].sort());
    const all = await admin('devices', 'list');
    expect(all.stdout).toContain(a.deviceId);
    expect(all.stdout).toMatch(/^ID\s+COHORT\s+LABEL/);

    const revoke = await admin('devices', 'revoke', b.deviceId);
    expectOk(revoke, 'devices revoke');
    expect(revoke.stdout).toMatch(new RegExp(`device ${b.deviceId} revoked at`));
    const refused = await postEvents<ErrorBody>(base, b.token, makeBatch([makeEvent()]));
    expect(`${refused.status} ${refused.body.error.code}`).toBe('403 device_revoked');
    expect((await admin('devices', 'revoke', b.deviceId)).stdout).toMatch(/already revoked/);

    const erase = await json<{ deletedVisits: number }>('devices', 'erase', a.deviceId);
    expect(erase.deletedVisits).toBe(2);
    const gone = await postEvents<ErrorBody>(base, a.token, makeBatch([makeEvent()]));
    expect(`${gone.status} ${gone.body.error.code}`).toBe('403 device_deleted');
    const left = await stack.server.pool.query('SELECT 1 FROM visits WHERE device_id = $1', [
      a.deviceId,
    ]);
    expect(left.rowCount).toBe(0);
    const unknown = '0190a6f2-0000-7000-8000-00000000dead';
    expectFailure(
      await admin('devices', 'erase', a.deviceId),
      1,
      /no device .* erased already/,
      'erase twice',
    );
    expectFailure(await admin('devices', 'revoke', unknown), 1, /no device/, 'revoke unknown');
  }, 240_000);

  it('answers --help on every level', async () => {
    const runs = await Promise.all([
      admin('--help'),
      admin('codes', '--help'),
      admin('codes', 'create', '--help'),
      admin('cohorts', '-h'),
      admin('devices', 'erase', '--help'),
    ]);
    for (const r of runs) expectOk(r, 'help');
    expect(runs[0]?.stdout).toMatch(/dlq replay[\s\S]*codes create[\s\S]*devices erase/);
    expect(runs[1]?.stdout).toMatch(/codes create[\s\S]*codes list[\s\S]*codes revoke/);
    expect(runs[2]?.stdout).toMatch(/--study-ends/);
    expect(runs[2]?.stdout).not.toMatch(/codes list/);
    expect(runs[3]?.stdout).toMatch(/cohorts set-end/);
    expect(runs[4]?.stdout).toMatch(/devices erase <id>/);
  }, 60_000);

  it('refuses bad arguments with one line and exit 2, changing nothing', async () => {
    const before = await stack.server.pool.query('SELECT id FROM enrollment_codes');
    const cases: [string[], RegExp][] = [
      [['codes'], /which command/],
      [['codes', 'create'], /--cohort <name> is required/],
      [['codes', 'create', '--cohort', 'x', '--uses', 'many'], /--uses must be an integer/],
      [['codes', 'create', '--cohort', 'x', '--count', '0'], /--count/],
      [['codes', 'create', '--cohort', 'x', '--expires', '2001-01-01'], /in the past/],
      [
        ['codes', 'create', '--cohort', 'x', '--study-ends', '31/12/2099'],
        /--study-ends must be a date/,
      ],
      [['codes', 'list', '--frob'], /Unknown option '--frob'/],
      [['cohorts', 'list', 'extra'], /unexpected argument "extra"/],
      [['cohorts', 'set-end', 'x', 'later'], /the study end must be a date/],
      [['devices', 'revoke', '42'], /a device id is a UUID/],
      [['devices', 'erase'], /devices erase needs <id>/],
      [['devices', 'list', '--uses', '1'], /devices list does not take --uses/],
    ];
    // Four at a time: each is a Node process compiling TypeScript.
    const runs: AdminRun[] = [];
    for (let i = 0; i < cases.length; i += 4) {
      runs.push(...(await Promise.all(cases.slice(i, i + 4).map(([args]) => admin(...args)))));
    }
    runs.forEach((run, i) => {
      const [args, message] = cases[i] as [string[], RegExp];
      expectFailure(run, 2, message, args.join(' '));
    });
    const noDatabase = await runAdmin(['cohorts', 'list'], { DATABASE_URL: '' });
    expectFailure(noDatabase, 2, /DATABASE_URL: required/, 'no DATABASE_URL');
    const after = await stack.server.pool.query('SELECT id FROM enrollment_codes');
    expect(after.rowCount).toBe(before.rowCount);
  }, 90_000);
});
