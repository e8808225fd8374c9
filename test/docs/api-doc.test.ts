/**
 * docs/api.md is the API contract people read; the OpenAPI document is the one the server
 * serves. This test keeps the two telling the same story: the same endpoints, each endpoint's
 * statuses in its section, and every error and rejection code with its status.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, REJECTION_CODES } from '#protocol';
import { buildOpenApiDocument } from '../../server/src/entry-points/api/openapi.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options'] as const;
/** The document is served at this path but does not list itself among its paths. */
const SELF = 'GET /api/v1/openapi.json';

interface Operation {
  key: string;
  statuses: string[];
}

function operationsOf(document: Record<string, unknown>): Operation[] {
  const paths = document.paths as Record<string, Record<string, { responses?: object }>>;
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op === undefined) continue;
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        statuses: Object.keys(op.responses ?? {}),
      });
    }
  }
  return ops;
}

/** Every "`METHOD /path`" the page mentions. */
function documentedEndpoints(markdown: string): Set<string> {
  const found = new Set<string>();
  for (const m of markdown.matchAll(/`(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\/[^`\s]*)`/g)) {
    found.add(`${m[1]} ${m[2]}`);
  }
  return found;
}

/** The text under the heading that names the endpoint, up to the next heading. */
function sectionOf(markdown: string, key: string): string | null {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.includes(`\`${key}\``));
  if (start === -1) return null;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^#+ /.test(l));
  return rest.slice(0, end === -1 ? undefined : end).join('\n');
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('docs/api.md', () => {
  const operations = operationsOf(buildOpenApiDocument());
  const documented = documentedEndpoints(DOC);

  it('finds the endpoints of the OpenAPI document', () => {
    expect(operations.map((o) => o.key)).toContain('POST /api/v1/events');
  });

  it('documents every endpoint of the OpenAPI document', () => {
    const missing = operations.map((o) => o.key).filter((key) => !documented.has(key));
    expect(missing, 'endpoints served but not in docs/api.md').toEqual([]);
  });

  it('documents no endpoint the OpenAPI document lacks', () => {
    const known = new Set([...operations.map((o) => o.key), SELF]);
    const extra = [...documented].filter((key) => !known.has(key));
    expect(extra, 'endpoints in docs/api.md that the server does not describe').toEqual([]);
  });

  it.each(operations.map((o) => [o.key, o] as const))(
    'gives %s a section naming each of its statuses',
    (key, op) => {
      const section = sectionOf(DOC, key);
      expect(section, `no heading naming \`${key}\``).not.toBeNull();
      const missing = op.statuses.filter((s) => !new RegExp(`\\b${s}\\b`).test(section ?? ''));
      expect(missing, `statuses of ${key} missing from its section`).toEqual([]);
    },
  );

  it.each(Object.entries(ERROR_STATUS))(
    'lists the error code %s with its status %i',
    (code, status) => {
      const row = new RegExp(`^\\| \`${escapeRegExp(code)}\` \\| ${status} \\|`, 'm');
      expect(row.test(DOC), `no row "| \`${code}\` | ${status} |" in the error table`).toBe(true);
    },
  );

  it.each([...REJECTION_CODES])('lists the per-event rejection code %s', (code) => {
    const row = new RegExp(`^\\| \`${escapeRegExp(code)}\` \\|`, 'm');
    expect(row.test(DOC), `no row "| \`${code}\` |" in the rejection table`).toBe(true);
  });
});
