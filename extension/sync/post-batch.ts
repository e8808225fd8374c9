/** One POST /api/v1/events, its answer sorted into what the sync loop must do next. */
import { type IngestResult, IngestResultSchema } from '#protocol';
import { parseRetryAfterMs } from './backoff.js';
import type { Compressor } from './gzip.js';
import {
  type ApiError,
  apiError,
  apiUrl,
  fetchWithTimeout,
  type HttpDeps,
  isApiError,
  readApiError,
} from './http.js';

export type SendOutcome =
  /** 200: every event not listed in `rejected` is durably stored. */
  | { kind: 'accepted'; result: IngestResult }
  /** Nothing stored; try the same events again later (network, 5xx, 429, anything unexpected). */
  | { kind: 'retry'; error: ApiError; retryAfterMs: number | null }
  /** 401/403: the token is no good; stop until the device registers again. */
  | { kind: 'blocked'; error: ApiError }
  /** 400 invalid_batch or 413: the envelope was refused as a whole; split it. */
  | { kind: 'refused'; error: ApiError };

export interface PostBatchDeps extends HttpDeps {
  token: string;
  compress: Compressor | null;
  now(): number;
}

/** Small bodies are not worth a compression stream. */
const MIN_COMPRESS_BYTES = 1024;

async function send(
  deps: PostBatchDeps,
  json: string,
  gzip: boolean,
  seq: number | undefined,
): Promise<Response | ApiError> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${deps.token}`,
    'content-type': 'application/json',
  };
  let body: string | Uint8Array<ArrayBuffer> = json;
  if (gzip && deps.compress !== null) {
    body = await deps.compress(json);
    headers['content-encoding'] = 'gzip';
  }
  // In the query, not the envelope: a server that does not know it ignores it, where its
  // strict envelope would refuse an unknown field.
  const path = seq === undefined ? '/api/v1/events' : `/api/v1/events?seq=${seq}`;
  return fetchWithTimeout(deps, apiUrl(deps.baseUrl, path), {
    method: 'POST',
    headers,
    body,
  });
}

/** `seq`: the batch's own number (orders this browser's batches for the summary). */
export async function postBatch(
  deps: PostBatchDeps,
  json: string,
  seq?: number,
): Promise<SendOutcome> {
  const gzip = deps.compress !== null && json.length >= MIN_COMPRESS_BYTES;
  let res = await send(deps, json, gzip, seq);
  // A proxy that does not pass Content-Encoding through: plain JSON still gets there.
  if (gzip && !isApiError(res) && res.status === 415) {
    await res.body?.cancel();
    res = await send(deps, json, false, seq);
  }
  if (isApiError(res)) return { kind: 'retry', error: res, retryAfterMs: null };

  if (res.ok) {
    const parsed = IngestResultSchema.safeParse(await res.json().catch(() => null));
    if (parsed.success) return { kind: 'accepted', result: parsed.data };
    // A 2xx we cannot read proves nothing was stored: sending again is the safe side.
    return {
      kind: 'retry',
      error: apiError(
        'bad_response',
        `The server answered ${res.status} without a readable result.`,
        res.status,
      ),
      retryAfterMs: null,
    };
  }

  const error = await readApiError(res);
  if (res.status === 401 || res.status === 403) return { kind: 'blocked', error };
  if (res.status === 413 || (res.status === 400 && error.code === 'invalid_batch')) {
    return { kind: 'refused', error };
  }
  // 429, 5xx, and the rest (404 from a wrong URL, 400 invalid_json from a body cut in
  // transit): nothing was stored, and none of it says the events themselves are bad.
  return {
    kind: 'retry',
    error,
    retryAfterMs: parseRetryAfterMs(res.headers.get('retry-after'), deps.now()),
  };
}
