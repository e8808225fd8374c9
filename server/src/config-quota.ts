import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

/**
 * Storage quotas per device and UTC day (a batch that would pass either is refused: 429
 * quota_exceeded): ~25x what a heavy user stores (2,000 visits of ~350 B a day).
 * QUOTA_BLOCK_PERCENT: the share of both that an API process reserves ahead for a device, then
 * spends without a statement (domain/quota-blocks.ts); 0 reserves each request on its own.
 * config.ts spreads this into its schema.
 */
export const quotaEnv = {
  QUOTA_ROWS_PER_DEVICE_DAY: positiveInt.default(50_000),
  QUOTA_BYTES_PER_DEVICE_DAY: positiveInt.default(50_000_000),
  QUOTA_BLOCK_PERCENT: z.coerce.number().min(0).max(10).default(1),
  // Browsers one person may link (All my browsers): a link past it is refused (403 link_limit).
  // Every linked browser's days are read for the person's summary: the cap bounds that read.
  LINK_MAX_BROWSERS: positiveInt.min(2).default(20),
};

export interface LinkCapConfig {
  /** LINK_MAX_BROWSERS: browsers one person may link. */
  linkMaxBrowsers: number;
}

export interface QuotaConfig {
  rowsPerDeviceDay: number;
  bytesPerDeviceDay: number;
  blockPercent: number;
}

export function quotaOf(e: {
  QUOTA_ROWS_PER_DEVICE_DAY: number;
  QUOTA_BYTES_PER_DEVICE_DAY: number;
  QUOTA_BLOCK_PERCENT: number;
}): QuotaConfig {
  return {
    rowsPerDeviceDay: e.QUOTA_ROWS_PER_DEVICE_DAY,
    bytesPerDeviceDay: e.QUOTA_BYTES_PER_DEVICE_DAY,
    blockPercent: e.QUOTA_BLOCK_PERCENT,
  };
}
