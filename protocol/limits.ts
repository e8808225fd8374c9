/** Limits of the ingest contract (API.md). Shared so the extension batches within them. */
export const LIMITS = {
  maxEventsPerBatch: 500,
  maxBodyBytes: 1024 * 1024,
  maxUrlLength: 2048,
  maxTitleLength: 512,
  maxDomainLength: 253,
  maxLabelLength: 200,
} as const;
