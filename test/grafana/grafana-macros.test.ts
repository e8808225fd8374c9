/**
 * The macro expander against the expected strings of Grafana's own tests
 * (grafana/grafana pkg/tsdb/grafana-postgresql-datasource/macros_test.go, TestMacroEngine),
 * copied verbatim, so the panel tests run the SQL Grafana would run.
 */
import { describe, expect, it } from 'vitest';
import { formatGoFloat, formatRfc3339Nano, parseGoDuration } from './go-format.js';
import {
  expandBackendMacros,
  interpolateGlobalMacros,
  interpolatePostgresMacros,
  type MacroContext,
} from './grafana-macros.js';

const from = new Date(Date.UTC(2018, 3, 12, 18, 0, 0));
const to = new Date(from.getTime() + 5 * 60_000);
const ctx: MacroContext = { from, to, intervalMs: 60_000 };
const ts: MacroContext = { ...ctx, timescaledb: true };
const expand = (sql: string, c: MacroContext = ctx): string => interpolatePostgresMacros(sql, c);

describe('PostgreSQL macros, as in macros_test.go (2018-04-12 18:00 to 18:05)', () => {
  it('__time', () => {
    expect(expand('select $__time(time_column)')).toBe('select time_column AS "time"');
  });

  it('__time wrapped in aggregation', () => {
    expect(expand('select min($__time(time_column))')).toBe('select min(time_column AS "time")');
  });

  it('__timeFilter', () => {
    expect(expand('WHERE $__timeFilter(time_column)')).toBe(
      "WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'",
    );
  });

  it('__timeFrom and __timeTo', () => {
    expect(expand('select $__timeFrom()')).toBe("select '2018-04-12T18:00:00Z'");
    expect(expand('select $__timeTo()')).toBe("select '2018-04-12T18:05:00Z'");
  });

  it('__timeGroup followed by a comma becomes the alias form (pre 5.3 compatibility)', () => {
    expect(expand("SELECT $__timeGroup(time_column,'5m'), value")).toBe(
      'SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value',
    );
    expect(expand("SELECT $__timeGroup(time_column,'5m') as time, value")).toBe(
      'SELECT floor(extract(epoch from time_column)/300)*300 as time, value',
    );
  });

  it('__timeGroup and __timeGroupAlias', () => {
    const sql = expand("SELECT $__timeGroup(time_column,'5m')");
    expect(sql).toBe('SELECT floor(extract(epoch from time_column)/300)*300');
    expect(expand("SELECT $__timeGroupAlias(time_column,'5m')")).toBe(`${sql} AS "time"`);
  });

  it('__timeGroup with spaces between args', () => {
    const sql = expand("$__timeGroup(time_column , '5m')");
    expect(sql).toBe('floor(extract(epoch from time_column)/300)*300');
    expect(expand("$__timeGroupAlias(time_column , '5m')")).toBe(`${sql} AS "time"`);
  });

  it('__timeGroup with TimescaleDB', () => {
    expect(expand("GROUP BY $__timeGroup(time_column,'5m')", ts)).toBe(
      "GROUP BY time_bucket('300.000s',time_column)",
    );
    expect(expand("GROUP BY $__timeGroup(time_column , '12d')", ts)).toBe(
      "GROUP BY time_bucket('1036800.000s',time_column)",
    );
    expect(expand("GROUP BY $__timeGroup(time_column , '20ms')", ts)).toBe(
      "GROUP BY time_bucket('0.020s',time_column)",
    );
  });

  it('__unixEpochFilter and the nanosecond forms', () => {
    expect(expand('select $__unixEpochFilter(time)')).toBe(
      'select time >= 1523556000 AND time <= 1523556300',
    );
    expect(expand('select $__unixEpochNanoFilter(time)')).toBe(
      'select time >= 1523556000000000000 AND time <= 1523556300000000000',
    );
    expect(expand('select $__unixEpochNanoFrom()')).toBe('select 1523556000000000000');
    expect(expand('select $__unixEpochNanoTo()')).toBe('select 1523556300000000000');
  });

  it('__unixEpochGroup and its alias', () => {
    const sql = expand("SELECT $__unixEpochGroup(time_column+time_adjustment,'5m')");
    expect(sql).toBe('SELECT floor((time_column+time_adjustment)/300)*300');
    expect(expand("SELECT $__unixEpochGroupAlias(time_column+time_adjustment,'5m')")).toBe(
      `${sql} AS "time"`,
    );
  });

  it('times before 1970 and fractions of a second', () => {
    const old: MacroContext = {
      from: new Date(Date.UTC(1960, 1, 1, 7, 0, 0)),
      to: new Date(Date.UTC(1965, 1, 3, 8, 0, 0)),
      intervalMs: 1000,
    };
    expect(expand('WHERE $__timeFilter(time_column)', old)).toBe(
      "WHERE time_column BETWEEN '1960-02-01T07:00:00Z' AND '1965-02-03T08:00:00Z'",
    );
    expect(expand('select $__unixEpochFilter(time)', old)).toBe(
      `select time >= ${Date.UTC(1960, 1, 1, 7) / 1000} AND time <= ${Date.UTC(1965, 1, 3, 8) / 1000}`,
    );
    expect(formatRfc3339Nano(new Date(Date.UTC(1960, 1, 1, 7, 0, 0, 500)))).toBe(
      '1960-02-01T07:00:00.5Z',
    );
    expect(formatRfc3339Nano(new Date(Date.UTC(1980, 1, 3, 8, 0, 0, 500)))).toBe(
      '1980-02-03T08:00:00.5Z',
    );
  });

  it('fails like Grafana on an unknown macro or a bad interval', () => {
    expect(() => expand('select $__nope(x)')).toThrow('unknown macro "__nope"');
    expect(() => expand("select $__timeGroup(x, 'soon')")).toThrow("error parsing interval 'soon'");
  });
});

describe('the traps the dashboards avoid', () => {
  it('a macro argument ends at the first ")": a computed column cannot be passed', () => {
    // What `$__timeFilter(coalesce(a, b))` turns into: the macro eats "coalesce(a, b" only.
    expect(expand('WHERE $__timeFilter(coalesce(a, b))')).toBe(
      "WHERE coalesce(a BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z')",
    );
  });

  it('Go prints large bucket sizes in exponent form, which PostgreSQL reads back fine', () => {
    expect(formatGoFloat(300)).toBe('300');
    expect(formatGoFloat(86_400)).toBe('86400');
    expect(formatGoFloat(1_036_800)).toBe('1.0368e+06');
    expect(formatGoFloat(0.02)).toBe('0.02');
    expect(parseGoDuration('1h30m')).toBe(5400e9);
  });

  it('global substitutions come first, so macros see the interval and epoch values', () => {
    const c: MacroContext = { ...ctx, intervalMs: 3_600_000 };
    expect(interpolateGlobalMacros('$__interval $__interval_ms $__unixEpochFrom()', c)).toBe(
      '1h 3600000 1523556000',
    );
    expect(expandBackendMacros('SELECT $__timeGroupAlias(t, $__interval), 1', c)).toBe(
      'SELECT floor(extract(epoch from t)/3600)*3600 AS "time", 1',
    );
  });
});
