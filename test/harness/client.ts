/** HTTP helpers for tests: what the extension's sync client sends, made by hand. */
import { gzipSync } from 'node:zlib';
import { v7 as uuidv7 } from 'uuid';
import type { DeviceRegistered, VisitEvent } from '#protocol';

export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function request<T = unknown>(
  url: string,
  init: RequestInit & { headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

export async function registerDevice(
  baseUrl: string,
  opts: { userAgent?: string; enrollmentKey?: string } = {},
): Promise<DeviceRegistered> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent':
      opts.userAgent ??
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  };
  if (opts.enrollmentKey !== undefined) headers['x-enrollment-key'] = opts.enrollmentKey;
  const res = await request<DeviceRegistered>(`${baseUrl}/api/v1/devices`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      extensionVersion: '0.1.0',
      browser: { name: 'Chrome', version: '131.0' },
      os: 'Linux',
    }),
  });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return res.body;
}

let seq = 0;

/** A valid visit ending a little before now, unique id; override any field. */
export function makeEvent(overrides: Partial<VisitEvent> = {}): VisitEvent {
  seq += 1;
  const end = Date.now() - 60_000 - seq;
  const start = end - 30_000;
  return {
    id: uuidv7(),
    type: 'visit',
    url: `https://example.com/page/${seq}?q=1`,
    domain: 'example.com',
    title: `Page ${seq}`,
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(end).toISOString(),
    activeMs: 20_000,
    sessionId: '0190a6f2-0000-7000-8000-000000000001',
    transition: 'link',
    ...overrides,
  };
}

export function makeBatch(events: unknown[], sentAt = new Date()): Record<string, unknown> {
  return { batchId: uuidv7(), sentAt: sentAt.toISOString(), events };
}

export async function postEvents<T = unknown>(
  baseUrl: string,
  token: string,
  batch: unknown,
  opts: {
    gzip?: boolean;
    rawBody?: string | Buffer;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpResult<T>> {
  const json = opts.rawBody ?? JSON.stringify(batch);
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    'content-type': opts.contentType ?? 'application/json',
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    ...opts.headers,
  };
  let body: string | Buffer = json;
  if (opts.gzip === true) {
    body = gzipSync(json);
    headers['content-encoding'] = 'gzip';
  }
  return request<T>(`${baseUrl}/api/v1/events`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
}

/** Polls until check() returns true (the condition itself, never a fixed sleep). */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
