import { z } from 'zod';
import { LIMITS } from './limits.js';

/** Text of at most `max` characters that PostgreSQL can store: a text column refuses NUL. */
const text = (max: number, min = 0) =>
  (min > 0 ? z.string().min(min) : z.string())
    .max(max)
    .refine((t) => !t.includes('\u0000'), 'must not contain NUL characters');

export const DeviceRegistrationSchema = z
  .object({
    extensionVersion: text(32, 1),
    browser: z.object({ name: text(64, 1), version: text(64) }).strict(),
    os: text(64, 1),
    label: text(LIMITS.maxLabelLength).optional(),
  })
  .strict()
  .meta({ id: 'DeviceRegistration' });

export type DeviceRegistration = z.infer<typeof DeviceRegistrationSchema>;

export const DeviceRegisteredSchema = z
  .object({
    deviceId: z.uuid(),
    token: z.string().min(20),
    /**
     * Can do nothing but erase this device (POST /api/v1/withdraw; the page /withdraw#d=&s=).
     * Optional: servers before withdrawal send none, and clients that do not know it ignore it.
     */
    withdrawalSecret: z.string().min(20).max(100).optional(),
  })
  .meta({ id: 'DeviceRegistered' });

export type DeviceRegistered = z.infer<typeof DeviceRegisteredSchema>;

export const EraseResultSchema = z
  .object({ deletedVisits: z.int().min(0) })
  .meta({ id: 'EraseResult' });

export type EraseResult = z.infer<typeof EraseResultSchema>;

/** POST /api/v1/withdraw: a device id and its withdrawal secret (from registration). */
export const WithdrawRequestSchema = z
  .object({ deviceId: z.uuid(), secret: z.string().min(1).max(200) })
  .strict()
  .meta({ id: 'WithdrawRequest' });

export type WithdrawRequest = z.infer<typeof WithdrawRequestSchema>;

export const WithdrawResultSchema = z
  .object({
    deviceId: z.uuid(),
    deletedVisits: z.int().min(0),
    /** True when the device had been erased before (by DELETE /api/v1/me or a withdrawal). */
    alreadyErased: z.boolean(),
  })
  .meta({ id: 'WithdrawResult' });

export type WithdrawResult = z.infer<typeof WithdrawResultSchema>;
