import type { Pool } from '../data-access/pool.js';
import { insertVisits } from '../data-access/visits-repo.js';
import type { VisitRecord, VisitSink } from '../domain/visit-record.js';

/** The embedded mode's sink: the writer in-process; resolves after PostgreSQL committed. */
export function directSink(pool: Pool): VisitSink {
  return {
    async deliver(records: VisitRecord[]): Promise<void> {
      await insertVisits(pool, records);
    },
  };
}
