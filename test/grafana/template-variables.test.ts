// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${var:format} is Grafana's variable syntax, under test here
/**
 * The template interpolation against the cases of Grafana's PostgreSQL interpolation truth table
 * (grafana/grafana public/app/plugins/datasource/grafana-postgresql-datasource/
 * interpolationTruthTable.test.ts; rawSql and expectedSql copied verbatim), plus the forms the
 * Tracksphere dashboards rely on.
 */
import { describe, expect, it } from 'vitest';
import {
  interpolateTemplateVariables as run,
  type TemplateVariable,
} from './template-variables.js';

const one = (
  name: string,
  current: TemplateVariable['current'],
  extra = {},
): TemplateVariable[] => [{ name, current, ...extra }];

describe("Grafana's PostgreSQL interpolation truth table", () => {
  it('WHERE equals single (unquoted)', () => {
    expect(run('SELECT * FROM host_status WHERE host = $host', one('host', 'server01'))).toBe(
      'SELECT * FROM host_status WHERE host = server01',
    );
  });

  it('WHERE equals single with manual quotes', () => {
    expect(run("SELECT * FROM host_status WHERE host = '$host'", one('host', 'server01'))).toBe(
      "SELECT * FROM host_status WHERE host = 'server01'",
    );
  });

  it('WHERE IN multi (unquoted)', () => {
    const vars = one('host', ['srv1', 'srv2'], { multi: true });
    expect(run('SELECT * FROM host_status WHERE host IN ($host)', vars)).toBe(
      `SELECT * FROM host_status WHERE host IN ('srv1','srv2')`,
    );
  });

  it('WHERE IN multi with sqlstring formatter', () => {
    const vars = one('host', ['srv1', 'srv2'], { multi: true });
    expect(run('SELECT * FROM host_status WHERE host IN (${host:sqlstring})', vars)).toBe(
      `SELECT * FROM host_status WHERE host IN ('srv1','srv2')`,
    );
  });

  it('WHERE IN multi with manual quotes', () => {
    const vars = one('host', ['srv1', 'srv2'], { multi: true });
    expect(run("SELECT * FROM host_status WHERE host IN ('$host')", vars)).toBe(
      "SELECT * FROM host_status WHERE host IN (''srv1','srv2'')",
    );
  });

  it('WHERE IN multi numeric with :csv', () => {
    const vars = one('latency', [50, 75], { multi: true });
    expect(run('SELECT * FROM latency WHERE latency_ms IN (${latency:csv})', vars)).toBe(
      'SELECT * FROM latency WHERE latency_ms IN (50,75)',
    );
  });

  it('WHERE equals multi variable with single value', () => {
    const vars = one('hostname', ['app1'], { multi: true });
    expect(run('SELECT * FROM hosts WHERE hostname = $hostname', vars)).toBe(
      `SELECT * FROM hosts WHERE hostname = 'app1'`,
    );
  });

  it('WHERE IN includeAll explicit allValue (unquoted)', () => {
    const vars = one('region', 'ALL', { includeAll: true, allValue: '*' });
    expect(run('SELECT * FROM regions WHERE region IN ($region)', vars)).toBe(
      'SELECT * FROM regions WHERE region IN (*)',
    );
  });

  it('WHERE IN includeAll no allValue expands to selected list', () => {
    const vars = one('region', 'ALL', { includeAll: true, options: ['us', 'eu'] });
    expect(run('SELECT * FROM regions WHERE region IN ($region)', vars)).toBe(
      `SELECT * FROM regions WHERE region IN ('us','eu')`,
    );
  });

  it('Time bucket with interval variable: macros are left for the backend', () => {
    expect(
      run(
        'SELECT $__timeGroupAlias(ts, $bucket) AS time, avg(v) FROM metrics GROUP BY 1',
        one('bucket', '5m'),
      ),
    ).toBe('SELECT $__timeGroupAlias(ts, 5m) AS time, avg(v) FROM metrics GROUP BY 1');
  });

  it('Single quote in single value with manual quotes', () => {
    expect(run("SELECT * FROM users WHERE name = '$user'", one('user', "O'Brien"))).toBe(
      "SELECT * FROM users WHERE name = 'O''Brien'",
    );
  });

  it('Mixed special characters in array', () => {
    const vars = one('names', ["O'Brien", 'user.name', "test's"], { multi: true });
    expect(run('SELECT * FROM users WHERE name IN ($names)', vars)).toBe(
      `SELECT * FROM users WHERE name IN ('O''Brien','user.name','test''s')`,
    );
  });

  it('Multi variable with single string containing single quote', () => {
    const vars = one('user', "O'Brien", { multi: true });
    expect(run("SELECT * FROM users WHERE name = '$user'", vars)).toBe(
      "SELECT * FROM users WHERE name = 'O''Brien'",
    );
  });

  it('LIMIT/OFFSET numeric with :csv', () => {
    const vars = [
      { name: 'limit', current: 100 },
      { name: 'offset', current: 200 },
    ];
    expect(run('SELECT * FROM metrics LIMIT ${limit:csv} OFFSET ${offset:csv}', vars)).toBe(
      'SELECT * FROM metrics LIMIT 100 OFFSET 200',
    );
  });
});

describe('the forms the Tracksphere dashboards use', () => {
  const domain = (current: TemplateVariable['current']): TemplateVariable[] =>
    one('domain', current, { multi: true, includeAll: true, allValue: "'__all'" });
  const filter = "('__all' IN (${domain:sqlstring}) OR domain IN (${domain:sqlstring}))";

  it('All inserts the custom all value as written, sqlstring or not', () => {
    expect(run(filter, domain('ALL'))).toBe("('__all' IN ('__all') OR domain IN ('__all'))");
  });

  it('sqlstring quotes a single string too, where the default format would not', () => {
    expect(run(filter, domain('a.test'))).toBe("('__all' IN ('a.test') OR domain IN ('a.test'))");
    expect(run('$domain', domain('a.test'))).toBe('a.test');
  });

  it('sqlstring quotes every selected value and doubles single quotes', () => {
    expect(run(filter, domain(['a.test', "o'brien.test"]))).toBe(
      "('__all' IN ('a.test','o''brien.test') OR domain IN ('a.test','o''brien.test'))",
    );
  });

  it('__interval and __interval_ms are request built-ins; unknown $__ names pass through', () => {
    const sql = 'SELECT $__timeGroupAlias(t, $__interval), $__interval_ms, $__unixEpochFrom()';
    expect(run(sql, [], { __interval: '1h', __interval_ms: 3_600_000 })).toBe(
      'SELECT $__timeGroupAlias(t, 1h), 3600000, $__unixEpochFrom()',
    );
  });
});
