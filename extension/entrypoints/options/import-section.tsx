import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { importDoneText } from '../../components/count-messages.js';
import { t } from '../../components/i18n.js';
import { errorNote, type Note, NoteLine } from '../../components/note.js';
import type { ImportSource, SkipReasonCode } from '../../import/types.js';
import type { ImportReply, ImportSummary } from '../../import/worker-protocol.js';
import { readRecordingSettings, retentionDaysItem } from '../../settings/index.js';

const DAY_MS = 86_400_000;

/** Product names, the same in every language. */
const SOURCE_NAMES: Record<ImportSource, string> = {
  'web-activity-time-tracker': 'Web Activity Time Tracker',
  'time-tracker-4-browser': 'Time Tracker (time-tracker-4-browser)',
  activitywatch: 'ActivityWatch',
  tracksphere: 'Tracksphere',
};

function reasonText(reason: SkipReasonCode): string {
  return t(`importSkip_${reason}`);
}

type State =
  | { phase: 'idle' }
  | { phase: 'running'; done: number; total: number }
  | { phase: 'done'; summary: ImportSummary }
  | { phase: 'failed'; note: Note };

/**
 * Starts the import worker on a file with the person's current settings; its figures reach
 * the page through `onImported` (a reload of the local data) once it has written them.
 */
function useImport(onImported: () => Promise<void>): [State, (file: File) => void] {
  const [state, setState] = useState<State>({ phase: 'idle' });
  const worker = useRef<Worker | null>(null);
  useEffect(() => () => worker.current?.terminate(), []);
  const start = (file: File): void => {
    worker.current?.terminate();
    setState({ phase: 'running', done: 0, total: 0 });
    void Promise.all([readRecordingSettings(), retentionDaysItem.getValue()]).then(
      ([recording, retentionDays]) => {
        const w = new Worker(new URL('../../import/import-worker.ts', import.meta.url), {
          type: 'module',
        });
        worker.current = w;
        w.onmessage = (event: MessageEvent<ImportReply>) => {
          const reply = event.data;
          if (reply.type === 'progress') {
            setState({ phase: 'running', done: reply.done, total: reply.total });
            return;
          }
          if (reply.type === 'done') {
            // The worker goes on building the long ranges ('prepared' ends it).
            setState({ phase: 'done', summary: reply.summary });
            void onImported();
            return;
          }
          w.terminate();
          if (reply.type === 'failed') {
            setState({
              phase: 'failed',
              note: errorNote(t(`importError_${reply.code}`, reply.message)),
            });
          }
        };
        w.onerror = (event) => {
          setState({
            phase: 'failed',
            note: errorNote(t('importError_write_failed', event.message)),
          });
        };
        w.postMessage({ file, recording, keepVisitsFromMs: Date.now() - retentionDays * DAY_MS });
      },
      (e: unknown) =>
        setState({ phase: 'failed', note: errorNote(t('importError_write_failed', String(e))) }),
    );
  };
  return [state, start];
}

/** What an import did: the records imported and left out, and the first left out with why. */
export function ImportResult({ summary }: { summary: ImportSummary }): JSX.Element {
  const listed = summary.firstSkipped;
  return (
    <div
      data-testid="import-result"
      data-source={summary.source}
      data-imported={summary.imported}
      data-skipped={summary.skipped}
      role="status"
    >
      <p class="notice">
        {importDoneText(summary.imported, SOURCE_NAMES[summary.source], summary.skipped)}
      </p>
      {listed.length === 0 ? null : (
        <details>
          <summary>
            {listed.length < summary.skipped
              ? t('importSkippedFirst', listed.length, summary.skipped)
              : t('importSkippedAll')}
          </summary>
          <ul data-testid="import-skipped">
            {listed.map((s) => (
              <li key={s.record} data-reason={s.reason}>
                {t('importSkippedLine', s.record, reasonText(s.reason))}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** History from another tracker (or a Tracksphere export) into this browser's figures. */
export function ImportSection(props: { onImported: () => Promise<void> }): JSX.Element {
  const [state, start] = useImport(props.onImported);
  const running = state.phase === 'running';
  return (
    <section aria-labelledby="import-heading">
      <h3 id="import-heading">{t('importHeading')}</h3>
      <p class="muted" id="import-hint">
        {t('importHint')}
      </p>
      <label class="field">
        <span>{t('importFileLabel')}</span>
        <input
          type="file"
          data-testid="import-file"
          accept=".json,.csv,application/json,text/csv"
          aria-describedby="import-hint"
          disabled={running}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file !== undefined) start(file);
          }}
        />
      </label>
      {running ? (
        <progress
          data-testid="import-progress"
          aria-label={t('importProgress')}
          max={state.total === 0 ? undefined : state.total}
          value={state.total === 0 ? undefined : state.done}
        />
      ) : null}
      {state.phase === 'done' ? <ImportResult summary={state.summary} /> : null}
      <NoteLine note={state.phase === 'failed' ? state.note : null} testId="import-error" />
    </section>
  );
}
