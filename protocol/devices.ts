import { z } from 'zod';
import { LIMITS } from './limits.js';

export const DeviceRegistrationSchema = z
  .object({
    extensionVersion: z.string().min(1).max(32),
    browser: z.object({ name: z.string().min(1).max(64), version: z.string().max(64) }).strict(),
    os: z.string().min(1).max(64),
    label: z.string().max(LIMITS.maxLabelLength).optional(),
  })
  .strict()
  .meta({ id: 'DeviceRegistration' });

export type DeviceRegistration = z.infer<typeof DeviceRegistrationSchema>;

export const DeviceRegisteredSchema = z
  .object({ deviceId: z.uuid(), token: z.string().min(20) })
  .meta({ id: 'DeviceRegistered' });

export type DeviceRegistered = z.infer<typeof DeviceRegisteredSchema>;

export const EraseResultSchema = z
  .object({ deletedVisits: z.int().min(0) })
  .meta({ id: 'EraseResult' });

export type EraseResult = z.infer<typeof EraseResultSchema>;
