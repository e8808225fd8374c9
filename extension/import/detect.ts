/** Which tracker wrote a file, from its content (names and types of files are not trusted). */
import { isActivityWatchExport, parseActivityWatch } from './activitywatch.js';
import {
  isTimeTrackerJson,
  parseTimeTrackerCsv,
  parseTimeTrackerJson,
  readTimeTrackerCsv,
} from './time-tracker-4-browser.js';
import { isTracksphereExport, parseTracksphereExport } from './tracksphere.js';
import { ImportFileError, type ParsedFile } from './types.js';
import { isWebActivityBackup, parseWebActivityBackup } from './web-activity-time-tracker.js';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ImportFileError('damaged', e instanceof Error ? e.message : String(e));
  }
}

/**
 * Reads a file of any supported format. Throws ImportFileError when it is none of them or is
 * damaged (JSON cut short, say): then nothing of it is imported.
 */
export function parseImportFile(text: string): ParsedFile {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const start = body.trimStart()[0];
  if (start === '[' || start === '{') {
    const data = parseJson(body);
    // Tracksphere's and the others' lists differ in their items' fields, tested in this order.
    if (isTracksphereExport(data)) return parseTracksphereExport(data);
    if (isWebActivityBackup(data)) return parseWebActivityBackup(data);
    if (isTimeTrackerJson(data)) return parseTimeTrackerJson(data);
    if (isActivityWatchExport(data)) {
      const parsed = parseActivityWatch(data);
      if (parsed === null) {
        throw new ImportFileError('no_browser_bucket', 'no bucket of type web.tab.current');
      }
      return parsed;
    }
    throw new ImportFileError('unknown_format', 'JSON of an unknown shape');
  }
  const rows = readTimeTrackerCsv(body);
  if (rows !== null) return parseTimeTrackerCsv(rows);
  throw new ImportFileError('not_json_or_csv', 'neither JSON nor a known CSV');
}
