/** Visit records as the API hands them to the writer (or produces them onto visits.v1), for server tests. */
import { v7 as uuidv7 } from 'uuid';
import type { VisitRecord } from '../../server/src/data-access/visit-record.js';

/** What a desktop Chrome 131 on Linux sends as its client (the user agent parsed at ingest). */
export const CHROME_ON_LINUX: VisitRecord['client'] = {
  browserName: 'Chrome',
  browserVersion: '131',
  osName: 'Linux',
  osVersion: null,
  deviceType: 'desktop',
};

/**
 * A valid record of `deviceId` that started at `startedAt` and lasted a
 * minute, with an unknown user agent; `fields` overrides any part.
 */
export function visitRecord(
  deviceId: string,
  startedAt: Date = new Date(Date.now() - 120_000),
  fields: Partial<VisitRecord> = {},
): VisitRecord {
  return {
    v: 1,
    id: uuidv7(),
    deviceId,
    batchId: uuidv7(),
    sessionId: uuidv7(),
    url: 'https://example.com/',
    domain: 'example.com',
    title: 'Example',
    startedAt: startedAt.toISOString(),
    endedAt: new Date(startedAt.getTime() + 60_000).toISOString(),
    activeMs: 1000,
    transition: 'link',
    receivedAt: new Date().toISOString(),
    clockSkewMs: 0,
    client: {
      browserName: null,
      browserVersion: null,
      osName: null,
      osVersion: null,
      deviceType: null,
    },
    ...fields,
  };
}
