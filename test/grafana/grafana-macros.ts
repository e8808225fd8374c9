/**
 * What Grafana's PostgreSQL datasource backend does to rawSql before sending it to PostgreSQL,
 * ported from grafana/grafana pkg/tsdb/grafana-postgresql-datasource:
 *   1. sqleng.Interpolate: plain text replacement of $__interval_ms, $__interval,
 *      $__unixEpochFrom() and $__unixEpochTo();
 *   2. macros.go postgresMacroEngine.Interpolate: every match of \$(\w+)\(([^)]*)\) expanded.
 * The quirks are kept on purpose, because dashboards must survive them: arguments are split on
 * ',' and cannot contain ')', and a $__timeGroup(...) directly followed by ',' is treated as
 * $__timeGroupAlias (a pre-5.3 compatibility rule), judged at the FIRST occurrence of that exact
 * macro text in the query.
 */
import {
  formatGoFixed3,
  formatGoFloat,
  formatGrafanaInterval,
  formatRfc3339Nano,
  parseGrafanaInterval,
  unixNanos,
  unixSeconds,
} from './go-format.js';

export interface MacroContext {
  from: Date;
  to: Date;
  /** The query's interval (Grafana computes it from the range and the panel width). */
  intervalMs: number;
  /** jsonData.timescaledb of the datasource. */
  timescaledb?: boolean;
  /** For calendar intervals (d, w, M, y), which Grafana measures from the current time. */
  now?: Date;
}

/** sqleng.Interpolate: the substitutions shared by all SQL datasources. */
export function interpolateGlobalMacros(sql: string, ctx: MacroContext): string {
  return sql
    .replaceAll('$__interval_ms', String(ctx.intervalMs))
    .replaceAll('$__interval', formatGrafanaInterval(ctx.intervalMs))
    .replaceAll('$__unixEpochFrom()', String(unixSeconds(ctx.from)))
    .replaceAll('$__unixEpochTo()', String(unixSeconds(ctx.to)));
}

const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

function intervalSeconds(arg: string | undefined, ctx: MacroContext): number {
  const raw = arg ?? '';
  try {
    return parseGrafanaInterval(raw.replace(/^'+|'+$/g, ''), ctx.now) / 1e9;
  } catch {
    throw new Error(`error parsing interval ${raw}`);
  }
}

/** sqleng.SetupFillmode only validates here: filling is applied to results, not to SQL. */
function checkFill(fill: string): void {
  if (fill === 'NULL' || fill === 'previous') return;
  if (fill.trim() === '' || Number.isNaN(Number(fill))) {
    throw new Error(`error parsing fill value ${fill}`);
  }
}

function evaluate(name: string, args: string[], ctx: MacroContext): string {
  const column = args[0];
  const needColumn = (): string => {
    if (column === undefined) throw new Error(`missing time column argument for macro ${name}`);
    return column;
  };
  const needInterval = (): number => {
    if (args.length < 2) {
      throw new Error(`macro ${name} needs time column and interval and optional fill value`);
    }
    const seconds = intervalSeconds(args[1], ctx);
    if (args.length === 3) checkFill(args[2] ?? '');
    return seconds;
  };
  switch (name) {
    case '__time':
      return `${needColumn()} AS "time"`;
    case '__timeEpoch':
      return `extract(epoch from ${needColumn()}) as "time"`;
    case '__timeFilter':
      return `${needColumn()} BETWEEN '${formatRfc3339Nano(ctx.from)}' AND '${formatRfc3339Nano(ctx.to)}'`;
    case '__timeFrom':
      return `'${formatRfc3339Nano(ctx.from)}'`;
    case '__timeTo':
      return `'${formatRfc3339Nano(ctx.to)}'`;
    case '__timeGroup': {
      const seconds = needInterval();
      if (ctx.timescaledb === true) return `time_bucket('${formatGoFixed3(seconds)}s',${column})`;
      const s = formatGoFloat(seconds);
      return `floor(extract(epoch from ${column})/${s})*${s}`;
    }
    case '__timeGroupAlias':
      return `${evaluate('__timeGroup', args, ctx)} AS "time"`;
    case '__unixEpochFilter': {
      const c = needColumn();
      return `${c} >= ${unixSeconds(ctx.from)} AND ${c} <= ${unixSeconds(ctx.to)}`;
    }
    case '__unixEpochNanoFilter': {
      const c = needColumn();
      return `${c} >= ${unixNanos(ctx.from)} AND ${c} <= ${unixNanos(ctx.to)}`;
    }
    case '__unixEpochNanoFrom':
      return String(unixNanos(ctx.from));
    case '__unixEpochNanoTo':
      return String(unixNanos(ctx.to));
    case '__unixEpochGroup': {
      const s = formatGoFloat(needInterval());
      return `floor((${column})/${s})*${s}`;
    }
    case '__unixEpochGroupAlias':
      return `${evaluate('__unixEpochGroup', args, ctx)} AS "time"`;
    default:
      throw new Error(`unknown macro "${name}"`);
  }
}

/** postgresMacroEngine.Interpolate; throws the macro engine's error, as Grafana fails the query. */
export function interpolatePostgresMacros(sql: string, ctx: MacroContext): string {
  return sql.replace(MACRO, (match: string, rawName: string, rawArgs: string) => {
    let name = rawName;
    if (name === '__timeGroup') {
      const at = sql.indexOf(match);
      if (at >= 0 && sql[at + match.length] === ',') name = '__timeGroupAlias';
    }
    const args = rawArgs.split(',').map((a) => a.replace(/^ +| +$/g, ''));
    return evaluate(name, args, ctx);
  });
}

/** Both backend steps, in Grafana's order. */
export function expandBackendMacros(sql: string, ctx: MacroContext): string {
  return interpolatePostgresMacros(interpolateGlobalMacros(sql, ctx), ctx);
}
