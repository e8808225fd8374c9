import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

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
    });
  });

  it('switches to Kafka mode with KAFKA_BROKERS and derives the DLQ topic', () => {
    const c = loadConfig({ KAFKA_BROKERS: 'k1:9092, k2:9092', KAFKA_TOPIC: 'visits.v2' });
    expect(c.kafka?.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(c.kafka?.dlqTopic).toBe('visits.v2.dlq');
    expect(c.kafka?.groupId).toBe('pg-writer');
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
      expect(loadConfig({ NODE_ENV: 'production', CORS_ORIGINS: list }).corsOrigins).toEqual([
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

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ RETENTION_DAYS: '0' }, 'RETENTION_DAYS'],
    [{ MAX_CLOCK_SKEW_DAYS: '-1' }, 'MAX_CLOCK_SKEW_DAYS'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ KAFKA_BROKERS: 'no-port' }, 'KAFKA_BROKERS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ MIGRATE_ON_START: 'yes' }, 'MIGRATE_ON_START'],
  ])('stops with a message naming the bad variable: %o', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${name}:`));
  });
});
