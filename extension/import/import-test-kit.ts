/** Shared by the import tests: the fixtures (one small file per format) and settings. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { utcDayOf } from '../db/db-test-kit.js';
import type { RecordingSettings } from '../privacy/index.js';
import type { ImportSettings } from './to-records.js';

export const FIXTURES = {
  watt: 'web-activity-time-tracker-backup.json',
  tt4bJson: 'time-tracker-4-browser-record.json',
  tt4bCsv: 'time-tracker-4-browser-record.csv',
  activityWatch: 'activitywatch-export.json',
  tracksphere: 'tracksphere-export.json',
} as const;

export function fixture(name: keyof typeof FIXTURES): string {
  return readFileSync(
    fileURLToPath(new URL(`./fixtures/${FIXTURES[name]}`, import.meta.url)),
    'utf8',
  );
}

export const FULL: RecordingSettings = {
  consent: true,
  pausedAll: false,
  level: 'full',
  pausedSites: [],
  allowlistOnly: false,
  allowlist: [],
};

/** Days in UTC, so the figures do not depend on the machine's zone. */
export function settingsAt(recording: Partial<RecordingSettings> = {}): ImportSettings {
  return { recording: { ...FULL, ...recording }, dayOf: utcDayOf };
}
