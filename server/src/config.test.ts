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

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ RETENTION_DAYS: '0' }, 'RETENTION_DAYS'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ KAFKA_BROKERS: 'no-port' }, 'KAFKA_BROKERS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ MIGRATE_ON_START: 'yes' }, 'MIGRATE_ON_START'],
  ])('stops with a message naming the bad variable: %o', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`${name}:`));
  });
});
