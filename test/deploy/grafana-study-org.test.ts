/**
 * deploy/grafana/study-org.mjs against a stand-in for Grafana's HTTP API (no Grafana runs here;
 * the script was NOT run against a real one): it creates the Study organization, its only
 * datasource (grafana_study_reader), its folder and the Study dashboards, in that organization
 * and never in the main one; run again it updates instead of duplicating.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from './repo-root.js';

const execFileAsync = promisify(execFile);
const AUTH = `Basic ${Buffer.from('admin:admin-password-0123456789').toString('base64')}`;

interface Call {
  method: string;
  path: string;
  org: string | undefined;
  body: Record<string, unknown> | undefined;
}

/** Just the endpoints the script uses, with organizations, as Grafana keeps them. */
function fakeGrafana(): { server: Server; calls: Call[]; state: Record<string, unknown> } {
  const calls: Call[] = [];
  const orgs = new Map<string, number>([['Main Org.', 1]]);
  const datasources = new Map<string, Record<string, unknown>>();
  const folders = new Set<string>();
  const dashboards = new Map<string, Record<string, unknown>>();
  const members = new Map<number, string[]>();
  const state = { orgs, datasources, folders, dashboards, members };
  const read = async (req: IncomingMessage): Promise<Record<string, unknown> | undefined> => {
    let text = '';
    for await (const chunk of req) text += chunk;
    return text === '' ? undefined : JSON.parse(text);
  };
  const server = createServer(async (req, res) => {
    const body = await read(req);
    const path = req.url ?? '';
    const orgHeader = req.headers['x-grafana-org-id'];
    const org = typeof orgHeader === 'string' ? orgHeader : undefined;
    calls.push({ method: req.method ?? '', path, org, body });
    const send = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (req.headers.authorization !== AUTH) return send(401, { message: 'Unauthorized' });
    const key = (uid: string) => `${org ?? '1'}/${uid}`;
    /** The path's one captured part for `re`, or undefined when it does not match. */
    const match = (re: RegExp): string | undefined => re.exec(path)?.[1];
    const orgName = match(/^\/grafana\/api\/orgs\/name\/(.+)$/);
    if (orgName !== undefined && req.method === 'GET') {
      const id = orgs.get(decodeURIComponent(orgName));
      return id === undefined ? send(404, {}) : send(200, { id });
    }
    if (path === '/grafana/api/orgs' && req.method === 'POST') {
      const id = orgs.size + 1;
      orgs.set(String(body?.name), id);
      return send(200, { orgId: id, message: 'Organization created' });
    }
    const dsUid = match(/^\/grafana\/api\/datasources\/uid\/(.+)$/);
    if (dsUid !== undefined) {
      const k = key(dsUid);
      if (req.method === 'GET')
        return datasources.has(k) ? send(200, datasources.get(k)) : send(404, {});
      if (req.method === 'PUT' && datasources.has(k)) {
        datasources.set(k, body ?? {});
        return send(200, {});
      }
    }
    if (path === '/grafana/api/datasources' && req.method === 'POST') {
      datasources.set(key(String(body?.uid)), body ?? {});
      return send(200, {});
    }
    const folderUid = match(/^\/grafana\/api\/folders\/(.+)$/);
    if (folderUid !== undefined && req.method === 'GET') {
      return folders.has(key(folderUid)) ? send(200, {}) : send(404, {});
    }
    if (path === '/grafana/api/folders' && req.method === 'POST') {
      folders.add(key(String(body?.uid)));
      return send(200, {});
    }
    if (path === '/grafana/api/dashboards/db' && req.method === 'POST') {
      const d = body?.dashboard as Record<string, unknown>;
      dashboards.set(key(String(d.uid)), { ...body });
      return send(200, { status: 'success' });
    }
    const memberOrg = match(/^\/grafana\/api\/orgs\/(\d+)\/users$/);
    if (memberOrg !== undefined) {
      const id = Number(memberOrg);
      const list = members.get(id) ?? [];
      if (req.method === 'GET')
        return send(
          200,
          list.map((login) => ({ login })),
        );
      members.set(id, [...list, String(body?.loginOrEmail)]);
      return send(200, {});
    }
    return send(404, { message: 'not found' });
  });
  return { server, calls, state };
}

describe('deploy/grafana/study-org.mjs', () => {
  const fake = fakeGrafana();
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}/grafana/`;
  });
  afterAll(async () => {
    await new Promise((resolve) => fake.server.close(resolve));
  });

  const run = (extra: Record<string, string> = {}) =>
    execFileAsync(process.execPath, [repoPath('deploy/grafana/study-org.mjs')], {
      env: {
        PATH: process.env.PATH,
        GRAFANA_URL: url,
        GRAFANA_ADMIN_USER: 'admin',
        GRAFANA_ADMIN_PASSWORD: 'admin-password-0123456789',
        GRAFANA_STUDY_DB_PASSWORD: 'study-password-0123456789',
        POSTGRES_DB: 'tracksphere',
        ...extra,
      },
    });

  it('creates the organization, its only datasource, folder and dashboards there', async () => {
    const { stdout } = await run({ STUDY_VIEWERS: 'ann, bo' });
    expect(stdout).toMatch(/organization "Study" is 2 \(created\)/);
    const { datasources, folders, dashboards, members } = fake.state as {
      datasources: Map<string, Record<string, unknown>>;
      folders: Set<string>;
      dashboards: Map<string, Record<string, unknown>>;
      members: Map<number, string[]>;
    };
    expect([...datasources.keys()]).toEqual(['2/tracksphere-study-pg']);
    expect(datasources.get('2/tracksphere-study-pg')).toMatchObject({
      type: 'grafana-postgresql-datasource',
      user: 'grafana_study_reader',
      jsonData: { database: 'tracksphere' },
      secureJsonData: { password: 'study-password-0123456789' },
    });
    expect([...folders]).toEqual(['2/tracksphere-study']);
    expect([...dashboards.keys()]).toEqual(['2/tracksphere-study']);
    const imported = dashboards.get('2/tracksphere-study') as {
      folderUid: string;
      overwrite: boolean;
      dashboard: { id: unknown; panels: Array<{ datasource?: { uid: string } }> };
    };
    expect(imported).toMatchObject({ folderUid: 'tracksphere-study', overwrite: true });
    expect(imported.dashboard.id).toBeNull();
    const uids = imported.dashboard.panels.flatMap((p) => (p.datasource ? [p.datasource.uid] : []));
    expect(new Set(uids)).toEqual(new Set(['tracksphere-study-pg']));
    expect(members.get(2)).toEqual(['ann', 'bo']);
    // Nothing in the main organization: every write went to organization 2.
    const writes = fake.calls.filter(
      (c) => c.method !== 'GET' && !c.path.startsWith('/grafana/api/orgs'),
    );
    for (const c of writes) expect(c.org, `${c.method} ${c.path}`).toBe('2');
  });

  it('updates rather than duplicates when run again', async () => {
    const before = fake.calls.length;
    const { stdout } = await run({
      STUDY_VIEWERS: 'ann',
      GRAFANA_STUDY_DB_PASSWORD: 'new-password-0123456789',
    });
    expect(stdout).toMatch(/organization "Study" is 2\n/);
    expect(stdout).toMatch(/datasource updated/);
    const again = fake.calls.slice(before).map((c) => `${c.method} ${c.path}`);
    expect(again).not.toContain('POST /grafana/api/orgs');
    expect(again).not.toContain('POST /grafana/api/datasources');
    expect(again).not.toContain('POST /grafana/api/folders');
    expect(again).not.toContain('POST /grafana/api/orgs/2/users');
    const ds = (fake.state.datasources as Map<string, Record<string, unknown>>).get(
      '2/tracksphere-study-pg',
    );
    expect(ds?.secureJsonData).toEqual({ password: 'new-password-0123456789' });
  });

  it('refuses to run without the Study password, changing nothing', async () => {
    const before = fake.calls.length;
    await expect(run({ GRAFANA_STUDY_DB_PASSWORD: '' })).rejects.toThrow(
      /GRAFANA_STUDY_DB_PASSWORD is not set/,
    );
    expect(fake.calls.length).toBe(before);
  });
});
