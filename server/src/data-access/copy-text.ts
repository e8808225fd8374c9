import { shiftedTime } from './shifted-time.js';
import { sameRequestContext, type VisitRecord } from './visit-record.js';

/** The visits columns the writer COPYs, in the order copyChunks writes them. */
export const COPY_COLUMNS = `id, started_at, ended_at, device_id, session_id, batch_id, url, domain, title,
  active_ms, transition, started_at_corrected, ended_at_corrected, clock_skew_ms, received_at,
  browser_name, browser_version, os_name, os_version, device_type`;

/** Bytes per write to the COPY stream: large enough to be cheap, small enough to stream. */
const COPY_CHUNK_BYTES = 64 * 1024;

/**
 * The rows as COPY text, encoded line by line into buffers of about
 * COPY_CHUNK_BYTES. Not one string per chunk: encoding a long string built by
 * concatenation costs the writer far more CPU and garbage than encoding line
 * by line.
 */
export function copyChunks(rows: VisitRecord[]): Buffer[] {
  const out: Buffer[] = [];
  let buf = Buffer.allocUnsafe(COPY_CHUNK_BYTES);
  let used = 0;
  let context: VisitRecord | undefined;
  let shared = '';
  for (const r of rows) {
    if (context === undefined || !sameRequestContext(context, r)) {
      context = r;
      shared = copyContext(r);
    }
    const line = copyLine(r, shared);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (used + line.length * 3 > buf.length) {
      if (used > 0) out.push(buf.subarray(0, used));
      buf = Buffer.allocUnsafe(Math.max(COPY_CHUNK_BYTES, line.length * 3));
      used = 0;
    }
    used += buf.write(line, used);
  }
  if (used > 0) out.push(buf.subarray(0, used));
  return out;
}

/** The end of a row's COPY line: the columns every record of one request shares. */
function copyContext(r: VisitRecord): string {
  const c = r.client;
  return `${r.clockSkewMs}\t${copyField(r.receivedAt)}\t${copyField(c.browserName)}\t${copyField(c.browserVersion)}\t${copyField(c.osName)}\t${copyField(c.osVersion)}\t${copyField(c.deviceType)}\n`;
}

/** One row's COPY line (COPY_COLUMNS' order); the corrected times are the raw ones plus the skew. */
function copyLine(r: VisitRecord, context: string): string {
  return `${copyField(r.id)}\t${copyField(r.startedAt)}\t${copyField(r.endedAt)}\t${copyField(r.deviceId)}\t${copyField(r.sessionId)}\t${copyField(r.batchId)}\t${copyField(r.url)}\t${copyField(r.domain)}\t${copyField(r.title)}\t${r.activeMs}\t${copyField(r.transition)}\t${shiftedTime(r.startedAt, r.clockSkewMs)}\t${shiftedTime(r.endedAt, r.clockSkewMs)}\t${context}`;
}

const COPY_SPECIAL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

const COPY_SPECIAL_TEST = /[\\\n\r\t]/;

/** One value in COPY's text format: \N for null, backslash escapes for the four special characters. */
function copyField(v: string | null): string {
  if (v === null) return '\\N';
  // Tested first: most values have nothing to escape, and a test is cheaper than a replace.
  return COPY_SPECIAL_TEST.test(v)
    ? v.replace(COPY_SPECIAL, (ch) => COPY_ESCAPES[ch] as string)
    : v;
}
