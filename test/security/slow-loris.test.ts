/** A client that drips its headers is cut off by the headers timeout, when it says. */
import { connect } from 'node:net';
import express from 'express';
import { expect, it } from 'vitest';
import {
  addressOf,
  closeServer,
  DEFAULT_TIMEOUTS,
  listen,
} from '../../server/src/entry-points/http-server.js';

it('closes a slow-loris connection soon after the headers timeout', async () => {
  // The production timeouts scaled down; the mechanism (and Node's checking interval) is the same.
  const server = await listen(express(), 0, '127.0.0.1', {
    headersTimeout: 1_000,
    requestTimeout: 3_000,
    keepAliveTimeout: 500,
  });
  const { port } = addressOf(server);
  const started = Date.now();
  const closedAfter = await new Promise<number>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const drip = setInterval(() => socket.write('a'), 100);
    socket.on('close', () => {
      clearInterval(drip);
      resolve(Date.now() - started);
    });
    socket.on('error', () => undefined);
  });
  await closeServer(server);
  expect(closedAfter).toBeGreaterThanOrEqual(900);
  expect(closedAfter).toBeLessThan(3_000);
  expect(DEFAULT_TIMEOUTS.headersTimeout).toBe(10_000);
}, 20_000);
