import type { NewDevice } from '../data-access/devices-repo.js';
import type { Pool } from '../data-access/pool.js';
import { enrollmentCount, insertDeviceWithinCap } from '../data-access/registrations-repo.js';
import { AppError } from './errors.js';
import { secondsToUtcMidnight, utcDay } from './quota.js';

/** How many devices may register with the server-wide enrollment (key or open registration). */
export interface RegistrationCaps {
  /** Per UTC day (REGISTRATIONS_PER_DAY). */
  perDay: number;
  /** In all (REGISTRATIONS_TOTAL); undefined: no cap. */
  total: number | undefined;
}

/**
 * Inserts a device registered with the server-wide ENROLLMENT_KEY (or by open
 * registration, without one), counted against that enrollment's caps in the
 * same statement; or throws 429 registration_limit, inserting nothing, with
 * Retry-After: until midnight UTC for the daily cap, a day for the total.
 */
export async function insertDeviceCapped(
  pool: Pool,
  device: NewDevice,
  opts: { enrollmentKey: string | undefined; registrations: RegistrationCaps; now: Date },
): Promise<void> {
  const enrollment = opts.enrollmentKey === undefined ? 'open' : 'key';
  const day = utcDay(opts.now);
  const { perDay, total } = opts.registrations;
  const cap = { enrollment, day, perDay, total: total ?? null } as const;
  if (await insertDeviceWithinCap(pool, device, cap)) return;
  const count = await enrollmentCount(pool, enrollment, day);
  const allUsed = total !== undefined && count.total >= total;
  const seconds = allUsed ? 86_400 : secondsToUtcMidnight(opts.now);
  throw new AppError(
    'registration_limit',
    allUsed
      ? `This server has registered as many devices as it allows in all (${total}); ask its operator.`
      : `This server has registered as many devices as it allows today, UTC (${perDay}); retry after ${seconds} s.`,
    {
      today: count.today,
      total: count.total,
      perDay,
      ...(total === undefined ? {} : { maxTotal: total }),
    },
    seconds,
  );
}
