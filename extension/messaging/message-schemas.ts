/**
 * The data of each incoming message, validated once at the background's edge
 * (STYLE.md convention 7). Kept apart from protocol.ts so pages that only
 * send messages do not bundle zod for it.
 */
import type { GetDataType } from '@webext-core/messaging';
import { z } from 'zod';
import { PRIVACY_LEVELS } from '#protocol';
import type { ProtocolMap } from './protocol.js';

/** A site-list entry as typed or pasted: a hostname or a URL. */
const siteText = z.string().trim().min(1).max(2048);

/** A registrable domain or `category:<name>` (limits/limits.ts). */
const limitTarget = z
  .string()
  .max(253)
  .regex(/^([a-z0-9-]+(\.[a-z0-9-]+)+|category:[a-z0-9][a-z0-9:_-]{0,63})$/);

export const MESSAGE_DATA = {
  getStatus: z.undefined(),
  setConsent: z.strictObject({ consent: z.boolean() }),
  setPausedAll: z.strictObject({ paused: z.boolean() }),
  pauseSite: z.strictObject({ site: siteText }),
  resumeSite: z.strictObject({ site: siteText }),
  setPrivacyLevel: z.strictObject({ level: z.enum(PRIVACY_LEVELS) }),
  setAllowlist: z.strictObject({
    allowlistOnly: z.boolean(),
    sites: z.array(siteText).max(1000),
  }),
  setIdleThreshold: z.strictObject({ seconds: z.number() }),
  setToolbarBadge: z.strictObject({ enabled: z.boolean() }),
  sitesOf: z.strictObject({ hosts: z.array(z.string().max(2048)).max(100_000) }),
  syncNow: z.undefined(),
  enableSync: z.strictObject({
    serverUrl: z.url({ protocol: /^https?$/ }).max(2048),
    enrollmentKey: z.string().min(1).max(512).optional(),
  }),
  sendEarlierHistory: z.undefined(),
  disableSync: z.undefined(),
  eraseServerData: z.undefined(),
  leaveStudy: z.undefined(),
  setRetentionDays: z.strictObject({ days: z.number() }),
  eraseLocalData: z.undefined(),
  getLimits: z.undefined(),
  setLimit: z.strictObject({
    target: limitTarget,
    // From a second (the tests' short limits) to a day.
    limitMs: z.number().int().min(1000).max(86_400_000),
    holdMeToIt: z.boolean(),
    allBrowsers: z.boolean().optional(),
  }),
  removeLimit: z.strictObject({ target: limitTarget }),
  getPreferences: z.undefined(),
  setPreferences: z.strictObject({
    weekStart: z.enum(['monday', 'sunday', 'saturday']).optional(),
    theme: z.enum(['system', 'light', 'dark']).optional(),
  }),
  chooseAtLimit: z.strictObject({ target: limitTarget, choice: z.enum(['snooze', 'openAnyway']) }),
  createLinkCode: z.undefined(),
  linkWithCode: z.strictObject({ code: z.string().trim().min(1).max(64) }),
  getLinkState: z.undefined(),
  unlink: z.strictObject({ deviceId: z.uuid().optional() }),
  getAllBrowsersSummary: z.strictObject({
    from: z.iso.date(),
    to: z.iso.date(),
    tz: z.string().min(1).max(64),
    refresh: z.boolean(),
  }),
  eraseHistory: z
    .strictObject({
      site: z
        .string()
        .regex(/^(\[[0-9a-f:.]+\]|[a-z0-9-]+(\.[a-z0-9-]+)*)$/)
        .max(253)
        .optional(),
      fromDay: z.iso.date().optional(),
      toDay: z.iso.date().optional(),
    })
    .refine((d) => d.site !== undefined || (d.fromDay !== undefined && d.toDay !== undefined), {
      message: 'a site, or a range of days with both ends',
    })
    .refine((d) => d.fromDay === undefined || d.toDay === undefined || d.fromDay <= d.toDay, {
      message: 'the range ends before it starts',
    }),
} satisfies { [K in keyof ProtocolMap]: z.ZodType<GetDataType<ProtocolMap[K]>> };
