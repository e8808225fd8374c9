import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true });

/**
 * A visit as accepted by the API: the client's event plus what the server
 * learnt (device, receive time, clock skew, parsed user agent). This is what
 * the writer stores; on visits.v1 the records of one request travel in one
 * message, and a version 1 message is one record (messaging/visit-message.ts).
 * Version it: consumers of older and newer APIs share the topic.
 */
export const VisitRecordSchema = z.object({
  v: z.literal(1),
  id: z.uuid(),
  deviceId: z.uuid(),
  batchId: z.uuid(),
  sessionId: z.uuid(),
  url: z.string().nullable(),
  domain: z.string().min(1),
  title: z.string().nullable(),
  /** Raw client time, exactly as sent: part of the primary key. */
  startedAt: isoTime,
  endedAt: isoTime,
  activeMs: z.int().min(0),
  transition: z.string().nullable(),
  receivedAt: isoTime,
  /**
   * The device's own number for the batch (POST /api/v1/events?seq=N), increasing with each new
   * batch it sends: orders its batches for the summary's watermark. Absent from older clients.
   */
  seq: z.int().min(1).optional(),
  /** receivedAt - sentAt: added to client times to correct the device clock. */
  clockSkewMs: z.int(),
  client: z.object({
    browserName: z.string().nullable(),
    browserVersion: z.string().nullable(),
    osName: z.string().nullable(),
    osVersion: z.string().nullable(),
    deviceType: z.string().nullable(),
  }),
});

export type VisitRecord = z.infer<typeof VisitRecordSchema>;

/** What the records of one request share: sent once per request on Kafka and to PostgreSQL. */
export type RequestContext = Pick<
  VisitRecord,
  'deviceId' | 'batchId' | 'receivedAt' | 'seq' | 'clockSkewMs' | 'client'
>;

/** Whether two records came with the same request context. */
export function sameRequestContext(a: RequestContext, b: RequestContext): boolean {
  return (
    a.deviceId === b.deviceId &&
    a.batchId === b.batchId &&
    a.receivedAt === b.receivedAt &&
    a.seq === b.seq &&
    a.clockSkewMs === b.clockSkewMs &&
    (a.client === b.client ||
      (a.client.browserName === b.client.browserName &&
        a.client.browserVersion === b.client.browserVersion &&
        a.client.osName === b.client.osName &&
        a.client.osVersion === b.client.osVersion &&
        a.client.deviceType === b.client.deviceType))
  );
}

export interface WriteResult {
  /** Rows newly stored (a resent id counts 0). */
  inserted: number;
  /** Records dropped because their device no longer exists (erased). */
  dropped: number;
}

/** Where accepted records go: Kafka in the distributed mode, the writer in the embedded one. */
export interface VisitSink {
  /** Resolves only once the records are durable (Kafka acks=all, or PostgreSQL committed). */
  deliver(records: VisitRecord[]): Promise<void>;
}

/**
 * A record the writer cannot encode, found before PostgreSQL sees it. Its
 * code is the SQLSTATE PostgreSQL would have answered, so it is classified
 * like PostgreSQL's own refusal (pool.ts, isDataError).
 */
export class RecordDataError extends Error {
  override name = 'RecordDataError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}
