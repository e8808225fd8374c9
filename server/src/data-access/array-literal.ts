const NEEDS_ESCAPE = /["\\]/;

/**
 * A PostgreSQL array literal, every string element quoted (so no element can
 * read as NULL or split on a comma or brace), null as NULL. What node-postgres
 * does for a JavaScript array, in one join instead of a regex pair per element.
 */
export function arrayLiteral(values: readonly (string | number | null)[]): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) parts[i] = 'NULL';
    else if (typeof v === 'number') parts[i] = String(v);
    else if (NEEDS_ESCAPE.test(v)) parts[i] = `"${v.replace(/[\\"]/g, '\\$&')}"`;
    else parts[i] = `"${v}"`;
  }
  return `{${parts.join(',')}}`;
}
