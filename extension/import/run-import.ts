/** One import from the file's text to the database: parse, apply the settings, write. */
import { type ImportWriteResult, writeImport } from '../db/import-history.js';
import type { TracksphereDb } from '../db/schema.js';
import { parseImportFile } from './detect.js';
import { type ImportRecords, type ImportSettings, toImportRecords } from './to-records.js';
import { ImportFileError, type ImportSource, type SkippedRecord } from './types.js';

export interface ImportOutcome {
  source: ImportSource;
  /** The file's records now in the history (a site's day, or a visit). */
  imported: number;
  skipped: SkippedRecord[];
}

export interface RunImportOptions extends ImportSettings {
  /** Visits that started before this count in the daily figures only (local retention). */
  keepVisitsFromMs: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The file's records, or ImportFileError: any failure to read them is the file's, not the
 * database's (whose errors the page reports as a write that failed).
 */
function readRecords(text: string, settings: ImportSettings): ImportRecords {
  try {
    return toImportRecords(parseImportFile(text), settings);
  } catch (e) {
    if (e instanceof ImportFileError) throw e;
    throw new ImportFileError('damaged', e instanceof Error ? e.message : String(e));
  }
}

/** Throws ImportFileError (nothing written) when the file is none of the formats or damaged. */
export async function runImport(
  db: TracksphereDb,
  text: string,
  opts: RunImportOptions,
): Promise<ImportOutcome> {
  const records = readRecords(text, opts);
  const written: ImportWriteResult = await writeImport(db, records, {
    source: records.source,
    dayOf: opts.dayOf,
    keepVisitsFromMs: opts.keepVisitsFromMs,
    onProgress: opts.onProgress,
  });
  return {
    source: records.source,
    imported: written.imported,
    skipped: [
      ...records.skipped,
      ...written.alreadyImported.map((record) => ({ record, reason: 'already_imported' as const })),
    ],
  };
}
