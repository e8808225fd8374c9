import type { JSX } from 'preact';
import { whileBusy } from '../../components/busy.js';
import { t } from '../../components/i18n.js';
import { type Note, NoteLine } from '../../components/note.js';
import { ImportSection } from './import-section.js';

export interface DataSectionProps {
  busy: boolean;
  serverRegistered: boolean;
  message: Note | null;
  onExportJson: () => void;
  onExportCsv: () => void;
  onDeleteLocal: () => void;
  onEraseServer: () => void;
  /** After an import: reload the figures. Left out, the import is not offered. */
  onImported?: () => Promise<void>;
}

/** The person's data out of the extension and erased (guarantee 5), and other trackers' in. */
export function DataSection(props: DataSectionProps): JSX.Element {
  return (
    <section aria-labelledby="data-heading">
      <h2 id="data-heading">{t('dataExportHeading')}</h2>
      <div class="row">
        <button type="button" data-testid="export-json" onClick={props.onExportJson}>
          {t('exportJson')}
        </button>
        <button type="button" data-testid="export-csv" onClick={props.onExportCsv}>
          {t('exportCsv')}
        </button>
        <button
          type="button"
          class="danger"
          data-testid="delete-local"
          {...whileBusy(props.busy, props.onDeleteLocal)}
        >
          {t('deleteLocal')}
        </button>
        <button
          type="button"
          class="danger"
          data-testid="erase-server"
          disabled={!props.serverRegistered}
          {...whileBusy(props.busy, props.onEraseServer)}
        >
          {t('eraseServer')}
        </button>
      </div>
      <NoteLine note={props.message} testId="data-message" />
      {props.onImported === undefined ? null : <ImportSection onImported={props.onImported} />}
    </section>
  );
}
