/** What the sync client needs from fetch, and how it reads the API's error bodies. */
import { ErrorBodySchema } from '#protocol';

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
  message: string;
  status: number | null;
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
    return { code: parsed.data.error.code, message: parsed.data.error.message, status: res.status };
  }
  const fallback: Record<number, string> = {
    401: 'unauthorized',
    403: 'forbidden',
    413: 'payload_too_large',
    429: 'rate_limited',
    503: 'unavailable',
  };
  return {
    code: fallback[res.status] ?? `http_${res.status}`,
    message: `The server answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`,
    status: res.status,
  };
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
      return { code: 'timeout', message: 'The server did not answer in time.', status: null };
    }
    if (deps.signal?.aborted === true) {
      return { code: 'aborted', message: 'The request was cancelled.', status: null };
    }
    const message = err instanceof Error ? err.message : String(err);
    return {
      code: 'network',
      message: `The server could not be reached: ${message}`,
      status: null,
    };
  } finally {
    clearTimeout(timer);
    deps.signal?.removeEventListener('abort', onAbort);
  }
}

export function isApiError(value: Response | ApiError): value is ApiError {
  return !(value instanceof Response);
}
