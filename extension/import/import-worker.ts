/**
 * The import off the options page's main thread: reads the file, parses it and writes it in
 * one transaction to the extension's IndexedDB (the same database the background writes),
 * reporting progress. The page stays responsive however large the file. Once it has answered,
 * it builds the long ranges' sums and windows, so their first view does not.
 */
import { localDayOf } from '../db/day.js';
import { prepareLongRanges } from '../db/range-rollups.js';
import { openTracksphereDb } from '../db/schema.js';
import { runImport } from './run-import.js';
import { ImportFileError } from './types.js';
import { type ImportReply, type ImportRequest, summarize } from './worker-protocol.js';

/** Progress is posted at most this often: a message per chunk would be thousands. */
const PROGRESS_EVERY_MS = 100;

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ImportRequest>) => void) | null;
  postMessage: (reply: ImportReply) => void;
};

async function handle(request: ImportRequest): Promise<ImportReply> {
  const db = openTracksphereDb();
  let lastPost = 0;
  try {
    const text = await request.file.text().catch((e: unknown) => {
      // The file changed or went away after it was chosen: nothing of it can be read.
      throw new ImportFileError('damaged', e instanceof Error ? e.message : String(e));
    });
    const outcome = await runImport(db, text, {
      recording: request.recording,
      dayOf: localDayOf,
      keepVisitsFromMs: request.keepVisitsFromMs,
      onProgress: (done, total) => {
        const now = Date.now();
        if (now - lastPost < PROGRESS_EVERY_MS && done < total) return;
        lastPost = now;
        scope.postMessage({ type: 'progress', done, total });
      },
    });
    scope.postMessage({ type: 'done', summary: summarize(outcome) });
    // The person has the answer; the long ranges are built now rather than at their first view.
    await prepareLongRanges(db, localDayOf(Date.now())).catch((e: unknown) =>
      console.warn('[import] the long ranges were not prepared', e),
    );
    return { type: 'prepared' };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      type: 'failed',
      code: e instanceof ImportFileError ? e.code : 'write_failed',
      message,
    };
  } finally {
    db.close();
  }
}

scope.onmessage = (event) => {
  void handle(event.data).then((reply) => scope.postMessage(reply));
};
