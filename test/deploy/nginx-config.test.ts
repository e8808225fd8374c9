/**
 * The nginx configuration as files: it passes `nginx -t` once rendered, and its template and
 * the compose file agree on the variables.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeCertificate } from './certificate.js';
import { environmentOf, loadCompose } from './compose-file.js';
import {
  hasHttp2Directive,
  NGINX_SITE_TEMPLATE,
  renderNginxConfig,
  templateVariables,
} from './nginx-config.js';
import { freePort, nginxVersion, testNginxConfig } from './nginx-process.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The nginx service's template values, as compose would pass them with .env.example. */
async function composeTemplateValues(): Promise<Map<string, string>> {
  const { services } = await loadCompose();
  const env = environmentOf(services.nginx ?? {});
  env.delete('NGINX_ENVSUBST_FILTER');
  return env;
}

describe('nginx configuration', () => {
  it('passes nginx -t with the compose file values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tracksphere-nginx-t-'));
    dirs.push(dir);
    const values = Object.fromEntries(await composeTemplateValues());
    // nginx -t resolves upstream names, and api/grafana exist only inside compose.
    values.NGINX_API_UPSTREAM = '127.0.0.1:8080';
    values.NGINX_GRAFANA_UPSTREAM = '127.0.0.1:3000';
    const config = await renderNginxConfig({
      dir,
      values,
      httpPort: await freePort(),
      httpsPort: await freePort(),
      nginxVersion: await nginxVersion(),
    });
    await makeCertificate(config.certDir);
    expect(await testNginxConfig(config)).toMatch(/test is successful/);
  });

  it('uses exactly the variables the compose file gives it, with sensible values', async () => {
    const template = await readFile(NGINX_SITE_TEMPLATE, 'utf8');
    const values = await composeTemplateValues();
    expect(templateVariables(template).sort()).toEqual([...values.keys()].sort());
    expect(values.get('NGINX_API_UPSTREAM')).toBe('api:8080');
    expect(values.get('NGINX_GRAFANA_UPSTREAM')).toBe('grafana:3000');
    expect(values.get('NGINX_API_RATE')).toMatch(/^\d+r\/[sm]$/);
    expect(values.get('NGINX_API_BURST')).toMatch(/^\d+$/);
    expect(values.get('NGINX_CONN_PER_CLIENT')).toMatch(/^[1-9]\d*$/);
  });

  it('leaves nginx variables alone when the image substitutes the template', async () => {
    const template = await readFile(NGINX_SITE_TEMPLATE, 'utf8');
    // envsubst would replace a bare $NAME too; nginx's own variables are lower case.
    expect(template.match(/\$[A-Z_][A-Z0-9_]*/g) ?? []).toEqual([]);
    const { services } = await loadCompose();
    expect(environmentOf(services.nginx ?? {}).get('NGINX_ENVSUBST_FILTER')).toBe('^NGINX_');
  });

  it('knows which nginx versions take the http2 directive', () => {
    expect(hasHttp2Directive('1.22.1')).toBe(false);
    expect(hasHttp2Directive('1.25.0')).toBe(false);
    expect(hasHttp2Directive('1.25.1')).toBe(true);
    expect(hasHttp2Directive('1.28.0')).toBe(true);
  });
});
