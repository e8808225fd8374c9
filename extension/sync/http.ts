/** What the sync client needs from fetch, and how it reads the API's error bodies. */
import { ErrorBodySchema } from '#protocol';
import { apiErrorText } from './error-text.js';

/** The part of fetch used here; the global fetch fits, and so does a test fake. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpDeps {
  fetch: FetchLike;
  /** e.g. https://tracksphere.example.org; a path prefix is kept. */
  baseUrl: string;
  /** Per request; an unanswered request is retried like a network error. */
  timeoutMs?: number;
  /** Aborts the request in flight (the caller is shutting down). */
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ApiError {
  /** The API's error code, or 'network' / 'timeout' / 'http_<status>' when there was none. */
  code: string;
  /** For the person, in their language (error-text.ts): what the pages and notes show. */
  message: string;
  /** The server's own message, or the client's words where it gave none (English): for checks. */
  raw: string;
  status: number | null;
}

/** An ApiError worded for the person from its code; `raw` as the server or client said it. */
export function apiError(
  code: string,
  raw: string,
  status: number | null,
  details?: unknown,
): ApiError {
  return { code, message: apiErrorText(code, raw, status, details), raw, status };
}

export function apiUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

/** Reads the documented error body; a proxy's HTML error page still gives a usable error. */
export async function readApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: described by its status below
  }
  const parsed = ErrorBodySchema.safeParse(json);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return apiError(code, message, res.status, details);
  }
  const fallback: Record<number, string> = {
    401: 'unauthorized',
    403: 'forbidden',
    413: 'payload_too_large',
    429: 'rate_limited',
    503: 'unavailable',
  };
  return apiError(
    fallback[res.status] ?? `http_${res.status}`,
    `The server answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`,
    res.status,
  );
}

/**
 * fetch with a timeout and the caller's signal. Network failures resolve to an
 * ApiError instead of throwing, so callers handle one result type.
 */
export async function fetchWithTimeout(
  deps: HttpDeps,
  url: string,
  init: RequestInit,
): Promise<Response | ApiError> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, deps.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const onAbort = (): void => controller.abort();
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (deps.signal?.aborted === true) controller.abort();
    return await deps.fetch(url, { ...init, signal: controller.signal });
  } catch (err) {
    if (timedOut) {
      return apiError('timeout', 'The server did not answer in time.', null);
    }
    if (deps.signal?.aborted === true) {
      return apiError('aborted', 'The request was cancelled.', null);
    }
    const message = err instanceof Error ? err.message : String(err);
    // The browser's reason ("Failed to fetch") tells the person nothing more than the code's
    // message: it stays in the English words only.
    return apiError('network', `The server could not be reached: ${message}`, null);
  } finally {
    clearTimeout(timer);
    deps.signal?.removeEventListener('abort', onAbort);
  }
}

export function isApiError(value: Response | ApiError): value is ApiError {
  return !(value instanceof Response);
}

/**
 * A request to the API whose 2xx answer `schema` reads: that answer, or why not (no answer, an
 * error answer, or `what` missing from a 2xx). With `token`, as the device; with `body`, as JSON.
 */
export async function requestJson<T>(
  deps: HttpDeps,
  path: string,
  init: { method: string; token?: string; body?: unknown },
  schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } },
  what: string,
): Promise<T | ApiError> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetchWithTimeout(deps, apiUrl(deps.baseUrl, path), {
    method: init.method,
    headers,
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  if (isApiError(res)) return res;
  if (!res.ok) return readApiError(res);
  const parsed = schema.safeParse(await res.json().catch(() => null));
  if (parsed.success) return parsed.data;
  return apiError('bad_response', `The server answered ${res.status} without ${what}.`, res.status);
}
