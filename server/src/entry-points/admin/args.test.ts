import { describe, expect, it } from 'vitest';
import { parseAdminArgs, UsageError } from './args.js';

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

  it('answers help however asked', () => {
    for (const args of [['--help'], ['-h'], ['dlq', 'replay', '--help']]) {
      expect(parseAdminArgs(args)).toEqual({ kind: 'help' });
    }
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
  ])('refuses %j in one line', (args, message) => {
    let error: unknown;
    try {
      parseAdminArgs(args);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
