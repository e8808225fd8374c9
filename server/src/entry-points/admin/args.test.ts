import { describe, expect, it } from 'vitest';
import { parseAdminArgs, USAGE, UsageError } from './args.js';

describe('parseAdminArgs', () => {
  it('reads dlq replay with its options', () => {
    expect(parseAdminArgs(['dlq', 'replay'])).toEqual({
      kind: 'dlq-replay',
      dryRun: false,
      limit: undefined,
    });
    expect(parseAdminArgs(['dlq', 'replay', '--dry-run', '--limit', '25'])).toEqual({
      kind: 'dlq-replay',
      dryRun: true,
      limit: 25,
    });
    expect(parseAdminArgs(['--limit=3', 'dlq', 'replay'])).toMatchObject({ limit: 3 });
  });

  it('answers help however asked, for the level asked', () => {
    for (const args of [['--help'], ['-h'], ['dlq', 'replay', '--help'], ['frob', '-h']]) {
      expect(parseAdminArgs(args)).toEqual({ kind: 'help', text: USAGE });
    }
    const group = parseAdminArgs(['codes', '--help']);
    expect(group.kind === 'help' && group.text).toMatch(/codes create[\s\S]*codes revoke/);
    expect(group.kind === 'help' && group.text).not.toMatch(/devices erase/);
    const one = parseAdminArgs(['devices', 'erase', '-h']);
    expect(one.kind === 'help' && one.text).toMatch(/devices erase <id>/);
    expect(one.kind === 'help' && one.text).not.toMatch(/devices list/);
  });

  const NOW = new Date('2026-12-05T10:00:00Z');

  it('reads codes create with defaults and every option', () => {
    expect(parseAdminArgs(['codes', 'create', '--cohort', 'pilot-1'], NOW)).toEqual({
      kind: 'codes-create',
      cohort: 'pilot-1',
      uses: 1,
      count: 1,
      expiresAt: null,
      studyEndsAt: undefined,
      json: false,
    });
    expect(
      parseAdminArgs(
        [
          'codes',
          'create',
          '--cohort=s.2',
          '--uses',
          '5',
          '--count',
          '3',
          '--expires',
          '2027-01-31',
          '--study-ends',
          '2027-03-01T12:00:00+02:00',
          '--json',
        ],
        NOW,
      ),
    ).toEqual({
      kind: 'codes-create',
      cohort: 's.2',
      uses: 5,
      count: 3,
      expiresAt: new Date('2027-02-01T00:00:00Z'),
      studyEndsAt: new Date('2027-03-01T10:00:00Z'),
      json: true,
    });
  });

  it('reads the other commands', () => {
    const id = '0190A6F2-0000-7000-8000-000000000001';
    expect(parseAdminArgs(['codes', 'list'])).toEqual({
      kind: 'codes-list',
      cohort: undefined,
      json: false,
    });
    expect(parseAdminArgs(['codes', 'revoke', 'ABCD-EFGH-JKMN-PQRS'])).toMatchObject({
      kind: 'codes-revoke',
      code: 'ABCD-EFGH-JKMN-PQRS',
    });
    expect(parseAdminArgs(['cohorts', 'list', '--json'])).toEqual({
      kind: 'cohorts-list',
      json: true,
    });
    expect(parseAdminArgs(['cohorts', 'set-end', 'a', 'now'], NOW)).toMatchObject({ end: NOW });
    expect(parseAdminArgs(['cohorts', 'set-end', 'a', 'none'], NOW)).toMatchObject({ end: null });
    expect(parseAdminArgs(['devices', 'list', '--cohort', 'a'])).toMatchObject({ cohort: 'a' });
    expect(parseAdminArgs(['devices', 'revoke', id])).toMatchObject({
      kind: 'devices-revoke',
      deviceId: id.toLowerCase(),
    });
    expect(parseAdminArgs(['devices', 'erase', id])).toMatchObject({ kind: 'devices-erase' });
  });

  it.each([
    [[], /no command/],
    [['dlq'], /unknown command "dlq"/],
    [['dlq', 'drop'], /unknown command "dlq drop"/],
    [['dlq', 'replay', 'now'], /unexpected argument "now"/],
    [['dlq', 'replay', '--limit', '0'], /--limit must be a positive integer/],
    [['dlq', 'replay', '--limit', '-1'], /--limit/],
    [['dlq', 'replay', '--limit', '1.5'], /--limit must be a positive integer/],
    [['dlq', 'replay', '--limit', '99999999999999999999'], /--limit must be a positive integer/],
    [['dlq', 'replay', '--limit'], /--limit/],
    [['dlq', 'replay', '--dry-run=yes'], /dry-run/],
    [['dlq', 'replay', '--frob'], /Unknown option '--frob'/],
    [['dlq', 'replay', '--cohort', 'a'], /dlq replay does not take --cohort/],
    [['codes'], /codes: which command\? create, list, revoke/],
    [['codes', 'drop'], /unknown command "codes drop"/],
    [['codes', 'create'], /--cohort <name> is required/],
    [['codes', 'create', '--cohort', 'a b'], /--cohort must be a cohort name/],
    [['codes', 'create', '--cohort', '-a'], /--cohort/],
    [['codes', 'create', '--cohort', 'a', '--uses', '0'], /--uses must be an integer from 1/],
    [['codes', 'create', '--cohort', 'a', '--count', '1001'], /--count must be an integer/],
    [['codes', 'create', '--cohort', 'a', '--expires', '2027-02-30'], /--expires must be a date/],
    [['codes', 'create', '--cohort', 'a', '--expires', '2027-01-31 12:00'], /--expires must/],
    [['codes', 'create', '--cohort', 'a', '--expires', '2026-12-04'], /--expires .* in the past/],
    [['codes', 'create', '--cohort', 'a', '--study-ends', 'soon'], /--study-ends must be a date/],
    [['codes', 'create', '--cohort', 'a', '--limit', '2'], /codes create does not take --limit/],
    [['codes', 'create', '--cohort', 'a', 'extra'], /unexpected argument "extra"/],
    [['codes', 'list', '--uses', '2'], /codes list does not take --uses/],
    [['codes', 'revoke'], /codes revoke needs <code>/],
    [['cohorts', 'set-end', 'a'], /cohorts set-end needs <end>/],
    [['cohorts', 'set-end', 'a', 'tomorrow'], /the study end must be a date/],
    [['devices', 'revoke', 'not-a-uuid'], /a device id is a UUID/],
    [['devices', 'erase'], /devices erase needs <id>/],
    [['devices', 'list', '--json=yes'], /json/],
  ])('refuses %j in one line', (args, message) => {
    let error: unknown;
    try {
      parseAdminArgs(args, new Date('2026-12-05T10:00:00Z'));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
