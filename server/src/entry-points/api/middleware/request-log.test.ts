import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { requestLog } from './request-log.js';

interface Line {
  level: number;
  msg: string;
  req: { id: number; method: string; url: string; remoteAddress: string };
  res: { statusCode: number };
  responseTime: number;
}

describe('requestLog', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  async function serve(): Promise<{ base: string; lines: Line[] }> {
    const lines: Line[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)) as Line);
        cb();
      },
    });
    const app = express();
    app.use(requestLog(pino({ level: 'info' }, sink), (url) => url === '/healthz'));
    app.get('/healthz', (_req, res) => {
      res.send('ok');
    });
    app.post('/ok', (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/broken', (_req, res) => {
      res.status(503).end();
    });
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(() => server.close());
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines };
  }

  it('writes one line per request with its status and time, never the request headers nor the query string', async () => {
    const { base, lines } = await serve();
    const token = 'Bearer 0190a1b2-0000-7000-8000-000000000000.s3cretS3cretS3cretS3cret';
    expect(
      (
        await fetch(`${base}/ok?code=S3CRETCODE&x=1`, {
          method: 'POST',
          headers: { authorization: token },
        })
      ).status,
    ).toBe(200);
    expect((await fetch(`${base}/broken`)).status).toBe(503);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toHaveLength(2);
    const [ok, broken] = lines as [Line, Line];
    expect(ok).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 1, method: 'POST', url: '/ok', remoteAddress: '127.0.0.1' },
      res: { statusCode: 200 },
    });
    expect(ok.responseTime).toBeGreaterThanOrEqual(0);
    expect(broken).toMatchObject({ level: 50, msg: 'request errored', res: { statusCode: 503 } });
    // Neither the headers nor the query string.
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|authorization|\?/i);
  });
});
