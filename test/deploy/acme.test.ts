/**
 * Certificates by ACME, for real on this machine: Pebble (Let's Encrypt's ACME test server,
 * Debian's package) as the CA, Debian's certbot driven by the certbot service's own script
 * (deploy/certbot/certbot.sh), and the project's nginx configuration rendered as the deployment
 * renders it, serving the HTTP-01 challenge from the webroot the two share. Pebble's validation
 * connects to that nginx (its httpPort is nginx's HTTP port): nothing is faked as valid.
 *
 * The deployment's order: the script makes a temporary self-signed pair, nginx starts on it,
 * certbot obtains the certificate through nginx, the script installs it, and nginx's watcher
 * (deploy/nginx/40-reload-on-certificate-change.sh) reloads nginx, which then serves a chain
 * that verifies against Pebble's root. A forced renewal changes the served serial the same way.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate } from './certificate.js';
import { send } from './http-client.js';
import { type RenderedNginx, renderNginxConfig } from './nginx-config.js';
import {
  freePort,
  NGINX_BIN,
  nginxVersion,
  type RunningNginx,
  startNginx,
} from './nginx-process.js';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);
const CERTBOT_SCRIPT = repoPath('deploy/certbot/certbot.sh');
const WATCHER = repoPath('deploy/nginx/40-reload-on-certificate-change.sh');
const PEBBLE_BIN = process.env.PEBBLE_BIN ?? '/usr/bin/pebble';
const HOST = 'localhost';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(last)}`);
    await sleep(200);
  }
}

/** GET over HTTPS to 127.0.0.1 trusting only `ca` (Pebble's listener has make-cert's pair). */
function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: Buffer }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: Number(target.port),
        path: target.pathname,
        servername: HOST,
        headers: { host: HOST },
        ca,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.once('error', reject);
    req.end();
  });
}

interface Served {
  serial: string;
  issuer: string;
  /** Whether the chain verified against the CA given (and the name matched). */
  authorized: boolean;
  error: string | null;
}

/** The certificate nginx serves on its HTTPS port, checked against `ca`. */
function servedCertificate(port: number, ca: Buffer): Promise<Served> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: HOST,
      ca,
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      resolve({
        serial: cert.serialNumber.toUpperCase(),
        issuer: [cert.issuer.CN ?? ''].flat().join(', '),
        authorized: socket.authorized,
        error: socket.authorizationError === null ? null : String(socket.authorizationError),
      });
      socket.end();
    });
    socket.once('error', reject);
  });
}

function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber.toUpperCase();
}

describe('certificates by ACME (certbot service, nginx webroot, reload on change)', () => {
  let dir: string;
  let config: RenderedNginx;
  let nginx: RunningNginx;
  let httpPort: number;
  let httpsPort: number;
  let acmePort: number;
  let managementPort: number;
  let pebbleCa: Buffer;
  let pebble: ChildProcess | undefined;
  let watcher: ChildProcess | undefined;
  let pebbleLog = '';
  let scriptEnv: NodeJS.ProcessEnv;

  async function runScript(args: string[], env = scriptEnv): Promise<string> {
    try {
      const { stdout, stderr } = await execFileAsync('sh', [CERTBOT_SCRIPT, ...args], {
        env,
        timeout: 90_000,
      });
      return `${stdout}${stderr}`;
    } catch (error) {
      const e = error as { stdout?: string; stderr?: string; message: string };
      const certbotLog = await readFile(
        join(dir, 'letsencrypt/logs/letsencrypt.log'),
        'utf8',
      ).catch(() => '');
      throw new Error(
        `certbot.sh ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}\n` +
          `--- pebble ---\n${pebbleLog}\n--- certbot log (tail) ---\n${certbotLog.slice(-4000)}\n` +
          `--- nginx ---\n${await nginx.errorLog()}`,
      );
    }
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracksphere-acme-'));
    // nginx's workers (its default user, when the tests run as root) read the challenge files.
    await chmod(dir, 0o755);
    [httpPort, httpsPort, acmePort, managementPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    config = await renderNginxConfig({
      dir: join(dir, 'nginx'),
      values: {
        // Nothing listens there: this test is about the certificate, not the upstreams.
        NGINX_API_UPSTREAM: `127.0.0.1:${await freePort()}`,
        NGINX_GRAFANA_UPSTREAM: `127.0.0.1:${await freePort()}`,
        NGINX_API_RATE: '100r/s',
        NGINX_API_BURST: '100',
        NGINX_CONN_PER_CLIENT: '64',
      },
      httpPort,
      httpsPort,
      nginxVersion: await nginxVersion(),
    });

    // Pebble's own HTTPS listener gets a make-cert pair; certbot trusts it by REQUESTS_CA_BUNDLE.
    const pebbleTls = join(dir, 'pebble-tls');
    const pebbleListenerCert = await makeCertificate(pebbleTls, HOST);
    await writeFile(
      join(dir, 'pebble.json'),
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${managementPort}`,
          certificate: join(pebbleTls, 'fullchain.pem'),
          privateKey: join(pebbleTls, 'privkey.pem'),
          // HTTP-01 validation connects to <domain>:httpPort: the project's nginx.
          httpPort,
          tlsPort: await freePort(),
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      }),
    );
    pebble = spawn(
      'setpriv',
      ['--pdeathsig', 'KILL', PEBBLE_BIN, '-config', join(dir, 'pebble.json')],
      {
        env: {
          ...process.env,
          // No random 0-15 s pause before validating, no deliberately rejected nonces, and a
          // fresh validation for every order (the renewal goes through nginx again).
          PEBBLE_VA_NOSLEEP: '1',
          PEBBLE_WFE_NONCEREJECT: '0',
          PEBBLE_AUTHZREUSE: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const collect = (chunk: Buffer): void => {
      pebbleLog = (pebbleLog + chunk.toString('utf8')).slice(-20_000);
    };
    pebble.stdout?.on('data', collect);
    pebble.stderr?.on('data', collect);
    const directoryUrl = `https://${HOST}:${acmePort}/dir`;
    await until('pebble', async () => {
      const res = await httpsGet(directoryUrl, pebbleListenerCert);
      return res.status === 200 ? true : undefined;
    });
    // The root Pebble issues under (it makes a new one at every start).
    pebbleCa = (await httpsGet(`https://${HOST}:${managementPort}/roots/0`, pebbleListenerCert))
      .body;
    expect(pebbleCa.toString()).toMatch(/BEGIN CERTIFICATE/);

    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.ACME_EMAIL;
    scriptEnv = {
      ...env,
      PUBLIC_HOSTNAME: HOST,
      ACME_EMAIL: 'admin@tracksphere.example.org',
      ACME_DIRECTORY_URL: directoryUrl,
      CERTS_DIR: config.certDir,
      ACME_WEBROOT: config.acmeWebroot,
      CERTBOT_DIR: join(dir, 'letsencrypt'),
      REQUESTS_CA_BUNDLE: join(pebbleTls, 'fullchain.pem'),
    };

    // As the stack starts: the certbot service makes a temporary pair, then nginx starts on it.
    // (With ACME off, ACME_EMAIL empty, that is all it does.)
    const off = await runScript(['--once'], { ...scriptEnv, ACME_EMAIL: '' });
    expect(off).toMatch(/temporary self-signed pair/);
    expect(off).toMatch(/ACME_EMAIL is empty/);
    nginx = await startNginx(config, [httpPort, httpsPort], { masterProcess: true });
    // The watcher as the nginx image's entrypoint starts it, here in the foreground.
    watcher = spawn('setpriv', ['--pdeathsig', 'KILL', 'sh', WATCHER, '--foreground'], {
      env: {
        ...process.env,
        NGINX_CERT_FILE: join(config.certDir, 'fullchain.pem'),
        NGINX_CERT_CHECK_INTERVAL: '1',
        NGINX_COMMAND: `${NGINX_BIN} -p ${config.dir} -c ${config.mainConf} -e ${config.errorLog}`,
      },
      stdio: 'ignore',
    });
  }, 90_000);

  afterAll(async () => {
    watcher?.kill('SIGKILL');
    pebble?.kill('SIGKILL');
    await nginx?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('serves the challenge webroot over plain HTTP, and redirects everything else', async () => {
    const challenges = join(config.acmeWebroot, '.well-known/acme-challenge');
    await mkdir(challenges, { recursive: true });
    await writeFile(join(challenges, 'token-123'), 'token-123.thumbprint');
    const token = await send(`http://${HOST}:${httpPort}/.well-known/acme-challenge/token-123`);
    expect(token.status).toBe(200);
    expect(token.text).toBe('token-123.thumbprint');
    expect(token.headers['content-type']).toBe('text/plain');
    const missing = await send(`http://${HOST}:${httpPort}/.well-known/acme-challenge/nope`);
    expect(missing.status).toBe(404);
    const post = await send(`http://${HOST}:${httpPort}/.well-known/acme-challenge/token-123`, {
      method: 'POST',
      body: 'x',
    });
    expect(post.status).toBe(403);
    // Nothing of the webroot outside the challenge folder.
    await writeFile(join(config.acmeWebroot, 'secret.txt'), 'no');
    const outside = await send(
      `http://${HOST}:${httpPort}/.well-known/acme-challenge/../../secret.txt`,
    );
    expect(outside.status).not.toBe(200);
    const other = await send(`http://${HOST}:${httpPort}/.well-known/other`);
    expect(other.status).toBe(301);
    expect(other.headers.location).toBe(`https://${HOST}/.well-known/other`);
  });

  it('starts on the temporary self-signed pair, which no CA vouches for', async () => {
    const served = await servedCertificate(httpsPort, pebbleCa);
    expect(served.authorized).toBe(false);
    expect(served.issuer).toBe(HOST);
  });

  it('obtains a certificate through nginx; nginx reloads onto it; it verifies', async () => {
    const before = await readFile(join(config.certDir, 'fullchain.pem'), 'utf8');
    const output = await runScript(['--once']);
    expect(output).toMatch(/installed the certificate for localhost/);
    const installed = await readFile(join(config.certDir, 'fullchain.pem'), 'utf8');
    expect(installed).not.toBe(before);
    // The key and the certificate are certbot's current ones.
    const live = join(dir, 'letsencrypt/live/tracksphere');
    expect(installed).toBe(await readFile(join(live, 'fullchain.pem'), 'utf8'));
    expect(await readFile(join(config.certDir, 'privkey.pem'), 'utf8')).toBe(
      await readFile(join(live, 'privkey.pem'), 'utf8'),
    );
    const serial = serialOf(installed);

    // Pebble fetched the token from this nginx over HTTP (nginx's access log).
    const access = await readFile(join(config.dir, 'logs/access.log'), 'utf8');
    expect(access).toMatch(
      /"GET \/\.well-known\/acme-challenge\/[A-Za-z0-9_-]{20,} HTTP\/1\.1" 200 /,
    );

    // The watcher reloads nginx within a few seconds; then the chain verifies against Pebble's root.
    const served = await until('nginx to serve the new certificate', async () => {
      const now = await servedCertificate(httpsPort, pebbleCa);
      return now.serial === serial ? now : undefined;
    });
    expect(served.error).toBeNull();
    expect(served.authorized).toBe(true);
    expect(served.issuer).toMatch(/^Pebble Intermediate CA/);
    // And a request over it, verified (no upstream runs: nginx's own redirect answers).
    const res = await send(`https://${HOST}:${httpsPort}/`, { ca: pebbleCa });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/grafana/');
  });

  it('keeps the certificate while it is not due, and a renewal changes the served serial', async () => {
    const file = join(config.certDir, 'fullchain.pem');
    const first = serialOf(await readFile(file, 'utf8'));
    // Not due (30 days before expiry): nothing requested, nothing installed.
    const kept = await runScript(['--once']);
    expect(kept).not.toMatch(/installed/);
    expect(serialOf(await readFile(file, 'utf8'))).toBe(first);

    const renewed = await runScript(['--once', '--force-renewal']);
    expect(renewed).toMatch(/installed the certificate for localhost/);
    const second = serialOf(await readFile(file, 'utf8'));
    expect(second).not.toBe(first);
    const served = await until('nginx to serve the renewed certificate', async () => {
      const now = await servedCertificate(httpsPort, pebbleCa);
      return now.serial === second ? now : undefined;
    });
    expect(served.authorized).toBe(true);
    expect(await nginx.errorLog()).toMatch(/reconfiguring|signal 1 \(SIGHUP\) received/);
  }, 120_000);
});
