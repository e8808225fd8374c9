import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll } from 'vitest';

/**
 * A local site of plain pages for browser tests to browse (each page's title and heading name
 * its path), started before the file's tests and closed after them.
 */
export function servePlainPages(): { url(): string } {
  let site: Server | undefined;
  let url = '';
  beforeAll(async () => {
    const server = createServer((req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><title>Page ${req.url}</title><h1>${req.url}</h1>`);
    });
    site = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((r) => site?.close(r));
  });
  return { url: () => url };
}
