/**
 * What Grafana's frontend does to rawSql before the backend sees it: template variables are
 * replaced by scenes' sceneInterpolator (grafana/scenes, variables/interpolation) using
 *   - the format named in the expression (${var:sqlstring}, ${var:csv}, ...), from its
 *     formatRegistry, with glob as the fallback for unknown names; or, without one,
 *   - the PostgreSQL datasource's interpolateVariable (grafana-sql SqlDatasource): a single
 *     string only has its ' doubled (not quoted), a number is kept, a list is quoted and joined.
 * "All" expands to every option's value, unless the variable has a custom all value: that is
 * inserted as written, with no formatting at all (scenes' CustomAllValue).
 * Names that are not variables ($__timeFilter, $__unixEpochFrom, ...) are left for the backend.
 */

/** The regex Grafana uses for $var, [[var:fmt]] and ${var.path:fmt}. */
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

export type VariableValue = string | number | Array<string | number>;

export interface TemplateVariable {
  name: string;
  multi?: boolean;
  includeAll?: boolean;
  /** The custom "All" value, inserted verbatim when All is selected. */
  allValue?: string;
  /** Every option's value: what All means without a custom all value. */
  options?: string[];
  /** The selection: a value, a list (multi), or All. */
  current: VariableValue | 'ALL';
}

type Formatter = (value: VariableValue) => string;

const list = (value: VariableValue): Array<string | number> =>
  Array.isArray(value) ? value : [value];

function sqlString(v: string | number): string {
  return `'${String(v).replace(/'|"/g, (c) => (c === "'" ? "''" : '\\"'))}'`;
}

/** The formats of scenes' formatRegistry that SQL dashboards use, plus glob (the fallback). */
const FORMATS: Record<string, Formatter> = {
  sqlstring: (value) => list(value).map(sqlString).join(','),
  csv: (value) => (Array.isArray(value) ? value.join(',') : String(value)),
  raw: (value) => String(value),
  singlequote: (value) =>
    list(value)
      .map((v) => `'${String(v).replace(/'/g, "\\'")}'`)
      .join(','),
  doublequote: (value) =>
    list(value)
      .map((v) => `"${String(v).replace(/"/g, '\\"')}"`)
      .join(','),
  pipe: (value) => (Array.isArray(value) ? value.join('|') : String(value)),
  glob: (value) =>
    Array.isArray(value) && value.length > 1 ? `{${value.join(',')}}` : String(value),
};

/** The PostgreSQL datasource's interpolateVariable: what $var means without a format. */
export function postgresDatasourceFormat(value: VariableValue): string {
  if (typeof value === 'string') return value.replace(/'/g, "''");
  if (typeof value === 'number') return String(value);
  return value.map((v) => `'${String(v).replace(/'/g, "''")}'`).join(',');
}

export function interpolateTemplateVariables(
  sql: string,
  variables: readonly TemplateVariable[],
  /** Built-in scoped variables of the request, e.g. __interval and __interval_ms. */
  builtins: Readonly<Record<string, string | number>> = {},
): string {
  const byName = new Map(variables.map((v) => [v.name, v]));
  return sql.replace(
    VARIABLE_REGEX,
    (
      match: string,
      var1?: string,
      var2?: string,
      fmt2?: string,
      var3?: string,
      _path?: string,
      fmt3?: string,
    ) => {
      const name = var1 ?? var2 ?? var3 ?? '';
      const fmt = fmt2 ?? fmt3;
      const builtin = builtins[name];
      if (builtin !== undefined) return format(builtin, fmt);
      const variable = byName.get(name);
      if (variable === undefined) return match;
      if (variable.current === 'ALL') {
        if (variable.allValue !== undefined && variable.allValue !== '') {
          // CustomAllValue: as written, then interpolated again (it may reference variables).
          return fmt === 'text'
            ? 'All'
            : interpolateTemplateVariables(variable.allValue, variables);
        }
        return format(variable.options ?? [], fmt);
      }
      return format(variable.current, fmt);
    },
  );
}

function format(value: VariableValue, fmt: string | undefined): string {
  if (fmt === undefined) return postgresDatasourceFormat(value);
  const name = fmt.split(':')[0] ?? '';
  const formatter = FORMATS[name] ?? FORMATS.glob;
  if (formatter === undefined) throw new Error('glob format missing');
  return formatter(value);
}
