/** Requests of the All my browsers routes (issue 18) for the server tests. */
import type { LinkCode, LinkState, Summary } from '#protocol';
import type { Pool } from '../../server/src/data-access/pool.js';
import {
  decodeCursor,
  encodeCursor,
  type SummaryCursor,
} from '../../server/src/domain/summary-cursor.js';
import { type HttpResult, request } from '../harness/client.js';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

export function issueCode(base: string, token: string): Promise<HttpResult<LinkCode>> {
  return request<LinkCode>(`${base}/api/v1/me/link-code`, { method: 'POST', headers: auth(token) });
}

export function redeem(base: string, token: string, code: string): Promise<HttpResult<LinkState>> {
  return request<LinkState>(`${base}/api/v1/me/link`, {
    method: 'POST',
    headers: { ...auth(token), 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
}

export function linkOf(base: string, token: string): Promise<HttpResult<LinkState>> {
  return request<LinkState>(`${base}/api/v1/me/link`, { headers: auth(token) });
}

export function unlink(
  base: string,
  token: string,
  deviceId?: string,
): Promise<HttpResult<LinkState>> {
  if (deviceId === undefined) {
    return request<LinkState>(`${base}/api/v1/me/link`, { method: 'DELETE', headers: auth(token) });
  }
  return request<LinkState>(`${base}/api/v1/me/link`, {
    method: 'DELETE',
    headers: { ...auth(token), 'content-type': 'application/json' },
    body: JSON.stringify({ deviceId }),
  });
}

/** Links `joiner` to `issuer` with a fresh code of the issuer's; fails the test otherwise. */
export async function link(base: string, issuer: string, joiner: string): Promise<LinkState> {
  const code = await issueCode(base, issuer);
  if (code.status !== 201) throw new Error(`link-code: ${code.status} ${code.text}`);
  const res = await redeem(base, joiner, code.body.code);
  if (res.status !== 200) throw new Error(`link: ${res.status} ${res.text}`);
  return res.body;
}

export function summary(base: string, token: string, query: string): Promise<HttpResult<Summary>> {
  return request<Summary>(`${base}/api/v1/me/summary?${query}`, { headers: auth(token) });
}

/** The ids of a link state's devices, sorted. */
export function idsOf(state: LinkState): string[] {
  return state.devices.map((d) => d.id).sort();
}

/** The database's key for the summary's cursors (migration summary-cursor-key). */
async function cursorKey(pool: Pool): Promise<Buffer> {
  const r = await pool.query<{ key: Buffer }>('SELECT key FROM summary_cursor_key');
  const key = r.rows[0]?.key;
  if (key === undefined) throw new Error('no summary_cursor_key');
  return key;
}

/** What a cursor of the server holds (the server's own reading of it). */
export async function openCursor(pool: Pool, cursor: string | undefined): Promise<SummaryCursor> {
  return decodeCursor(cursor ?? '', await cursorKey(pool));
}

/** A cursor the server takes for its own, holding `fields` as they are (checked by the server). */
export async function sealCursor(pool: Pool, fields: SummaryCursor): Promise<string> {
  return encodeCursor(fields, await cursorKey(pool));
}
