/**
 * What every panel must show for the seed (seed-visits.ts), with all variables on All, for
 * 2025-03-10 08:00 to 12:00 UTC in 1 h buckets. Worked out by hand from the seed table; the
 * comments give the arithmetic. Keys are "<dashboard uid>/<panel title>".
 */
import type { Cell } from './dashboard-queries.js';
import { DEVICES } from './seed-visits.js';

export interface ExpectedResult {
  columns: string[];
  rows: Cell[][];
}

const T = (hhmm: string): string => `2025-03-10T${hhmm}:00.000Z`;
const MIN = 60_000;

/**
 * What Pipeline health shows for a delay or skew of `s` seconds: the middle of its log bucket
 * (receipt_bucket and receipt_bucket_seconds, migration receipt-hours), in seconds.
 */
const B = (s: number): number => {
  const ms = s * 1000;
  if (Math.abs(ms) < 1) return 0;
  const bucket = 1 + Math.floor((8 * Math.log(Math.abs(ms))) / Math.log(2));
  return (Math.sign(ms) * 2 ** ((bucket - 0.5) / 8)) / 1000;
};

/** Device labels as the SQL builds them: label, else "browser on os", plus the id's start. */
export const LABEL = {
  alice: 'alice-laptop (a11ce000)',
  bob: 'Safari on iOS (b0b00000)',
  carol: 'carol-desktop (ca401000)',
  dave: 'Chrome on Linux (da7e0000)',
  erin: 'erin-pc (e4140000)',
  frank: 'Chrome on Linux (f00d0000)',
} as const;

/** The Devices table on the seed, by label in the test cluster's C collation (capitals first). */
const DEVICE_ROWS: Cell[][] = [
  [LABEL.dave, '(none)', null, T('11:30'), 1, 6, 0, 0],
  [LABEL.frank, '(none)', null, T('10:26'), 1, 6, 0, 0],
  [LABEL.bob, '(none)', null, T('11:46'), 3, 18, 0, 0],
  [LABEL.alice, '(none)', null, T('10:45'), 5, 30, 0, 0],
  [LABEL.carol, '(none)', null, T('10:11'), 2, 12, 0, 0],
  [LABEL.erin, '(none)', null, T('09:11'), 1, 6, 0, 0],
];

// In range by corrected start: alice 5 visits, bob 3, carol 2 (not her 12:30 one), dave 1
// (private.test), frank 1 = 12. Not: erin (clock 3 days off), dave's 20 March visit.
export const EXPECTED_ALL: Record<string, ExpectedResult> = {
  'tracksphere-overview/Visits': { columns: ['visits'], rows: [[12]] },
  // 10+25+15+20+5 (alice) + 8+2+45 (bob) + 20+10 (carol) + 6 (dave) + 4 (frank) = 170 min
  'tracksphere-overview/Active time': { columns: ['active_ms'], rows: [[170 * MIN]] },
  'tracksphere-overview/Active devices': { columns: ['devices'], rows: [[5]] },
  'tracksphere-overview/Domains': { columns: ['domains'], rows: [[5]] },
  'tracksphere-overview/Visits over time': {
    columns: ['time', 'visits'],
    rows: [
      [T('08:00'), 3],
      [T('09:00'), 4],
      [T('10:00'), 3],
      [T('11:00'), 2],
    ],
  },
  'tracksphere-overview/Active time over time': {
    columns: ['time', 'active_ms'],
    rows: [
      [T('08:00'), 50 * MIN],
      [T('09:00'), 40 * MIN],
      [T('10:00'), 29 * MIN],
      [T('11:00'), 51 * MIN],
    ],
  },
  'tracksphere-overview/Active devices over time': {
    columns: ['time', 'devices'],
    rows: [
      [T('08:00'), 1],
      [T('09:00'), 2],
      [T('10:00'), 2],
      [T('11:00'), 2],
    ],
  },

  'tracksphere-sites/Top domains by active time': {
    columns: ['domain', 'active_ms'],
    rows: [
      ['video.test', 45 * MIN],
      ['docs.test', 44 * MIN], // 20 + 20 + 4
      ['example.com', 42 * MIN], // 10 + 15 + 5 + 2 + 10
      ['news.test', 33 * MIN], // 25 + 8
      ['private.test', 6 * MIN],
    ],
  },
  'tracksphere-sites/Top domains by visits': {
    columns: ['domain', 'visits'],
    rows: [
      ['example.com', 5],
      ['docs.test', 3],
      ['news.test', 2],
      ['private.test', 1],
      ['video.test', 1],
    ],
  },
  'tracksphere-sites/Active time of the chosen domains': {
    columns: ['time', 'metric', 'active_ms'],
    rows: [
      [T('08:00'), 'example.com', 25 * MIN],
      [T('08:00'), 'news.test', 25 * MIN],
      [T('09:00'), 'docs.test', 20 * MIN],
      [T('09:00'), 'example.com', 12 * MIN],
      [T('09:00'), 'news.test', 8 * MIN],
      [T('10:00'), 'docs.test', 24 * MIN],
      [T('10:00'), 'example.com', 5 * MIN],
      [T('11:00'), 'private.test', 6 * MIN],
      [T('11:00'), 'video.test', 45 * MIN],
    ],
  },
  'tracksphere-sites/Top pages': {
    columns: ['url', 'domain', 'title', 'visits', 'active_ms'],
    rows: [
      ['https://video.test/watch', 'video.test', 'Watch', 1, 45 * MIN],
      ['https://news.test/today', 'news.test', 'Today', 2, 33 * MIN],
      ['https://example.com/b', 'example.com', 'Example B', 2, 25 * MIN],
      // The title of the latest visit: frank's at 10:15 after alice's at 10:00.
      ['https://docs.test/guide', 'docs.test', 'Guide (v2)', 2, 24 * MIN],
      ['https://docs.test/api', 'docs.test', 'API', 1, 20 * MIN],
      ['https://example.com/a', 'example.com', 'Example A (new)', 3, 17 * MIN],
    ],
  },

  // Devices: alice and frank on Chrome/Linux, bob Mobile Safari/iOS, carol Firefox/Windows,
  // dave's visit had no parsable User-Agent.
  'tracksphere-audience/Browsers': {
    columns: ['browser', 'devices'],
    rows: [
      ['Chrome', 2],
      ['Firefox', 1],
      ['Mobile Safari', 1],
      ['Unknown', 1],
    ],
  },
  'tracksphere-audience/Browser versions': {
    columns: ['browser', 'major_version', 'devices', 'visits', 'active_ms'],
    rows: [
      ['Chrome', '131', 2, 6, 79 * MIN],
      ['Firefox', '128', 1, 2, 30 * MIN],
      ['Mobile Safari', '17', 1, 3, 55 * MIN],
      ['Unknown', '?', 1, 1, 6 * MIN],
    ],
  },
  // Ties are ordered by name; the test database collates in C order (upper case first).
  'tracksphere-audience/Operating systems': {
    columns: ['os', 'devices'],
    rows: [
      ['Linux', 2],
      ['Unknown', 1],
      ['Windows', 1],
      ['iOS', 1],
    ],
  },
  'tracksphere-audience/Device types': {
    columns: ['device_type', 'devices'],
    rows: [
      ['desktop', 3],
      ['Unknown', 1],
      ['mobile', 1],
    ],
  },

  // Sessions: alice 08:05-09:10 (65 min) and 10:00-10:40 (40), bob 09:15-09:30 (15) and
  // 11:00-11:45 (45), carol 09:30-10:10 (40), dave 11:10-11:20 (10), frank 10:15-10:25 (10).
  'tracksphere-sessions/Sessions': { columns: ['sessions'], rows: [[7]] },
  'tracksphere-sessions/Median session length': {
    columns: ['median_length_s'],
    rows: [[40 * 60]],
  },
  'tracksphere-sessions/Visits per session': { columns: ['visits_per_session'], rows: [[1.71]] },
  'tracksphere-sessions/Session timeline per device': {
    columns: ['time', 'metric', 'in_session'],
    rows: [
      [T('08:05'), LABEL.alice, 1],
      [T('09:10'), LABEL.alice, 0],
      [T('09:15'), LABEL.bob, 1],
      [T('09:30'), LABEL.bob, 0],
      [T('09:30'), LABEL.carol, 1],
      [T('10:00'), LABEL.alice, 1],
      [T('10:10'), LABEL.carol, 0],
      [T('10:15'), LABEL.frank, 1],
      [T('10:25'), LABEL.frank, 0],
      [T('10:40'), LABEL.alice, 0],
      [T('11:00'), LABEL.bob, 1],
      [T('11:10'), LABEL.dave, 1],
      [T('11:20'), LABEL.dave, 0],
      [T('11:45'), LABEL.bob, 0],
    ],
  },
  'tracksphere-sessions/Session length distribution': {
    columns: ['session_length', 'sessions'],
    rows: [
      ['< 1 min', 0],
      ['1-5 min', 0],
      ['5-15 min', 2],
      ['15-30 min', 1],
      ['30-60 min', 3],
      ['1-2 h', 1],
      ['2-4 h', 0],
      ['>= 4 h', 0],
    ],
  },

  // By receive time (corrected end + send delay): 08: alice 08:21, 08:51; 09: alice 09:12,
  // bob 09:31 twice, carol 09:51, erin 09:11; 10: alice 10:31, 10:45, carol 10:11, frank 10:26;
  // 11: bob 11:46, dave 11:30. carol's 12:41 is after the range.
  'tracksphere-pipeline/Events received': { columns: ['events'], rows: [[13]] },
  'tracksphere-pipeline/Last event received': {
    columns: ['last_received_ms'],
    rows: [[Date.parse('2025-03-10T11:46:00Z')]],
  },
  'tracksphere-pipeline/Visits from clocks off by more than a day': {
    columns: ['visits'],
    rows: [[1]],
  },
  'tracksphere-pipeline/Events received per minute': {
    columns: ['time', 'events_per_minute'],
    rows: [
      [T('08:00'), 2 / 60],
      [T('09:00'), 5 / 60],
      [T('10:00'), 4 / 60],
      [T('11:00'), 2 / 60],
    ],
  },
  // Send delays (s): 08: 60, 60; 09: 120, 360, 60, 60, 60; 10: 60, 300, 60, 60; 11: 60, 600.
  // percentile_disc takes the first value at or above the fraction; the panels show its bucket.
  'tracksphere-pipeline/Ingest delay': {
    columns: ['time', 'p50', 'p95', 'max'],
    rows: [
      [T('08:00'), B(60), B(60), B(60)],
      [T('09:00'), B(60), B(360), B(360)],
      [T('10:00'), B(60), B(300), B(300)],
      [T('11:00'), B(60), B(600), B(600)],
    ],
  },
  'tracksphere-pipeline/Consumer delay': {
    columns: ['time', 'p50', 'p95', 'max'],
    rows: [
      [T('08:00'), B(2), B(2), B(2)],
      [T('09:00'), B(2), B(2), B(2)],
      [T('10:00'), B(2), B(2), B(2)],
      [T('11:00'), B(2), B(30), B(30)],
    ],
  },
  // Skews (s): alice -1.5, bob 0.25, carol 7200, dave 0, erin 259200, frank 0.
  'tracksphere-pipeline/Clock skew': {
    columns: ['time', 'min', 'median', 'max'],
    rows: [
      [T('08:00'), B(-1.5), B(-1.5), B(-1.5)],
      [T('09:00'), B(-1.5), B(0.25), B(259_200)],
      [T('10:00'), B(-1.5), B(-1.5), B(7200)],
      [T('11:00'), B(0), B(0), B(0.25)],
    ],
  },
  // Devices: the seed has no cohorts (all '(none)'), no revocations and no rejected events or
  // dead letters (test/grafana/device-panels.test.ts adds them). Synced: received in the range,
  // as Pipeline health's 13 events: every one of the 6 devices.
  'tracksphere-devices/Devices per cohort': {
    columns: ['cohort', 'devices', 'revoked', 'synced'],
    rows: [['(none)', 6, 0, 6]],
  },
  // By corrected start, as Overview's 12 visits, all on 10 March.
  'tracksphere-devices/Visits per day, by cohort': {
    columns: ['time', 'metric', 'visits'],
    rows: [['2025-03-10T00:00:00.000Z', '(none)', 12]],
  },
  // Received in the range (end + send delay): alice 08:21 08:51 09:12 10:31 10:45; bob 09:31
  // 09:31 11:46; carol 09:51 10:11 (12:41 is after it); dave 11:30 (20 March is not); erin
  // 09:11; frank 10:26. Per day: visits x 24 h / the range's 4 h.
  'tracksphere-devices/Devices': {
    columns: [
      'device',
      'cohort',
      'revoked',
      'last_sync',
      'visits',
      'visits_per_day',
      'rejected',
      'dead_lettered',
    ],
    rows: DEVICE_ROWS,
  },
  'tracksphere-devices/Rejected events and dead letters per day': {
    columns: ['time', 'rejected', 'dead_lettered'],
    rows: [],
  },
  // Study: per UTC day, whole days the range touches (here 10 March). The views read
  // visit_rollup, whose hours are the visits' RAW client starts: erin's clock is 3 days behind,
  // so her visit counts on 7 March (1 device there, suppressed), not on the 10th as by her
  // corrected time. 10 March, cohort '(none)': alice 5 visits (75 min), bob 3 (55), carol 3 (35:
  // raw 07:30-10:30, her 12:30 visit counts, the day does), dave 1 (6), frank 1 (4) = 5 devices,
  // 13 visits, 175 min. dave's 20 March visit: 1 device, suppressed.
  'tracksphere-study/Active devices per day': {
    columns: ['time', 'devices'],
    rows: [[T('00:00'), 5]],
  },
  'tracksphere-study/Visits per day': { columns: ['time', 'visits'], rows: [[T('00:00'), 13]] },
  'tracksphere-study/Active time per day': {
    columns: ['time', 'active_ms'],
    rows: [[T('00:00'), 175 * MIN]],
  },
  // No site had 5 devices that day (example.com 3: alice, bob, carol): all are
  // '(other sites)', which holds all 5.
  'tracksphere-study/Sites': {
    columns: ['domain', 'device_days', 'visits', 'active_ms'],
    rows: [['(other sites)', 5, 13, 175 * MIN]],
  },
  'tracksphere-study/Cohorts': {
    columns: ['cohort', 'device_days', 'visits', 'active_ms'],
    rows: [['(none)', 5, 13, 175 * MIN]],
  },
};

/** The choices each variable query offers for the range. */
export const EXPECTED_VARIABLE_OPTIONS: Record<string, ExpectedResult> = {
  // No seed device has a cohort: the admin's list offers '(none)' (and every cohort, of which
  // the seed has none); the Study list offers the cohorts with a group shown, here '(none)'.
  cohort: { columns: ['cohort'], rows: [['(none)']] },
  device: {
    columns: ['__text', '__value'],
    rows: [
      [LABEL.dave, DEVICES.dave.id],
      [LABEL.frank, DEVICES.frank.id],
      [LABEL.bob, DEVICES.bob.id],
      [LABEL.alice, DEVICES.alice.id],
      [LABEL.carol, DEVICES.carol.id],
      [LABEL.erin, DEVICES.erin.id],
    ],
  },
  domain: {
    columns: ['domain'],
    rows: [['video.test'], ['docs.test'], ['example.com'], ['news.test'], ['private.test']],
  },
  browser: {
    columns: ['browser_name'],
    rows: [['Chrome'], ['Firefox'], ['Mobile Safari']],
  },
};
