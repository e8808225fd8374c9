import { describe, expect, it } from 'vitest';
import { isDatabaseDown, isDataError, isUnavailableError } from './pool.js';
import { RecordDataError } from './visit-record.js';

function pgError(code: string, message = 'refused'): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDataError: what the consumer dead-letters', () => {
  it.each([
    ['22P02', 'invalid_text_representation'],
    ['22008', 'datetime_field_overflow'],
    ['22021', 'character_not_in_repertoire'],
    ['23514', 'check_violation'],
    ['23502', 'not_null_violation'],
  ])('%s (%s) is the data fault', (code) => {
    expect(isDataError(pgError(code))).toBe(true);
  });

  it('a record the writer cannot encode is the data fault', () => {
    expect(isDataError(new RecordDataError('unreadable time', '22007'))).toBe(true);
  });

  it.each([
    ['25006', 'read_only_sql_transaction: after a failover'],
    ['42501', 'insufficient_privilege: a revoked grant'],
    ['42P01', 'undefined_table: a migration not applied'],
    ['57P01', 'admin_shutdown'],
    ['53100', 'disk_full'],
    ['XX000', 'internal_error'],
    ['ECONNRESET', 'a socket error'],
  ])('%s (%s) is not: wait and retry', (code) => {
    expect(isDataError(pgError(code))).toBe(false);
  });

  it('an error without a code, or not an Error, is not', () => {
    expect(isDataError(new Error('something new'))).toBe(false);
    expect(isDataError(new TypeError('x is undefined'))).toBe(false);
    expect(isDataError('23514')).toBe(false);
    expect(isDataError(undefined)).toBe(false);
  });
});

describe('isUnavailableError: what the API answers 503', () => {
  it('a read-only database (25006) is unavailable, not an internal error', () => {
    expect(isUnavailableError(pgError('25006'))).toBe(true);
  });
});

describe('isDatabaseDown: when Kafka mode takes a batch without counting its quota', () => {
  it.each([
    ['25006', 'read-only after a failover'],
    ['57P01', 'shut down by an administrator'],
    ['57P03', 'starting up'],
    ['ECONNREFUSED', 'not listening'],
  ])('%s (%s) is down', (code) => {
    expect(isDatabaseDown(pgError(code))).toBe(true);
  });

  it.each([
    ['57014', 'a statement timeout'],
    ['55P03', 'a lock timeout'],
    ['53300', 'too many connections'],
  ])('%s (%s) is busy, not down', (code) => {
    expect(isDatabaseDown(pgError(code))).toBe(false);
  });

  it('a pool that timed out waiting for a connection is busy, not down', () => {
    expect(isDatabaseDown(new Error('timeout exceeded when trying to connect'))).toBe(false);
    expect(isUnavailableError(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });
});
