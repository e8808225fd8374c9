/**
 * A small set of devices and visits whose every dashboard number can be worked out by hand
 * (panel-queries.test.ts lists them). Times are the CORRECTED ones on 2025-03-10 (UTC); the raw
 * client times stored in started_at/ended_at are those minus the device's clock skew.
 *
 * What it exercises: a device whose clock is 2 h behind (its raw start lies before the range,
 * its corrected start inside), one 3 days off (outside the activity tolerance, counted by
 * Pipeline health), a visit after the range by corrected time only, one in another week, a
 * domain-only visit (no URL, no title), an unparsable User-Agent, late sends and a slow write.
 */
import type pg from 'pg';
import { maintainPartitions } from '../../server/src/data-access/partitions.js';
import { createPool } from '../../server/src/data-access/pool.js';
import { testLogger } from '../harness/server.js';

/** The dashboard time range and interval the tests expand every query for. */
export const RANGE = {
  from: new Date('2025-03-10T08:00:00Z'),
  to: new Date('2025-03-10T12:00:00Z'),
  intervalMs: 3_600_000,
} as const;

interface SeedDevice {
  id: string;
  label: string | null;
  /** What the extension reported at registration (devices table). */
  browser: string;
  os: string;
  skewMs: number;
  /** Parsed from the User-Agent at ingest, stored on each visit; null when it did not parse. */
  ua: { browserName: string; browserVersion: string; osName: string; deviceType: string } | null;
}

export const DEVICES = {
  alice: {
    id: 'a11ce000-0000-4000-8000-000000000001',
    label: 'alice-laptop',
    browser: 'Chrome',
    os: 'Linux',
    skewMs: -1_500,
    ua: {
      browserName: 'Chrome',
      browserVersion: '131.0.6778.85',
      osName: 'Linux',
      deviceType: 'desktop',
    },
  },
  bob: {
    id: 'b0b00000-0000-4000-8000-000000000002',
    label: null,
    browser: 'Safari',
    os: 'iOS',
    skewMs: 250,
    ua: {
      browserName: 'Mobile Safari',
      browserVersion: '17.4',
      osName: 'iOS',
      deviceType: 'mobile',
    },
  },
  carol: {
    id: 'ca401000-0000-4000-8000-000000000003',
    label: 'carol-desktop',
    browser: 'Firefox',
    os: 'Windows',
    skewMs: 7_200_000,
    ua: {
      browserName: 'Firefox',
      browserVersion: '128.0',
      osName: 'Windows',
      deviceType: 'desktop',
    },
  },
  dave: {
    id: 'da7e0000-0000-4000-8000-000000000004',
    label: null,
    browser: 'Chrome',
    os: 'Linux',
    skewMs: 0,
    ua: null,
  },
  erin: {
    id: 'e4140000-0000-4000-8000-000000000005',
    label: 'erin-pc',
    browser: 'Edge',
    os: 'Windows',
    skewMs: 259_200_000,
    ua: { browserName: 'Edge', browserVersion: '131.0', osName: 'Windows', deviceType: 'desktop' },
  },
  frank: {
    id: 'f00d0000-0000-4000-8000-000000000006',
    label: null,
    browser: 'Chrome',
    os: 'Linux',
    skewMs: 0,
    ua: {
      browserName: 'Chrome',
      browserVersion: '131.0.6778.108',
      osName: 'Linux',
      deviceType: 'desktop',
    },
  },
} as const satisfies Record<string, SeedDevice>;

type DeviceName = keyof typeof DEVICES;

interface SeedVisit {
  device: DeviceName;
  /** Sessions are numbered per device here; the stored session_id is derived from it. */
  session: number;
  domain: string;
  url: string | null;
  title: string | null;
  /** Corrected start and end, 'HH:MM' on 2025-03-10 or a full ISO time. */
  start: string;
  end: string;
  activeMin: number;
  /** Seconds from the corrected end to the server receiving it. */
  sentAfterS: number;
  /** Seconds from receiving to the row being written. */
  writtenAfterS: number;
}

// biome-ignore format: one visit per line reads as the table it is
export const VISITS: readonly SeedVisit[] = [
  { device: 'alice', session: 1, domain: 'example.com', url: 'https://example.com/a', title: 'Example A', start: '08:05', end: '08:20', activeMin: 10, sentAfterS: 60, writtenAfterS: 2 },
  { device: 'alice', session: 1, domain: 'news.test', url: 'https://news.test/today', title: 'Today', start: '08:20', end: '08:50', activeMin: 25, sentAfterS: 60, writtenAfterS: 2 },
  { device: 'alice', session: 1, domain: 'example.com', url: 'https://example.com/b', title: 'Example B', start: '08:50', end: '09:10', activeMin: 15, sentAfterS: 120, writtenAfterS: 2 },
  { device: 'alice', session: 2, domain: 'docs.test', url: 'https://docs.test/guide', title: 'Guide', start: '10:00', end: '10:30', activeMin: 20, sentAfterS: 60, writtenAfterS: 2 },
  { device: 'alice', session: 2, domain: 'example.com', url: 'https://example.com/a', title: 'Example A (new)', start: '10:30', end: '10:40', activeMin: 5, sentAfterS: 300, writtenAfterS: 2 },
  { device: 'bob', session: 1, domain: 'news.test', url: 'https://news.test/today', title: 'Today', start: '09:15', end: '09:25', activeMin: 8, sentAfterS: 360, writtenAfterS: 2 },
  { device: 'bob', session: 1, domain: 'example.com', url: 'https://example.com/a', title: 'Example A', start: '09:25', end: '09:30', activeMin: 2, sentAfterS: 60, writtenAfterS: 2 },
  { device: 'bob', session: 2, domain: 'video.test', url: 'https://video.test/watch', title: 'Watch', start: '11:00', end: '11:45', activeMin: 45, sentAfterS: 60, writtenAfterS: 30 },
  // carol's clock is 2 h behind: raw 07:30, before the range; corrected 09:30, inside it.
  { device: 'carol', session: 1, domain: 'docs.test', url: 'https://docs.test/api', title: 'API', start: '09:30', end: '09:50', activeMin: 20, sentAfterS: 60, writtenAfterS: 2 },
  { device: 'carol', session: 1, domain: 'example.com', url: 'https://example.com/b', title: 'Example B', start: '09:50', end: '10:10', activeMin: 10, sentAfterS: 60, writtenAfterS: 2 },
  // Raw 10:30, inside the range; corrected 12:30, after it: not on the dashboards.
  { device: 'carol', session: 2, domain: 'news.test', url: 'https://news.test/today', title: 'Today', start: '12:30', end: '12:40', activeMin: 5, sentAfterS: 60, writtenAfterS: 2 },
  { device: 'dave', session: 1, domain: 'example.com', url: 'https://example.com/a', title: 'Example A', start: '2025-03-20T09:00:00Z', end: '2025-03-20T09:10:00Z', activeMin: 5, sentAfterS: 60, writtenAfterS: 2 },
  // Recorded at the "domain" privacy level: no URL, no title.
  { device: 'dave', session: 2, domain: 'private.test', url: null, title: null, start: '11:10', end: '11:20', activeMin: 6, sentAfterS: 600, writtenAfterS: 2 },
  // erin's clock is 3 days behind: beyond the activity panels' tolerance.
  { device: 'erin', session: 1, domain: 'example.com', url: 'https://example.com/c', title: 'C', start: '09:00', end: '09:10', activeMin: 1, sentAfterS: 60, writtenAfterS: 2 },
  { device: 'frank', session: 1, domain: 'docs.test', url: 'https://docs.test/guide', title: 'Guide (v2)', start: '10:15', end: '10:25', activeMin: 4, sentAfterS: 60, writtenAfterS: 2 },
];

function at(time: string): Date {
  return new Date(time.includes('T') ? time : `2025-03-10T${time}:00Z`);
}

/** A stable uuid per (device, session) or visit number, so reruns store the same rows. */
function seedUuid(prefix: string, n: number): string {
  return `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** Creates the months the seed and the EXPLAIN tests use (Feb to Apr 2025). */
export async function createSeedPartitions(databaseUrl: string): Promise<void> {
  const pool = createPool(databaseUrl, 1, testLogger('grafana-seed'));
  try {
    await maintainPartitions(pool, {
      now: new Date('2025-03-15T00:00:00Z'),
      monthsBack: 1,
      monthsAhead: 1,
      retentionDays: 3650,
    });
  } finally {
    await pool.end();
  }
}

/** Inserts the devices and visits, as the owner (the tests then read as grafana_reader). */
export async function seedVisits(client: pg.Client): Promise<void> {
  const devices = Object.values(DEVICES) as SeedDevice[];
  for (const d of devices) {
    await client.query(
      `INSERT INTO devices (id, token_hash, extension_version, browser_name, browser_version, os,
         label, ua_browser_name, ua_os_name, ua_device_type)
       VALUES ($1, $2, '1.0.0', $3, '1', $4, $5, $6, $7, $8)`,
      [
        d.id,
        Buffer.alloc(32, 7),
        d.browser,
        d.os,
        d.label,
        d.ua?.browserName ?? null,
        d.ua?.osName ?? null,
        d.ua?.deviceType ?? null,
      ],
    );
  }
  for (const [i, v] of VISITS.entries()) {
    const device: SeedDevice = DEVICES[v.device];
    const start = at(v.start);
    const end = at(v.end);
    const received = new Date(end.getTime() + v.sentAfterS * 1000);
    await client.query(
      `INSERT INTO visits (id, started_at, ended_at, device_id, session_id, batch_id, url, domain,
         title, active_ms, transition, started_at_corrected, ended_at_corrected, clock_skew_ms,
         received_at, written_at, browser_name, browser_version, os_name, os_version, device_type)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'link', $11, $12, $13, $14, $15, $16, $17,
         $18, NULL, $19)`,
      [
        seedUuid('00000000', i + 1),
        new Date(start.getTime() - device.skewMs),
        new Date(end.getTime() - device.skewMs),
        device.id,
        seedUuid(device.id.slice(0, 8), v.session),
        seedUuid('ba7c0000', i + 1),
        v.url,
        v.domain,
        v.title,
        v.activeMin * 60_000,
        start,
        end,
        device.skewMs,
        received,
        new Date(received.getTime() + v.writtenAfterS * 1000),
        device.ua?.browserName ?? null,
        device.ua?.browserVersion ?? null,
        device.ua?.osName ?? null,
        device.ua?.deviceType ?? null,
      ],
    );
  }
}
