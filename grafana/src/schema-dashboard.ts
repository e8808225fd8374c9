import type { Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type * as sdk from '@grafana/grafana-foundation-sdk/dashboard';
import type { Dashboard } from '@grafana/schema';
import type { SqlQuery } from './sql-query.js';

/**
 * A type with every enum replaced by the values it stands for (and each query by SqlQuery).
 *
 * The foundation SDK and @grafana/schema are generated from the same Grafana schema but name
 * enum members differently (VariableRefresh.Never vs .never, SpecialValueMatch.NotANumber vs
 * .NaN, ...), and TypeScript compares enums by member name, so the SDK's Dashboard is never
 * assignable to @grafana/schema's even when the JSON is identical. Compared by value, it is.
 * The SDK also types queries as an opaque Dataquery without the refId the schema requires;
 * every query here comes from SqlQueryBuilder, so it is typed as SqlQuery.
 */
type ByValue<T> = T extends Dataquery
  ? { [K in keyof SqlQuery]: ByValue<SqlQuery[K]> }
  : T extends boolean | null | undefined
    ? T
    : T extends string | number
      ? `${T}`
      : T extends (...args: never[]) => unknown
        ? T
        : T extends ReadonlyArray<infer U>
          ? ByValue<U>[]
          : T extends object
            ? { [K in keyof T]: ByValue<T[K]> }
            : T;

/**
 * What the dashboards here are built as. gnetId (a grafana.com listing id) is never set; the SDK
 * types it as a string and @grafana/schema as a number, so it is left out of the comparison.
 */
type BuiltDashboard = Omit<sdk.Dashboard, 'gnetId'>;

/**
 * The built dashboard, typed as Grafana's published Dashboard schema. The assignment below is
 * the compile-time check: the SDK's output, enums compared by value, must fit @grafana/schema's
 * Dashboard. Enums are plain strings and numbers at run time, so the value is then the same;
 * test/grafana/dashboard-schema.test.ts checks the essential structure at run time.
 */
export function asSchemaDashboard(built: BuiltDashboard): Dashboard {
  const checked: ByValue<Dashboard> = built as unknown as ByValue<BuiltDashboard>;
  return checked as unknown as Dashboard;
}
