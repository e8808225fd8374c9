/** Assertions on the documented error body, shared by the attack tests. */
import { expect } from 'vitest';
import { ERROR_STATUS, ErrorBodySchema, type ErrorCode } from '#protocol';
import type { HttpResult } from '../harness/client.js';

export function expectErrorBody(res: HttpResult, code: ErrorCode): void {
  expect(res.status, res.text.slice(0, 200)).toBe(ERROR_STATUS[code]);
  expect(ErrorBodySchema.parse(res.body).error.code).toBe(code);
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
