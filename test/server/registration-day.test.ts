/**
 * The registration cap's day on real PostgreSQL: the day a registration counts on is never
 * later than PostgreSQL's own, so an API process whose clock runs ahead cannot start a day that
 * has not come, and block everyone's registrations until it does.
 */
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { NewDevice } from '../../server/src/data-access/devices-repo.js';
import {
  enrollmentCount,
  insertDeviceWithinCap,
} from '../../server/src/data-access/registrations-repo.js';
import { setUp } from '../harness/retention.js';

const DAY = 86_400_000;
const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function device(): NewDevice {
  return {
    id: uuidv7(),
    tokenHash: randomBytes(32),
    extensionVersion: '1.0.0',
    browserName: 'Chrome',
    browserVersion: '131',
    os: 'Linux',
    label: null,
    userAgent: null,
    ua: {
      browserName: null,
      browserVersion: null,
      engineName: null,
      osName: null,
      osVersion: null,
      deviceType: null,
    },
    withdrawalSecretHash: randomBytes(32),
  };
}

describe('the registration cap and a clock ahead', () => {
  it('counts on the database day, not on a day ten days ahead', async () => {
    const { pool } = await setUp('registration_day');
    try {
      const cap = (day: string) => ({ enrollment: 'open', day, perDay: 2, total: null }) as const;
      const ahead = utcDay(Date.now() + 10 * DAY);
      expect(await insertDeviceWithinCap(pool, device(), cap(ahead))).toBe(true);
      expect(await insertDeviceWithinCap(pool, device(), cap(ahead))).toBe(true);
      // Today's processes (honest clocks) find today's two registrations, and are refused too.
      const today = utcDay(Date.now());
      expect(await enrollmentCount(pool, 'open', today)).toMatchObject({ today: 2, total: 2 });
      expect(await insertDeviceWithinCap(pool, device(), cap(today))).toBe(false);
      // Tomorrow (for the database too) counts afresh.
      await pool.query("UPDATE enrollment_usage SET day = day - 1 WHERE enrollment = 'open'");
      expect(await insertDeviceWithinCap(pool, device(), cap(today))).toBe(true);
    } finally {
      await pool.end();
    }
  });
});
