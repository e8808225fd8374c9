import { describe, expect, it } from 'vitest';
import { hashSecret, issueToken, parseToken, safeEqual, secretMatches } from './tokens.js';

describe('device tokens', () => {
  const deviceId = '0190a6f2-1111-7000-8000-000000000001';

  it('issues "<deviceId>.<secret>" and keeps only a SHA-256 of the secret', () => {
    const { token, hash } = issueToken(deviceId);
    const parsed = parseToken(token);
    expect(parsed?.deviceId).toBe(deviceId);
    expect(hash.equals(hashSecret(parsed?.secret ?? ''))).toBe(true);
    expect(hash.length).toBe(32);
    expect(secretMatches(parsed?.secret ?? '', hash)).toBe(true);
  });

  it('never issues the same secret twice', () => {
    const a = issueToken(deviceId).token;
    const b = issueToken(deviceId).token;
    expect(a).not.toBe(b);
  });

  it('refuses malformed tokens and wrong secrets', () => {
    expect(parseToken('nonsense')).toBeNull();
    expect(parseToken(`${deviceId}.short`)).toBeNull();
    expect(parseToken(`${deviceId.toUpperCase()}.${'a'.repeat(43)}`)).toBeNull();
    const { hash } = issueToken(deviceId);
    expect(secretMatches('A'.repeat(43), hash)).toBe(false);
    expect(secretMatches('x', Buffer.alloc(16))).toBe(false);
  });

  it('compares enrollment keys exactly', () => {
    expect(safeEqual('key-1', 'key-1')).toBe(true);
    expect(safeEqual('key-1', 'key-2')).toBe(false);
    expect(safeEqual('key', 'key-1')).toBe(false);
  });
});
