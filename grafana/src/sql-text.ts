/**
 * A template tag for SQL written indented inside TypeScript. It removes the indentation shared
 * by the lines of the template itself (not of spliced-in fragments, which carry their own
 * indentation, see indentTail), and the first and last blank lines, so the rawSql stored in the
 * dashboards reads cleanly in Grafana's query editor and in diffs of the generated JSON.
 */
export function sql(strings: TemplateStringsArray, ...values: Array<string | number>): string {
  // The closing backtick's line is not content: leave it out of the shared indentation.
  const parts = strings.map((part, i) =>
    i === strings.length - 1 ? part.replace(/\n *$/, '') : part,
  );
  const indents: number[] = [];
  for (const part of parts) {
    for (const m of part.matchAll(/\n( *)(?=[^ \n]|$)/g)) indents.push(m[1]?.length ?? 0);
  }
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  const dedent = new RegExp(`\\n {0,${cut}}`, 'g');
  let text = '';
  parts.forEach((part, i) => {
    text += part.replace(dedent, '\n');
    if (i < values.length) text += String(values[i]);
  });
  return text.replace(/^\s*\n/, '').replace(/\s+$/, '');
}

/** Indents every line after the first, for fragments spliced into a query at that depth. */
export function indentTail(fragment: string, spaces: number): string {
  return fragment.split('\n').join(`\n${' '.repeat(spaces)}`);
}
