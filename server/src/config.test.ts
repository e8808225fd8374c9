import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, servesApi } from './config.js';

/** A deployment's environment that passes: every value a real one. */
const DEPLOYMENT = {
  NODE_ENV: 'production',
  CORS_ORIGINS: 'chrome-extension://abcdefghijklmnopabcdefghijklmnop',
  DATABASE_URL: 'postgres://tracksphere_app:9f1c4e7a2b8d6f3e0a5c@postgres:5432/tracksphere',
  ENROLLMENT_KEY: 'k3y-handed-to-the-people-enrolled',
};

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      databaseUrl: undefined,
      kafka: undefined,
      enrollmentKey: undefined,
      corsOrigins: undefined,
      retentionDays: 395,
      maxClockSkewDays: 30,
      linkMaxBrowsers: 20,
    });
    expect(loadConfig({ LINK_MAX_BROWSERS: '3' }).linkMaxBrowsers).toBe(3);
  });

  it('switches to Kafka mode with KAFKA_BROKERS and derives the DLQ topic', () => {
    const c = loadConfig({ KAFKA_BROKERS: 'k1:9092, k2:9092', KAFKA_TOPIC: 'visits.v2' });
    expect(c.kafka?.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(c.kafka?.dlqTopic).toBe('visits.v2.dlq');
    expect(c.kafka?.groupId).toBe('pg-writer');
    expect(c.kafka?.maxMessageBytes).toBe(900_000);
    const small = loadConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_MAX_MESSAGE_BYTES: '65536' });
    expect(small.kafka?.maxMessageBytes).toBe(65_536);
  });

  it("sets the consumer's waves and members: 16 partitions at once, one member", () => {
    const c = loadConfig({ KAFKA_BROKERS: 'k1:9092' });
    expect(c.kafka).toMatchObject({ partitionsConcurrency: 16, consumers: 1 });
    const set = loadConfig({
      KAFKA_BROKERS: 'k1:9092',
      KAFKA_PARTITIONS_CONCURRENCY: '4',
      KAFKA_CONSUMERS: '2',
    });
    expect(set.kafka).toMatchObject({ partitionsConcurrency: 4, consumers: 2 });
    expect(() => loadConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_CONSUMERS: '0' })).toThrow(
      ConfigError,
    );
  });

  it('reads boolean switches', () => {
    expect(loadConfig({}).migrateOnStart).toBe(true);
    expect(loadConfig({ MIGRATE_ON_START: 'false', PARTITION_MAINTENANCE: '0' })).toMatchObject({
      migrateOnStart: false,
      partitionMaintenance: false,
    });
  });

  it('treats empty strings as unset', () => {
    const c = loadConfig({ DATABASE_URL: '', KAFKA_BROKERS: ' ', ENROLLMENT_KEY: '' });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.kafka).toBeUndefined();
    expect(c.enrollmentKey).toBeUndefined();
  });

  describe('CORS_ORIGINS', () => {
    const CHROME = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
    const FIREFOX = 'moz-extension://1b2c3d4e-aaaa-bbbb-cccc-111122223333';

    it('is optional on a workstation: unset admits any extension origin', () => {
      expect(loadConfig({}).corsOrigins).toBeUndefined();
      expect(loadConfig({ NODE_ENV: 'development', CORS_ORIGINS: '' }).corsOrigins).toBeUndefined();
    });

    it.each([undefined, '', ' , '])(
      'is required when NODE_ENV=production (CORS_ORIGINS=%o)',
      (value) => {
        const env = {
          NODE_ENV: 'production',
          ...(value === undefined ? {} : { CORS_ORIGINS: value }),
        };
        expect(() => loadConfig(env)).toThrow(ConfigError);
        expect(() => loadConfig(env)).toThrow(/CORS_ORIGINS: required when NODE_ENV=production/);
      },
    );

    it('takes store ids, install UUIDs and the per-browser wildcard of Firefox and Safari', () => {
      const list = `${CHROME}, ${FIREFOX},moz-extension://*,safari-web-extension://*`;
      expect(loadConfig({ ...DEPLOYMENT, CORS_ORIGINS: list }).corsOrigins).toEqual([
        CHROME,
        FIREFOX,
        'moz-extension://*',
        'safari-web-extension://*',
      ]);
    });

    it.each([
      'chrome-extension://change-me',
      'chrome-extension://*',
      `${CHROME}/`,
      'moz-extension://change-me',
      'https://tracksphere.example.org',
      '*',
      'null',
    ])('refuses %s, in any mode, naming the variable and the origin', (origin) => {
      for (const NODE_ENV of ['production', 'development']) {
        const env = { NODE_ENV, CORS_ORIGINS: `${FIREFOX},${origin}` };
        expect(() => loadConfig(env)).toThrow(ConfigError);
        expect(() => loadConfig(env)).toThrow(`CORS_ORIGINS: "${origin}" is not`);
      }
    });
  });

  describe('secrets of a deployment (NODE_ENV=production)', () => {
    it('accepts real ones', () => {
      const c = loadConfig(DEPLOYMENT);
      expect(c.enrollmentKey).toBe(DEPLOYMENT.ENROLLMENT_KEY);
      expect(c.databaseUrl).toBe(DEPLOYMENT.DATABASE_URL);
    });

    it.each([
      ['change-me', /ENROLLMENT_KEY: is a placeholder/],
      ['CHANGE_ME-0123456789abcdef', /ENROLLMENT_KEY: is a placeholder/],
      ['short-key', /ENROLLMENT_KEY: is shorter than 16 characters/],
    ])('refuses ENROLLMENT_KEY=%s', (key, message) => {
      const env = { ...DEPLOYMENT, ENROLLMENT_KEY: key };
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(message);
      // The message never repeats the secret.
      expect(() => loadConfig(env)).not.toThrow(key);
    });

    it('requires an ENROLLMENT_KEY, or open registration chosen explicitly', () => {
      for (const ENROLLMENT_KEY of [undefined, '']) {
        const env = { ...DEPLOYMENT, ENROLLMENT_KEY };
        expect(() => loadConfig(env)).toThrow(/ENROLLMENT_KEY: required when NODE_ENV=production/);
        expect(loadConfig({ ...env, OPEN_REGISTRATION: 'true' }).enrollmentKey).toBeUndefined();
      }
      expect(() => loadConfig({ ...DEPLOYMENT, OPEN_REGISTRATION: 'true' })).toThrow(
        /OPEN_REGISTRATION: true, but ENROLLMENT_KEY is set/,
      );
    });

    it.each([
      ['postgres://tracksphere_app:change-me@postgres:5432/tracksphere', /is a placeholder/],
      ['postgres://tracksphere_app:Change.Me.0123456789@postgres/db', /is a placeholder/],
      ['postgres://tracksphere_app:hunter2@postgres:5432/tracksphere', /is shorter than 16/],
      ['postgres://tracksphere_app@postgres:5432/tracksphere', /is empty/],
    ])('refuses the database password of %s', (url, message) => {
      const env = { ...DEPLOYMENT, DATABASE_URL: url };
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(/DATABASE_URL: the password /);
      expect(() => loadConfig(env)).toThrow(message);
    });

    it('takes the password from PGPASSWORD when the URL has none, as node-postgres does', () => {
      const url = 'postgres://tracksphere_app@postgres:5432/tracksphere';
      const env = { ...DEPLOYMENT, DATABASE_URL: url };
      expect(loadConfig({ ...env, PGPASSWORD: '9f1c4e7a2b8d6f3e0a5c' }).databaseUrl).toBe(url);
      expect(() => loadConfig({ ...env, PGPASSWORD: 'change-me' })).toThrow(/is a placeholder/);
    });

    it('requires DATABASE_URL: no embedded PostgreSQL in a deployment', () => {
      const env = { ...DEPLOYMENT, DATABASE_URL: undefined };
      expect(() => loadConfig(env)).toThrow(/DATABASE_URL: required when NODE_ENV=production/);
    });

    it('asks the consumer, the migrations and the admin command for no CORS_ORIGINS or enrollment key', () => {
      const env = { NODE_ENV: 'production', DATABASE_URL: DEPLOYMENT.DATABASE_URL };
      for (const entry of [
        'server/src/entry-points/consumer/main.ts',
        '/app/server/src/entry-points/migrate.ts',
        'server/src/entry-points/admin/main.ts',
        // The compiled bundles the image runs.
        'dist/server/consumer.mjs',
        '/app/dist/server/migrate.mjs',
        '/app/dist/server/admin.mjs',
      ]) {
        expect(servesApi(entry), entry).toBe(false);
        expect(loadConfig(env, entry).corsOrigins, entry).toBeUndefined();
        const weak = { ...env, DATABASE_URL: 'postgres://tracksphere:change-me@postgres/db' };
        expect(() => loadConfig(weak, entry)).toThrow(
          /DATABASE_URL: the password is a placeholder/,
        );
      }
      // The API's entry points, and any other (a moved file), get every check.
      for (const entry of [
        'server/src/entry-points/api/main.ts',
        'server/src/entry-points/server.ts',
        'server/src/somewhere-new/consumer.ts',
        '/app/dist/server/api.mjs',
        'dist/server/server.mjs',
        'dist/server/not-the-consumer.mjs',
        undefined,
      ]) {
        expect(servesApi(entry), entry).toBe(true);
        expect(() => loadConfig(env, entry)).toThrow(/CORS_ORIGINS: required/);
        expect(() => loadConfig(env, entry)).toThrow(/ENROLLMENT_KEY: required/);
      }
    });

    it('names every problem at once', () => {
      const env = {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://tracksphere:change-me@postgres:5432/tracksphere',
        ENROLLMENT_KEY: 'change-me',
        CORS_ORIGINS: 'chrome-extension://change-me',
      };
      let message = '';
      try {
        loadConfig(env);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message.match(/^ {2}[A-Z_]+:/gm)).toEqual([
        '  CORS_ORIGINS:',
        '  DATABASE_URL:',
        '  ENROLLMENT_KEY:',
      ]);
    });

    it('leaves a workstation its defaults and the placeholders (npm start)', () => {
      expect(loadConfig({ ENROLLMENT_KEY: 'change-me' }).enrollmentKey).toBe('change-me');
      expect(
        loadConfig({ DATABASE_URL: 'postgres://tracksphere:change-me@localhost/tracksphere' })
          .databaseUrl,
      ).toBeDefined();
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ RETENTION_DAYS: '0' }, 'RETENTION_DAYS'],
    [{ MAX_CLOCK_SKEW_DAYS: '-1' }, 'MAX_CLOCK_SKEW_DAYS'],
    [{ LINK_MAX_BROWSERS: '1' }, 'LINK_MAX_BROWSERS'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ KAFKA_BROKERS: 'no-port' }, 'KAFKA_BROKERS'],
    [{ KAFKA_MAX_MESSAGE_BYTES: '65535' }, 'KAFKA_MAX_MESSAGE_BYTES'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ MIGRATE_ON_START: 'yes' }, 'MIGRATE_ON_START'],
  ])('stops with a message naming the bad variable: %o', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${name}:`));
  });
});
