#!/usr/bin/env node
/**
 * Sets up the Study organization in Grafana over its HTTP API: the privacy boundary for people
 * who should see only aggregates (docs/deployment.md, "The Study folder"). Grafana's open-source
 * edition lets every member of an organization query every datasource of it, so study viewers
 * must be members of an organization whose ONLY datasource is the Study one (grafana_study_reader,
 * which may read the study_* views and nothing else). Provisioning files cannot do this: Grafana
 * refuses to start when one names an organization that does not exist yet.
 *
 * Idempotent: run it after every change of the Study dashboard or of GRAFANA_STUDY_DB_PASSWORD.
 *   1. finds or creates the organization STUDY_ORG_NAME (default "Study"),
 *   2. creates or updates its datasource tracksphere-study-pg (as grafana/provisioning has it),
 *   3. creates its folder "Study" (uid tracksphere-study) and imports the dashboards of
 *      grafana/study-dashboards/ into it (overwriting),
 *   4. adds the logins listed in STUDY_VIEWERS (comma-separated, existing Grafana users) to it
 *      as Viewers.
 * It adds no one to the main organization and never touches its datasources.
 *
 *   GRAFANA_URL=https://<PUBLIC_HOSTNAME>/grafana GRAFANA_ADMIN_USER=admin \
 *   GRAFANA_ADMIN_PASSWORD=... GRAFANA_STUDY_DB_PASSWORD=... POSTGRES_DB=tracksphere \
 *   [STUDY_VIEWERS=ann,bo] node deploy/grafana/study-org.mjs
 *
 * Node 20 or later, no dependencies. NOT run against a real Grafana in this repository (no
 * Grafana runs in its tests); test/deploy/grafana-study-org.test.ts runs it against a stand-in.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const DATASOURCE_UID = 'tracksphere-study-pg';
const FOLDER_UID = 'tracksphere-study';

function required(name) {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

const base = required('GRAFANA_URL').replace(/\/+$/, '');
const auth = `Basic ${Buffer.from(`${process.env.GRAFANA_ADMIN_USER || 'admin'}:${required('GRAFANA_ADMIN_PASSWORD')}`).toString('base64')}`;
const orgName = process.env.STUDY_ORG_NAME || 'Study';
const dashboardsDir =
  process.env.STUDY_DASHBOARDS_DIR ||
  join(import.meta.dirname, '..', '..', 'grafana', 'study-dashboards');

/** One API call; `orgId` switches the admin's organization for it. Null on 404. */
async function api(method, path, body, orgId) {
  const headers = { authorization: auth, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (orgId !== undefined) headers['x-grafana-org-id'] = String(orgId);
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 404) return null;
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text === '' ? {} : JSON.parse(text);
}

const datasource = {
  name: 'Tracksphere Study (aggregates only)',
  type: 'grafana-postgresql-datasource',
  uid: DATASOURCE_UID,
  access: 'proxy',
  url: process.env.STUDY_DATABASE_HOST || 'postgres:5432',
  user: 'grafana_study_reader',
  isDefault: true,
  jsonData: {
    database: required('POSTGRES_DB'),
    sslmode: 'disable',
    postgresVersion: 1500,
    timescaledb: false,
    maxOpenConns: 5,
    maxIdleConns: 2,
    connMaxLifetime: 14400,
  },
  secureJsonData: { password: required('GRAFANA_STUDY_DB_PASSWORD') },
};

const found = await api('GET', `/api/orgs/name/${encodeURIComponent(orgName)}`);
const orgId = found?.id ?? (await api('POST', '/api/orgs', { name: orgName })).orgId;
console.log(`study-org: organization "${orgName}" is ${orgId}${found ? '' : ' (created)'}`);

if (await api('GET', `/api/datasources/uid/${DATASOURCE_UID}`, undefined, orgId)) {
  await api('PUT', `/api/datasources/uid/${DATASOURCE_UID}`, datasource, orgId);
  console.log('study-org: datasource updated');
} else {
  await api('POST', '/api/datasources', datasource, orgId);
  console.log('study-org: datasource created');
}

if (!(await api('GET', `/api/folders/${FOLDER_UID}`, undefined, orgId))) {
  await api('POST', '/api/folders', { uid: FOLDER_UID, title: 'Study' }, orgId);
  console.log('study-org: folder created');
}

for (const file of (await readdir(dashboardsDir)).filter((f) => f.endsWith('.json')).sort()) {
  const dashboard = JSON.parse(await readFile(join(dashboardsDir, file), 'utf8'));
  await api(
    'POST',
    '/api/dashboards/db',
    { dashboard: { ...dashboard, id: null }, folderUid: FOLDER_UID, overwrite: true },
    orgId,
  );
  console.log(`study-org: dashboard ${dashboard.uid} imported`);
}

const viewers = (process.env.STUDY_VIEWERS || '')
  .split(',')
  .map((v) => v.trim())
  .filter((v) => v !== '');
for (const login of viewers) {
  const members = await api('GET', `/api/orgs/${orgId}/users`);
  if (members.some((m) => m.login === login || m.email === login)) continue;
  await api('POST', `/api/orgs/${orgId}/users`, { loginOrEmail: login, role: 'Viewer' });
  console.log(`study-org: ${login} added as Viewer`);
}
console.log('study-org: done');
