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

/** GET /api/v1/me/summary's query: days from and to (both included) in the IANA zone tz. */
export const SummaryQuerySchema = z
  .object({
    from: z.iso.date(),
    to: z.iso.date(),
    tz: z.string().min(1).max(64),
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
    /** Sorted by date, domain, deviceId; a day, domain and device without visits has no row. */
    rows: z.array(SummaryRowSchema),
  })
  .meta({ id: 'Summary' });

export type Summary = z.infer<typeof SummarySchema>;
