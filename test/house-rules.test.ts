/**
 * The house rules, read from the code's own imports (as refined-github's
 * build/features.test.ts reads its features): who may import pg, kafkajs and
 * express, that layers go one way with no cycles, that files stay small, and
 * that the extension's pages never carry the sync client.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './deploy/repo-root.js';

const SOURCE = /\.(ts|tsx|mts|mjs)$/;
const TEST_OR_KIT = /(\.test\.tsx?|\.e2e\.test\.ts|-test-kit\.tsx?|\.d\.mts)$/;
const MAX_LINES = 300;

/** Repository-relative paths of the source files under `dir` (node_modules and dot folders left out). */
function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (SOURCE.test(entry.name)) out.push(path);
  }
  return out;
}

const read = (path: string): string => readFileSync(join(REPO_ROOT, path), 'utf8');

/** Every module a file names: static, type-only, re-exports and dynamic import(). */
function specifiersOf(path: string): string[] {
  return ts.preProcessFile(read(path), true, true).importedFiles.map((f) => f.fileName);
}

/** The package a bare specifier names ('pg-copy-streams' -> itself, '@x/y/z' -> '@x/y'). */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('#') || specifier.startsWith('node:')) {
    return null;
  }
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? null);
}

const PACKAGE_IMPORTS = JSON.parse(read('package.json')).imports as Record<string, string>;

/** The repository file a relative or '#' specifier resolves to, or null for a package. */
function resolveLocal(from: string, specifier: string, known: Set<string>): string | null {
  let base: string;
  if (specifier.startsWith('#')) {
    const target = PACKAGE_IMPORTS[specifier];
    if (target === undefined)
      throw new Error(`${from}: ${specifier} is not in package.json imports`);
    base = relative(REPO_ROOT, resolve(REPO_ROOT, target));
  } else if (specifier.startsWith('.')) {
    base = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(from), specifier));
  } else {
    return null;
  }
  const stem = base.replace(/\.(js|mjs)$/, '');
  for (const candidate of [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}/index.ts`]) {
    if (known.has(candidate)) return candidate;
  }
  return null;
}

const ALL = [
  ...sourceFiles('server/src'),
  ...sourceFiles('protocol'),
  ...sourceFiles('extension'),
  ...sourceFiles('scripts'),
  ...sourceFiles('grafana/src'),
  ...sourceFiles('deploy'),
];
const KNOWN = new Set(ALL);
const SERVER = ALL.filter((f) => f.startsWith('server/src/') && !TEST_OR_KIT.test(f));

function importersOf(files: string[], pkg: string): string[] {
  return files.filter((f) => specifiersOf(f).some((s) => packageOf(s) === pkg));
}

/** The local import graph of `files` (edges to files outside the set are dropped). */
function graphOf(files: string[]): Map<string, string[]> {
  const inSet = new Set(files);
  return new Map(
    files.map((f) => [
      f,
      specifiersOf(f)
        .map((s) => resolveLocal(f, s, KNOWN))
        .filter((t): t is string => t !== null && inSet.has(t)),
    ]),
  );
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cyclesIn(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, indexOf.get(w) as number));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indexOf.has(v)) visit(v);
  return cycles;
}

/** Every file `start` reaches through local imports. */
function reachableFrom(start: string, graph: Map<string, string[]>): Set<string> {
  const seen = new Set<string>([start]);
  const todo = [start];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    for (const next of graph.get(f) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        todo.push(next);
      }
    }
  }
  return seen;
}

describe('house rules', () => {
  it('finds the code it checks (the rules below are not vacuous)', () => {
    expect(SERVER.length).toBeGreaterThan(40);
    expect(importersOf(SERVER, 'pg').length).toBeGreaterThan(0);
    expect(importersOf(SERVER, 'kafkajs')).toHaveLength(1);
    expect(resolveLocal('server/src/domain/ingest.ts', '#protocol', KNOWN)).toBe(
      'protocol/index.ts',
    );
  });

  it('lets only server/src/data-access/ import pg', () => {
    const outside = [
      ...importersOf(SERVER, 'pg'),
      ...importersOf(SERVER, 'pg-copy-streams'),
    ].filter((f) => !f.startsWith('server/src/data-access/'));
    expect(outside).toEqual([]);
  });

  it('lets one file import kafkajs', () => {
    expect(importersOf(SERVER, 'kafkajs')).toEqual(['server/src/messaging/kafka.ts']);
  });

  it('keeps express, pg and kafkajs out of the domain', () => {
    const domain = SERVER.filter((f) => f.startsWith('server/src/domain/'));
    const offending = domain.flatMap((f) =>
      specifiersOf(f)
        .filter((s) => ['express', 'pg', 'kafkajs'].includes(packageOf(s) ?? ''))
        .map((s) => `${f} imports ${s}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps layers one way: data-access and messaging never import the domain or entry points', () => {
    const lower = SERVER.filter(
      (f) => f.startsWith('server/src/data-access/') || f.startsWith('server/src/messaging/'),
    );
    const upward = lower.flatMap((f) =>
      specifiersOf(f)
        .map((s) => resolveLocal(f, s, KNOWN))
        .filter(
          (t): t is string =>
            t !== null &&
            (t.startsWith('server/src/domain/') || t.startsWith('server/src/entry-points/')),
        )
        .map((t) => `${f} -> ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it.each(['server/src', 'extension', 'protocol'])('has no import cycle in %s', (dir) => {
    const files = ALL.filter((f) => f.startsWith(`${dir}/`));
    expect(cyclesIn(graphOf(files))).toEqual([]);
  });

  it(`keeps source files at ${MAX_LINES} lines or fewer (tests, generated and bench code aside)`, () => {
    const long = ALL.filter((f) => !TEST_OR_KIT.test(f) && !f.includes('/fuzz/'))
      .map((f) => ({ f, lines: read(f).split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ f, lines }) => `${f}: ${lines} lines`);
    expect(long).toEqual([]);
  });

  it('keeps the sync client out of every extension page', () => {
    const extension = ALL.filter((f) => f.startsWith('extension/'));
    const graph = graphOf(extension);
    const pages = extension.filter(
      (f) =>
        f.startsWith('extension/entrypoints/') && !f.startsWith('extension/entrypoints/background'),
    );
    expect(pages.length).toBeGreaterThan(3);
    const offending = pages.flatMap((page) =>
      [...reachableFrom(page, graph)]
        .filter((f) => f.startsWith('extension/sync/'))
        .map((f) => `${page} reaches ${f}`),
    );
    expect(offending).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find a cycle and a reach through a chain', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
    ]);
    expect(cyclesIn(graph)).toEqual([['a', 'b', 'c']]);
    expect([
      ...reachableFrom(
        'a',
        new Map([
          ['a', ['b']],
          ['b', ['d']],
        ]),
      ),
    ]).toEqual(['a', 'b', 'd']);
    expect(packageOf('@grafana/schema/dist')).toBe('@grafana/schema');
    expect(packageOf('pg-copy-streams')).toBe('pg-copy-streams');
  });
});
