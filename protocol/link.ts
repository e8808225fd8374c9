import { z } from 'zod';

/**
 * All my browsers: devices linked into one person with single-use codes, and the person's
 * combined daily figures (docs/api.md).
 */

/** The letters and digits of a link code: none that reads like another (no 0/O, 1/I). */
export const LINK_CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
export const LINK_CODE_LENGTH = 8;
/** How long a link code is valid. */
export const LINK_CODE_TTL_MS = 10 * 60_000;
/** The longest range GET /api/v1/me/summary answers, in days (from and to included). */
export const SUMMARY_MAX_DAYS = 400;

/** POST /api/v1/me/link-code -> 201. */
export const LinkCodeSchema = z
  .object({
    /** LINK_CODE_LENGTH characters of LINK_CODE_ALPHABET, e.g. "K7QX3MRT". */
    code: z.string(),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'LinkCode' });

export type LinkCode = z.infer<typeof LinkCodeSchema>;

/**
 * POST /api/v1/me/link. The server ignores case, spaces and hyphens ("k7qx-3mrt" is the code
 * above).
 */
export const LinkRequestSchema = z
  .object({ code: z.string().min(1).max(64) })
  .strict()
  .meta({ id: 'LinkRequest' });

export type LinkRequest = z.infer<typeof LinkRequestSchema>;

/** DELETE /api/v1/me/link: no body (or no deviceId) unlinks the calling device. */
export const UnlinkRequestSchema = z
  .object({ deviceId: z.uuid().optional() })
  .strict()
  .meta({ id: 'UnlinkRequest' });

export type UnlinkRequest = z.infer<typeof UnlinkRequestSchema>;

export const LinkedDeviceSchema = z
  .object({
    id: z.uuid(),
    /** The browser's name as the extension registered it (Chrome, Firefox, Edge, ...). */
    browser: z.string(),
    os: z.string(),
    label: z.string().nullable(),
    /** When the server received the device's latest stored visit; null: none yet. */
    lastSyncAt: z.iso.datetime().nullable(),
    /** The device that made the request. */
    thisDevice: z.boolean(),
  })
  .meta({ id: 'LinkedDevice' });

export type LinkedDevice = z.infer<typeof LinkedDeviceSchema>;

/**
 * The calling device's person and its devices. personId null: the device is alone (devices
 * then holds the calling device only).
 */
export const LinkStateSchema = z
  .object({ personId: z.uuid().nullable(), devices: z.array(LinkedDeviceSchema) })
  .meta({ id: 'LinkState' });

export type LinkState = z.infer<typeof LinkStateSchema>;

/**
 * A day of the summary's range: visits start from LIMITS.earliestTime, 1969-12-31 somewhere west
 * of UTC; before it no visit can fall, and PostgreSQL has no year 0 (a 500, where it is a 400).
 */
const summaryDay = z.iso
  .date()
  .refine((day) => day >= '1969-12-31', 'must be a day from 1969-12-31 to 9999-12-31');

/**
 * GET /api/v1/me/summary's query: days from and to (both included) in the IANA zone tz; v the
 * answer's version: "1" (or none) a Summary, "2" a CompactSummary.
 */
export const SummaryQuerySchema = z
  .object({
    from: summaryDay,
    to: summaryDay,
    tz: z.string().min(1).max(64),
    v: z.enum(['1', '2']).optional(),
    /** An earlier answer's cursor: only the days changed since (docs/api.md). */
    since: z.string().min(1).max(16_384).optional(),
  })
  .strict();

export type SummaryQuery = z.infer<typeof SummaryQuerySchema>;

/** One day, domain and device: the visits that started that day (in tz) and their active time. */
export const SummaryRowSchema = z
  .object({
    /** YYYY-MM-DD in the query's tz. */
    date: z.iso.date(),
    domain: z.string(),
    deviceId: z.uuid(),
    activeMs: z.int().min(0),
    visits: z.int().min(0),
  })
  .meta({ id: 'SummaryRow' });

export type SummaryRow = z.infer<typeof SummaryRowSchema>;

export const SummarySchema = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    tz: z.string(),
    /** The server's clock when it read the figures: what a cached copy is "as of". */
    generatedAt: z.iso.datetime(),
    /** The devices counted: the caller's person's (or the caller alone). */
    devices: z.array(LinkedDeviceSchema),
    /**
     * Per device id: the receivedAt of the device's latest batch the rows hold. Every batch of
     * that device acknowledged with a receivedAt up to it is in them; a later one is not yet
     * (in Kafka mode it is written after the acknowledgement). No entry: none is. Older servers
     * leave it out.
     */
    appliedThrough: z.record(z.uuid(), z.iso.datetime()).optional(),
    /**
     * The calling device's batchId at its watermark: at appliedSeq when it has one, else at its
     * appliedThrough (null: none applied).
     */
    lastBatchId: z.uuid().nullable().optional(),
    /**
     * The greatest `seq` (POST /api/v1/events?seq=N) of the calling device's batches the rows
     * hold: every batch it acknowledged with a seq up to it is in them (null: none with one
     * applied; absent: a server that does not order by seq).
     */
    appliedSeq: z.int().min(1).nullable().optional(),
    /** Pass as `since` to get only what changed after this answer (absent: an older server). */
    cursor: z.string().optional(),
    /** true: rows hold the whole range; false: only the days in changed (an answer to since). */
    complete: z.boolean().optional(),
    /** With complete false: each day and browser whose rows replace the cached ones (maybe none). */
    changed: z.array(z.object({ date: z.iso.date(), deviceId: z.uuid() })).optional(),
    /** Sorted by date, domain, deviceId; a day, domain and device without visits has no row. */
    rows: z.array(SummaryRowSchema),
  })
  .meta({ id: 'Summary' });

export type Summary = z.infer<typeof SummarySchema>;

/**
 * GET /api/v1/me/summary?v=2: the Summary's rows as arrays of numbers, each domain named once.
 * A year of a busy person's three browsers is 171,000 rows: 22 MB as Summary, 3 MB so.
 */
export const CompactSummarySchema = z
  .object({
    v: z.literal(2),
    from: z.iso.date(),
    to: z.iso.date(),
    tz: z.string(),
    generatedAt: z.iso.datetime(),
    devices: z.array(LinkedDeviceSchema),
    /** As in Summary. */
    appliedThrough: z.record(z.uuid(), z.iso.datetime()).optional(),
    lastBatchId: z.uuid().nullable().optional(),
    appliedSeq: z.int().min(1).nullable().optional(),
    cursor: z.string().optional(),
    complete: z.boolean().optional(),
    /** As in Summary, each [day, device] (day counts from from, device indexes devices). */
    changed: z.array(z.tuple([z.int(), z.int()])).optional(),
    /** The domains the rows name (each once, in no particular order). */
    domains: z.array(z.string()),
    /**
     * [day, domain, device, activeMs, visits]: day counts the days after from (0 is from),
     * domain indexes domains and device devices. One row per day, domain and device with
     * visits, in no particular order.
     */
    rows: z.array(z.tuple([z.int(), z.int(), z.int(), z.int(), z.int()])),
  })
  .meta({ id: 'CompactSummary' });

export type CompactSummary = z.infer<typeof CompactSummarySchema>;

/** YYYY-MM-DD `days` days after the date `from` (YYYY-MM-DD). */
export function isoDayAfter(from: string, days: number): string {
  return new Date(Date.parse(from) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * The Summary a CompactSummary stands for: its rows as objects, sorted by date, domain and
 * deviceId. Null when a row names a domain or device the answer does not list.
 */
export function expandSummary(compact: CompactSummary): Summary | null {
  const { v: _v, domains, rows, changed, ...rest } = compact;
  const dates = new Map<number, string>();
  const changedDays: { date: string; deviceId: string }[] = [];
  for (const [day, deviceIndex] of changed ?? []) {
    const device = compact.devices[deviceIndex];
    if (device === undefined || day < 0) return null;
    changedDays.push({ date: isoDayAfter(compact.from, day), deviceId: device.id });
  }
  const out: SummaryRow[] = [];
  for (const [day, domainIndex, deviceIndex, activeMs, visits] of rows) {
    const domain = domains[domainIndex];
    const device = compact.devices[deviceIndex];
    if (domain === undefined || device === undefined || day < 0) return null;
    let date = dates.get(day);
    if (date === undefined) {
      date = isoDayAfter(compact.from, day);
      dates.set(day, date);
    }
    out.push({ date, domain, deviceId: device.id, activeMs, visits });
  }
  const key = (r: SummaryRow) => `${r.date} ${r.domain} ${r.deviceId}`;
  out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return { ...rest, ...(changed === undefined ? {} : { changed: changedDays }), rows: out };
}
