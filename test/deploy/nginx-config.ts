/**
 * Renders the production nginx configuration (nginx/) into a folder a test can run nginx from.
 *
 * The site template gets its ${NGINX_*} values the way the nginx image's envsubst step gives
 * them. Everything else is the production files, changed only where a test run must differ:
 * listen addresses (127.0.0.1 and free ports), pid/log/temp paths and the ACME webroot inside
 * the folder, no `user`
 * line (tests run nginx as one process, see nginx-process.ts), and on nginx older than 1.25.1
 * (Debian bookworm's 1.22) HTTP/2 is switched on with the old `listen ... http2` parameter
 * instead of the `http2 on;` directive. Each change must match exactly once, so a reshaped
 * production file fails the tests loudly instead of being tested half-changed.
 *
 * One opt-in change serves the tests of per-client limits: `clientAddressHeader` makes the HTTPS
 * server take the client address from that request header (nginx's realip module, trusted from
 * 127.0.0.1 only), so that one test can speak as many IPv4 and IPv6 clients over loopback.
 */
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoPath } from './repo-root.js';

export const NGINX_MAIN_CONF = repoPath('nginx/nginx.conf');
export const NGINX_SITE_TEMPLATE = repoPath('nginx/templates/tracksphere.conf.template');
const SNIPPETS_DIR = repoPath('nginx/snippets');

const PLACEHOLDER = /\$\{([A-Z_][A-Z0-9_]*)\}/g;

/** The ${NAME} placeholders of an envsubst template, each once, in order of appearance. */
export function templateVariables(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/**
 * Replaces ${NAME} placeholders as envsubst does. A name without a value is an error here
 * (envsubst would leave the text in place for nginx to trip over later).
 */
export function substitute(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx template: no value for \${${name}}`);
    return value;
  });
}

function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string): string {
  const count = [...text.matchAll(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`))]
    .length;
  if (count !== 1) {
    throw new Error(`nginx test renderer: expected one ${what}, found ${count}`);
  }
  return text.replace(pattern, replacement);
}

/** True when this nginx knows the `http2 on;` directive (1.25.1 and later). */
export function hasHttp2Directive(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  return major > 1 || (major === 1 && (minor > 25 || (minor === 25 && patch >= 1)));
}

export interface RenderOptions {
  /** An empty folder; the rendered files, logs and temp folders go here. */
  dir: string;
  /** The values for the site template's ${NGINX_*} placeholders. */
  values: Readonly<Record<string, string>>;
  httpPort: number;
  httpsPort: number;
  /** The local nginx's version, e.g. "1.22.1". */
  nginxVersion: string;
  /** A request header the HTTPS server takes the client address from (tests only). */
  clientAddressHeader?: string;
}

export interface RenderedNginx {
  dir: string;
  mainConf: string;
  errorLog: string;
  /** Where the site expects fullchain.pem and privkey.pem. */
  certDir: string;
  /** The ACME HTTP-01 webroot nginx serves /.well-known/acme-challenge/ from. */
  acmeWebroot: string;
}

export async function renderNginxConfig(opts: RenderOptions): Promise<RenderedNginx> {
  const { dir } = opts;
  const certDir = join(dir, 'certs');
  const logs = join(dir, 'logs');
  const temp = join(dir, 'temp');
  const acmeWebroot = join(dir, 'acme');
  for (const folder of [
    join(dir, 'conf.d'),
    join(dir, 'snippets'),
    certDir,
    logs,
    temp,
    acmeWebroot,
  ]) {
    await mkdir(folder, { recursive: true });
  }

  let main = await readFile(NGINX_MAIN_CONF, 'utf8');
  main = replaceOnce(main, /^user .*;\n/m, '', 'user directive');
  main = replaceOnce(main, /^pid .*;$/m, `pid ${join(dir, 'nginx.pid')};`, 'pid directive');
  main = replaceOnce(
    main,
    /^error_log .*;$/m,
    `error_log ${join(logs, 'error.log')} info;`,
    'error_log directive',
  );
  main = replaceOnce(
    main,
    /access_log \/var\/log\/nginx\/access\.log/,
    `access_log ${join(logs, 'access.log')}`,
    'access_log directive',
  );
  // The distribution's compiled-in temp paths (/var/lib/nginx/...) are outside the folder.
  const tempPaths = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `  ${kind}_temp_path ${join(temp, kind)};`)
    .join('\n');
  main = replaceOnce(main, /^http \{$/m, `http {\n${tempPaths}`, 'http block');
  await writeFile(join(dir, 'nginx.conf'), main);

  let site = substitute(await readFile(NGINX_SITE_TEMPLATE, 'utf8'), opts.values);
  site = replaceOnce(
    site,
    /^(\s*)listen 80 /m,
    `$1listen 127.0.0.1:${opts.httpPort} `,
    'listen 80',
  );
  const http2 = hasHttp2Directive(opts.nginxVersion);
  site = replaceOnce(
    site,
    /^(\s*)listen 443 ssl /m,
    `$1listen 127.0.0.1:${opts.httpsPort} ssl ${http2 ? '' : 'http2 '}`,
    'listen 443 ssl',
  );
  if (!http2) site = replaceOnce(site, /^\s*http2 on;\n/m, '', 'http2 directive');
  // The ACME webroot the certbot service shares with nginx (compose: a volume at /var/www/acme).
  site = replaceOnce(
    site,
    /^(\s*)root \/var\/www\/acme;$/m,
    `$1root ${acmeWebroot};`,
    'ACME webroot',
  );
  if (opts.clientAddressHeader !== undefined) {
    site = replaceOnce(
      site,
      /^(\s*)(listen 127\.0\.0\.1:\d+ ssl .*)$/m,
      `$1$2\n$1set_real_ip_from 127.0.0.1;\n$1real_ip_header ${opts.clientAddressHeader};`,
      'HTTPS listen line',
    );
  }
  await writeFile(join(dir, 'conf.d', 'tracksphere.conf'), site);

  for (const name of await readdir(SNIPPETS_DIR)) {
    await copyFile(join(SNIPPETS_DIR, name), join(dir, 'snippets', name));
  }
  return {
    dir,
    mainConf: join(dir, 'nginx.conf'),
    errorLog: join(logs, 'error.log'),
    certDir,
    acmeWebroot,
  };
}
