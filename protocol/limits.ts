/** Limits of the ingest contract (API.md). Shared so the extension batches within them. */
export const LIMITS = {
  maxEventsPerBatch: 500,
  maxBodyBytes: 1024 * 1024,
  maxUrlLength: 2048,
  maxTitleLength: 512,
  maxDomainLength: 253,
  maxLabelLength: 200,
  /**
   * An event's times are instants from earliestTime to latestTime, written with a UTC offset
   * of at most maxUtcOffsetMinutes: what PostgreSQL's timestamptz and JavaScript's Date both
   * read. PostgreSQL has no year 0 and reads offsets up to 15:59; no browser clock reads
   * before 1970; a four-digit year names nothing in UTC after latestTime.
   */
  earliestTime: '1970-01-01T00:00:00.000Z',
  latestTime: '9999-12-31T23:59:59.999Z',
  maxUtcOffsetMinutes: 15 * 60 + 59,
  /** Digits after the second's decimal point: Node's Date misreads ten or more (.0280000001 as .280). */
  maxFractionDigits: 9,
  /**
   * A visit's activeMs: 31 days. A visit's whole active time counts for the day and hour it
   * started, so without a bound one visit could claim a year of attention for one hour. It
   * bounds what one visit claims, not what a device sends: overlapping visits within the
   * device's daily quota still add up (a bound per device and day, where the time is summed,
   * would; not built). The span is not bounded: a pinned page lasts as long as the browser
   * runs, and earns active time only while attended or playing sound. The extension's tracker
   * goes on in a new visit when one reaches the bound (extension/tracker, splitPastBound);
   * imports take visits of at most a day (extension/import/bounds.ts).
   */
  maxVisitActiveMs: 31 * 86_400_000,
} as const;
