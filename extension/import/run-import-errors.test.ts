/**
 * A failure while reading the file's records is the file's (ImportFileError 'damaged'), never
 * the database's: the page would otherwise say the import could not be saved.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshTestDb } from '../db/db-test-kit.js';
import { settingsAt } from './import-test-kit.js';
import { runImport } from './run-import.js';
import { ImportFileError } from './types.js';

// A parser that meets something it did not foresee (as Date did with a year past 275760).
vi.mock('./detect.js', () => ({
  parseImportFile: () => {
    throw new RangeError('Invalid time value');
  },
}));

const db = freshTestDb();
afterEach(async () => {
  await db.delete();
});

describe('an unforeseen failure reading a file', () => {
  it('is reported as a damaged file, and nothing is written', async () => {
    const outcome = runImport(db, '[]', { ...settingsAt(), keepVisitsFromMs: 0 });
    await expect(outcome).rejects.toBeInstanceOf(ImportFileError);
    await expect(outcome).rejects.toMatchObject({ code: 'damaged', message: 'Invalid time value' });
    expect(await db.dailyRollups.count()).toBe(0);
  });
});
