/**
 * Limits that keep one client from tying up the server: header size (431),
 * body size after decompression (413) for every encoding the server accepts,
 * and the socket timeouts that cut off slow-loris clients.
 */
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceRegistered } from '#protocol';
import { closeServer, listen } from '../../server/src/entry-points/http-server.js';
import { makeBatch, makeEvent, postEvents, registerDevice, request } from '../harness/client.js';
import { type Stack, startStack } from '../server/modes.js';
import { expectErrorBody } from './error-body.js';

/** Sends raw bytes and returns the status line, or the empty string when the socket closes silently. */
function rawStatusLine(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.end(text);
  });
}

describe('request limits', () => {
  let stack: Stack;
  let base: string;
  let port: number;
  let device: DeviceRegistered;

  beforeAll(async () => {
    stack = await startStack('embedded');
    base = stack.server.url;
    port = Number(new URL(base).port);
    device = await registerDevice(base);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers 431 to headers over 16 KiB and still serves headers just under it', async () => {
    const head = (padBytes: number): string =>
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(padBytes)}\r\nConnection: close\r\n\r\n`;
    expect(await rawStatusLine(port, head(17 * 1024))).toMatch(/^HTTP\/1\.1 431 /);
    expect(await rawStatusLine(port, head(15 * 1024))).toMatch(/^HTTP\/1\.1 200 /);
    // Many small headers add up the same way.
    const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'b'.repeat(40)}`).join('\r\n');
    expect(
      await rawStatusLine(port, `GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n\r\n`),
    ).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('answers 413 to bodies over 1 MiB after decompression, whatever the encoding', async () => {
    const inflated = Buffer.from(
      JSON.stringify({ ...makeBatch([makeEvent()]), pad: ' '.repeat(3 * 1024 * 1024) }),
    );
    const bombs: [string, Buffer][] = [
      ['gzip', gzipSync(inflated)],
      ['deflate', deflateSync(inflated)],
      ['br', brotliCompressSync(inflated)],
    ];
    for (const [encoding, body] of bombs) {
      expect(body.length).toBeLessThan(64 * 1024);
      const res = await postEvents(base, device.token, null, {
        rawBody: body,
        headers: { 'content-encoding': encoding },
      });
      expectErrorBody(res, 'payload_too_large');
    }
  });

  it('answers 413 to a registration body over 16 KiB', async () => {
    const res = await request(`${base}/api/v1/devices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        extensionVersion: '1.0.0',
        browser: { name: 'Chrome', version: '131' },
        os: 'Linux',
        label: 'x'.repeat(17 * 1024),
      }),
    });
    expectErrorBody(res, 'payload_too_large');
  });

  it('answers a chunked body over the limit with 413 and keeps the connection serving', async () => {
    // The body is read off after the refusal, so the next request on the kept-alive socket is
    // answered (a reader that stopped mid-body would leave it waiting for the socket timeout).
    const statuses = await new Promise<string[]>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        // A status line follows the previous response's body directly.
        const lines = received.match(/HTTP\/1\.1 \d{3} /g) ?? [];
        if (lines.length === 2) {
          socket.destroy();
          resolve(lines);
        }
      });
      socket.on('close', () => reject(new Error(`closed after: ${received.slice(0, 300)}`)));
      socket.on('error', reject);
      const chunk = ' '.repeat(32 * 1024);
      let text =
        'POST /api/v1/devices HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n';
      // 256 KiB against the registration limit of 16 KiB, then a second request on the socket.
      for (let i = 0; i < 8; i++) text += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
      socket.write(`${text}0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
    expect(statuses[0]).toMatch(/^HTTP\/1\.1 413 /);
    expect(statuses[1]).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('refuses a lying Content-Length without hanging', async () => {
    const body = JSON.stringify(makeBatch([makeEvent()]));
    const line = await rawStatusLine(
      port,
      `POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${device.token}\r\n` +
        `Content-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    // Node refuses both headers together (request smuggling) before any route runs.
    expect(line).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('listens with the slow-loris timeouts: headers in 10 s, whole request in 30 s', async () => {
    // The harness does not hand out its http.Server, so check the same listen() the API uses.
    const server = await listen(express(), 0, '127.0.0.1');
    try {
      expect((server.address() as AddressInfo).port).toBeGreaterThan(0);
      expect(server.headersTimeout).toBe(10_000);
      expect(server.requestTimeout).toBe(30_000);
      expect(server.keepAliveTimeout).toBe(5_000);
      expect(server.headersTimeout).toBeLessThanOrEqual(server.requestTimeout);
    } finally {
      await closeServer(server);
    }
  });
});
