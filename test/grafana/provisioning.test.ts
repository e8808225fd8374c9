// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is Grafana's provisioning syntax, under test here
/**
 * The provisioning files parse and carry what Grafana needs to set up the datasource and load
 * the dashboards with no clicks, and they agree with the generated dashboards and the schema.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  POSTGRES_DATASOURCE,
  PROMETHEUS_DATASOURCE,
  STUDY_DATASOURCE,
} from '../../grafana/src/datasource.js';

const ROOT = process.cwd();
/** What the compose service passes to Grafana (see the comment in the datasource file). */
const COMPOSE_ENV = ['GRAFANA_DB_PASSWORD', 'GRAFANA_STUDY_DB_PASSWORD', 'POSTGRES_DB'];

async function yamlFile(path: string): Promise<{ text: string; doc: unknown }> {
  const text = await readFile(join(ROOT, path), 'utf8');
  return { text, doc: parse(text) };
}

describe('grafana/provisioning/datasources/tracksphere.yaml', () => {
  it('provisions the PostgreSQL and Prometheus datasources the dashboards point at', async () => {
    const { doc } = await yamlFile('grafana/provisioning/datasources/tracksphere.yaml');
    expect(doc).toMatchObject({
      apiVersion: 1,
      datasources: [
        {
          name: expect.any(String),
          type: POSTGRES_DATASOURCE.type,
          uid: POSTGRES_DATASOURCE.uid,
          access: 'proxy',
          url: 'postgres:5432',
          user: 'grafana_reader',
          editable: false,
          jsonData: {
            database: '${POSTGRES_DB}',
            sslmode: 'disable',
            postgresVersion: 1500,
            timescaledb: false,
          },
          secureJsonData: { password: '${GRAFANA_DB_PASSWORD}' },
        },
        {
          name: expect.any(String),
          type: STUDY_DATASOURCE.type,
          uid: STUDY_DATASOURCE.uid,
          access: 'proxy',
          url: 'postgres:5432',
          user: 'grafana_study_reader',
          isDefault: false,
          editable: false,
          jsonData: { database: '${POSTGRES_DB}', sslmode: 'disable' },
          secureJsonData: { password: '${GRAFANA_STUDY_DB_PASSWORD}' },
        },
        {
          name: expect.any(String),
          type: PROMETHEUS_DATASOURCE.type,
          uid: PROMETHEUS_DATASOURCE.uid,
          access: 'proxy',
          // The compose service, and the port its --web.listen-address gives it.
          url: 'http://prometheus:9090',
          isDefault: false,
          editable: false,
          jsonData: { timeInterval: '15s' },
        },
      ],
    });
  });

  it("gives Grafana Prometheus's scrape interval (the floor of $__rate_interval)", async () => {
    const { doc } = await yamlFile('grafana/provisioning/datasources/tracksphere.yaml');
    const prometheus = await yamlFile('deploy/prometheus/prometheus.yml');
    const datasource = (
      doc as { datasources: Array<{ uid: string; jsonData: { timeInterval?: string } }> }
    ).datasources.find((d) => d.uid === PROMETHEUS_DATASOURCE.uid);
    const global = (prometheus.doc as { global: { scrape_interval: string } }).global;
    expect(datasource?.jsonData.timeInterval).toBe(global.scrape_interval);
  });

  it('reads only environment variables the compose service passes', async () => {
    const { text } = await yamlFile('grafana/provisioning/datasources/tracksphere.yaml');
    const body = text
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    const names = [...body.matchAll(/\$\{?(\w+)/g)].map((m) => m[1]);
    expect(new Set(names)).toEqual(new Set(COMPOSE_ENV));
  });

  it('logs in as the read-only role the migrations create', async () => {
    const migrations = await readFile(
      join(ROOT, 'server/migrations/1732400000000_initial.sql'),
      'utf8',
    );
    expect(migrations).toMatch(/CREATE ROLE grafana_reader NOLOGIN/);
    expect(migrations).toMatch(/GRANT SELECT ON visits TO grafana_reader/);
  });
});

describe('grafana/provisioning/dashboards/tracksphere.yaml', () => {
  it('loads the generated dashboards from the documented mount, read-only', async () => {
    const { text, doc } = await yamlFile('grafana/provisioning/dashboards/tracksphere.yaml');
    expect(doc).toMatchObject({
      apiVersion: 1,
      providers: [
        {
          name: expect.any(String),
          type: 'file',
          folder: 'Tracksphere',
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: '/var/lib/grafana/dashboards/tracksphere' },
        },
        {
          name: expect.any(String),
          type: 'file',
          folder: 'Study',
          disableDeletion: true,
          allowUiUpdates: false,
          options: { path: '/var/lib/grafana/dashboards/study' },
        },
      ],
    });
    expect(text).toContain('grafana/dashboards   -> /var/lib/grafana/dashboards/tracksphere');
    expect(text).toContain('grafana/study-dashboards -> /var/lib/grafana/dashboards/study');
  });
});
