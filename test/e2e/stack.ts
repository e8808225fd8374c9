/**
 * The whole product stack for the end-to-end suite, every part real: PostgreSQL (the run's
 * cluster), the librdkafka mock cluster, the ingest API and the pg-writer consumer in Kafka mode,
 * nginx with the project's config and a certificate made now, and a web server for test pages
 * that answers for any host name (the browsers map *.test to it).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { startStubUpstream } from '../deploy/recording-upstream.js';
import { startTestNginx, type TestNginx } from '../deploy/test-nginx.js';
import { startKafkaStack } from '../server/modes.js';

export const ENROLLMENT_KEY = 'e2e-enrollment-key';
/** Test sites: distinct registrable domains, so per-site figures mean something. */
export const SITES = ['alpha.test', 'beta.test', 'gamma.test'] as const;

export interface E2eStack {
  /** https://localhost:<port>: nginx, TLS, in front of the API. */
  serverUrl: string;
  nginx: TestNginx;
  /** base64 SHA-256 of the certificate's public key (Chromium's --ignore-certificate-errors-spki-list). */
  spkiHash: string;
  databaseUrl: string;
  /** The API's database pool (superuser), for checking what was stored. */
  db: pg.Pool;
  /** http://<host>:<port><path> on the test page server. */
  page(host: string, path?: string): string;
  pagePort: number;
  stop(): Promise<void>;
}

/**
 * A page that says where it is. `/app...` is a single-page app: its button changes the route
 * with history.pushState, as a client-side router does.
 */
function testPage(host: string, path: string): string {
  const title = `${host}${path}`;
  const app = path.startsWith('/app')
    ? `<button id="route" onclick="history.pushState({}, '', '/app/route-2'); document.title = location.host + location.pathname">next route</button>`
    : '';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${app}<p><a id="link" href="/linked">a link</a></p></body></html>`;
}

async function startPageServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const host = (req.headers.host ?? 'unknown').replace(/:\d+$/, '');
    if (req.url === '/favicon.ico') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(testPage(host, req.url ?? '/'));
  });
  // Both address families: Firefox may resolve its local domains to ::1.
  await new Promise<void>((resolve) => server.listen(0, '::', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function spkiSha256(certificatePem: Buffer): string {
  const key = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(key).digest('base64');
}

export async function startE2eStack(): Promise<E2eStack> {
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    // As compose runs it: behind exactly one proxy, registration needing the enrollment key.
    const stack = await startKafkaStack({ TRUST_PROXY: '1', ENROLLMENT_KEY }, { prefix: 'e2e' });
    cleanups.push(() => stack.stop());
    const grafana = await startStubUpstream({ status: 200, headers: {}, body: 'grafana' });
    cleanups.push(() => grafana.close());
    const nginx = await startTestNginx({
      NGINX_API_UPSTREAM: new URL(stack.server.url).host,
      NGINX_GRAFANA_UPSTREAM: grafana.address,
      NGINX_API_RATE: '10r/s',
      NGINX_API_BURST: '50',
      NGINX_CONN_PER_CLIENT: '64',
    });
    cleanups.push(() => nginx.stop());
    const pages = await startPageServer();
    cleanups.push(() => new Promise<void>((resolve) => pages.server.close(() => resolve())));
    const db = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
    db.on('error', () => undefined);
    cleanups.push(() => db.end());
    return {
      serverUrl: nginx.httpsUrl,
      nginx,
      spkiHash: spkiSha256(nginx.ca),
      databaseUrl: stack.databaseUrl,
      db,
      page: (host, path = '/') => `http://${host}:${pages.port}${path}`,
      pagePort: pages.port,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
