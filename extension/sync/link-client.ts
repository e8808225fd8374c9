/**
 * All my browsers (docs/api.md): link codes, linking, the linked browsers, unlinking, and the
 * combined daily summary, each a /me call with the device token.
 */

import { z } from 'zod';
import {
  CompactSummarySchema,
  expandSummary,
  type LinkCode,
  LinkCodeSchema,
  type LinkState,
  LinkStateSchema,
  type Summary,
  type SummaryQuery,
  SummarySchema,
} from '#protocol';
import { type ApiError, apiError, type HttpDeps, requestJson } from './http.js';

/** The summary is read while a page is open: a slow server must not hold the figures up. */
export const SUMMARY_TIMEOUT_MS = 3000;
/** Link calls answer a click: a little longer than the summary, far shorter than a sync. */
export const LINK_TIMEOUT_MS = 10_000;

type TokenDeps = HttpDeps & { token: string };

function call<T>(
  deps: TokenDeps,
  path: string,
  init: { method: string; body?: unknown },
  schema: z.ZodType<T>,
  what: string,
): Promise<T | ApiError> {
  return requestJson(
    { ...deps, timeoutMs: deps.timeoutMs ?? LINK_TIMEOUT_MS },
    path,
    { ...init, token: deps.token },
    schema,
    what,
  );
}

/** POST /api/v1/me/link-code: a single-use code for another browser, valid 10 minutes. */
export function createLinkCode(deps: TokenDeps): Promise<LinkCode | ApiError> {
  return call(deps, '/api/v1/me/link-code', { method: 'POST' }, LinkCodeSchema, 'a link code');
}

/** POST /api/v1/me/link: joins this browser to the code's person. */
export function linkWithCode(deps: TokenDeps, code: string): Promise<LinkState | ApiError> {
  return call(
    deps,
    '/api/v1/me/link',
    { method: 'POST', body: { code } },
    LinkStateSchema,
    'a link state',
  );
}

/** GET /api/v1/me/link: this browser's person and the linked browsers. */
export function fetchLinkState(deps: TokenDeps): Promise<LinkState | ApiError> {
  return call(deps, '/api/v1/me/link', { method: 'GET' }, LinkStateSchema, 'a link state');
}

/** DELETE /api/v1/me/link: unlinks `deviceId` (one of the person's browsers), or this one. */
export function unlinkDevice(deps: TokenDeps, deviceId?: string): Promise<LinkState | ApiError> {
  return call(
    deps,
    '/api/v1/me/link',
    { method: 'DELETE', ...(deviceId === undefined ? {} : { body: { deviceId } }) },
    LinkStateSchema,
    'a link state',
  );
}

/** Either answer of GET /api/v1/me/summary: v=2's, or a Summary from a server before v=2. */
const SummaryAnswerSchema = z.union([CompactSummarySchema, SummarySchema]);

/**
 * GET /api/v1/me/summary, with a short timeout (SUMMARY_TIMEOUT_MS unless given). Asks for the
 * compact answer (v=2: each domain named once, rows as arrays, a seventh of the bytes) and
 * gives it back as a Summary, so the pages and the cache read one shape. A server from before
 * v=2 refuses the parameter (400 invalid_request): then the first version is asked for.
 * `query.since`, a cached answer's cursor, asks for the days changed since only (complete
 * false); a server from before cursors refuses it too, and is asked again without it.
 */
export async function fetchSummary(
  deps: TokenDeps,
  query: SummaryQuery,
): Promise<Summary | ApiError> {
  let since = query.since;
  const ask = (v: '2' | null) => {
    const qs = new URLSearchParams({ from: query.from, to: query.to, tz: query.tz });
    if (v !== null) qs.set('v', v);
    if (since !== undefined) qs.set('since', since);
    return call(
      { ...deps, timeoutMs: deps.timeoutMs ?? SUMMARY_TIMEOUT_MS },
      `/api/v1/me/summary?${qs.toString()}`,
      { method: 'GET' },
      SummaryAnswerSchema,
      'a summary',
    );
  };
  let answer = await ask('2');
  if (
    'code' in answer &&
    answer.code === 'invalid_request' &&
    since !== undefined &&
    /\bsince\b/.test(answer.raw)
  ) {
    since = undefined;
    answer = await ask('2');
  }
  if ('code' in answer && answer.code === 'invalid_request' && /\bv\b/.test(answer.raw)) {
    answer = await ask(null);
  }
  if ('code' in answer) return answer;
  if (!('v' in answer)) return answer;
  return (
    expandSummary(answer) ??
    apiError(
      'bad_response',
      'The server answered a summary whose rows name a domain or browser it does not list.',
      200,
    )
  );
}
