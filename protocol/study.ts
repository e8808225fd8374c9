import { z } from 'zod';

/** GET /api/v1/me: what the server knows of the calling device's enrolment. */
export const DeviceInfoSchema = z
  .object({
    deviceId: z.uuid(),
    label: z.string().nullable(),
    /** The cohort of the enrolment code it registered with; null without one. */
    cohort: z.string().nullable(),
    /** From this instant on the server refuses its events (403 study_ended); null: no end. */
    studyEndsAt: z.iso.datetime().nullable(),
    /** Whether the study ended by the server's clock (the device's may be wrong). */
    studyEnded: z.boolean(),
    registeredAt: z.iso.datetime(),
  })
  .meta({ id: 'DeviceInfo' });

export type DeviceInfo = z.infer<typeof DeviceInfoSchema>;
