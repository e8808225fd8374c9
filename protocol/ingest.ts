import { z } from 'zod';
import { LIMITS } from './limits.js';

/**
 * The envelope of POST /api/v1/events. Events are checked one by one with
 * VisitEventSchema so that one bad event never costs the good ones.
 */
export const EventBatchSchema = z
  .object({
    batchId: z.uuid(),
    sentAt: z.iso.datetime({ offset: true }),
    events: z.array(z.unknown()).min(1).max(LIMITS.maxEventsPerBatch),
  })
  .strict()
  .meta({ id: 'EventBatch' });

export type EventBatch = z.infer<typeof EventBatchSchema>;

export const REJECTION_CODES = ['invalid_event', 'too_old', 'in_future'] as const;
export const RejectionCodeSchema = z.enum(REJECTION_CODES);
export type RejectionCode = z.infer<typeof RejectionCodeSchema>;

export const RejectedEventSchema = z
  .object({
    index: z.int().min(0),
    id: z.string().nullable(),
    code: RejectionCodeSchema,
    message: z.string(),
  })
  .meta({ id: 'RejectedEvent' });

export type RejectedEvent = z.infer<typeof RejectedEventSchema>;

export const IngestResultSchema = z
  .object({
    accepted: z.int().min(0),
    rejected: z.array(RejectedEventSchema),
    /**
     * When the server received the batch: its place among the device's batches. A summary's
     * appliedThrough for the device at or after it holds the batch's accepted events (older
     * servers leave it out).
     */
    receivedAt: z.iso.datetime().optional(),
    /**
     * The request's `seq`, echoed when the server ordered the batch by it (the summary's
     * appliedSeq); absent when none was sent or the server is older.
     */
    seq: z.int().min(1).optional(),
  })
  .meta({ id: 'IngestResult' });

export type IngestResult = z.infer<typeof IngestResultSchema>;
