/**
 * All my browsers (docs/api.md): link codes, linking, the linked browsers, unlinking, and the
 * combined daily summary, each a /me call with the device token.
 */

import type { z } from 'zod';
import {
  type LinkCode,
  LinkCodeSchema,
  type LinkState,
  LinkStateSchema,
  type Summary,
  type SummaryQuery,
  SummarySchema,
} from '#protocol';
import {
  type ApiError,
  apiUrl,
  fetchWithTimeout,
  type HttpDeps,
  isApiError,
  readApiError,
} from './http.js';

/** The summary is read while a page is open: a slow server must not hold the figures up. */
export const SUMMARY_TIMEOUT_MS = 3000;
/** Link calls answer a click: a little longer than the summary, far shorter than a sync. */
export const LINK_TIMEOUT_MS = 10_000;

type TokenDeps = HttpDeps & { token: string };

async function call<T>(
  deps: TokenDeps,
  path: string,
  init: { method: string; body?: unknown },
  schema: z.ZodType<T>,
  what: string,
): Promise<T | ApiError> {
  const headers: Record<string, string> = { authorization: `Bearer ${deps.token}` };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetchWithTimeout(
    { ...deps, timeoutMs: deps.timeoutMs ?? LINK_TIMEOUT_MS },
    apiUrl(deps.baseUrl, path),
    {
      method: init.method,
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    },
  );
  if (isApiError(res)) return res;
  if (!res.ok) return readApiError(res);
  const parsed = schema.safeParse(await res.json().catch(() => null));
  if (parsed.success) return parsed.data;
  return {
    code: 'bad_response',
    message: `The server answered ${res.status} without ${what}.`,
    status: res.status,
  };
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

/** GET /api/v1/me/summary, with a short timeout (SUMMARY_TIMEOUT_MS unless given). */
export function fetchSummary(deps: TokenDeps, query: SummaryQuery): Promise<Summary | ApiError> {
  const qs = new URLSearchParams({ from: query.from, to: query.to, tz: query.tz }).toString();
  return call(
    { ...deps, timeoutMs: deps.timeoutMs ?? SUMMARY_TIMEOUT_MS },
    `/api/v1/me/summary?${qs}`,
    { method: 'GET' },
    SummarySchema,
    'a summary',
  );
}
