import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { POSTGRES_DATASOURCE } from './datasource.js';

/** How Grafana's SQL backend shapes the result: time_series needs a column named "time". */
export type SqlFormat = 'time_series' | 'table';

/**
 * The query model of Grafana's SQL datasources in code mode (grafana-sql's SQLQuery).
 * The foundation SDK has no SQL query type, so this is the small variant it asks for. A type
 * alias, not an interface: @grafana/schema types panel targets as Record<string, unknown>, which
 * only object type literals (with their implicit index signature) are assignable to.
 */
export type SqlQuery = {
  refId: string;
  datasource: { type: string; uid: string };
  rawSql: string;
  format: SqlFormat;
  rawQuery: true;
  editorMode: 'code';
  _implementsDataqueryVariant(): void;
};

export class SqlQueryBuilder implements Builder<Dataquery> {
  private readonly internal: SqlQuery;

  constructor(rawSql: string, format: SqlFormat) {
    this.internal = {
      refId: 'A',
      datasource: { ...POSTGRES_DATASOURCE },
      rawSql,
      format,
      rawQuery: true,
      editorMode: 'code',
      // A method, so JSON.stringify leaves it out: it only tags the type for the SDK.
      _implementsDataqueryVariant(): void {},
    };
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }

  build(): SqlQuery {
    return this.internal;
  }
}

/** Shorthands that say which result shape a panel expects. */
export function timeSeriesQuery(rawSql: string): SqlQueryBuilder {
  return new SqlQueryBuilder(rawSql, 'time_series');
}

export function tableQuery(rawSql: string): SqlQueryBuilder {
  return new SqlQueryBuilder(rawSql, 'table');
}
