import type { JSX } from 'preact';
import { t } from '../../components/i18n.js';
import { formatDateTime } from '../../stats/format-duration.js';
import type { RejectedRow } from '../../stats/index.js';

/** Visits the server refused as invalid, with its reason: kept locally, never resent. */
export function RejectedSection({ rows }: { rows: readonly RejectedRow[] }): JSX.Element {
  return (
    <section aria-labelledby="rejected-heading">
      <h2 id="rejected-heading">{t('rejectedHeading')}</h2>
      {rows.length === 0 ? (
        <p class="empty">{t('noRejected')}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('columnWhen')}</th>
              <th scope="col">{t('columnSite')}</th>
              <th scope="col">{t('columnReason')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} data-testid="rejected-row" data-code={r.code}>
                <td>{formatDateTime(r.startedAt)}</td>
                <td>{r.domain}</td>
                <td>
                  <code>{r.code}</code> {r.reason}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
