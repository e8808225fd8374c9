import type { Pool } from '../data-access/pool.js';
import { insertVisits } from '../data-access/visits-repo.js';
import type { VisitRecord, VisitSink } from '../domain/visit-record.js';
import { type CombinerOptions, combineWrites, DEFAULT_COMBINER } from './write-combiner.js';

/**
 * The embedded mode's sink: the writer in-process; resolves after PostgreSQL
 * committed. Concurrent requests share transactions (see write-combiner.ts).
 */
export function directSink(pool: Pool, opts: CombinerOptions = DEFAULT_COMBINER): VisitSink {
  const write = combineWrites((records) => insertVisits(pool, records), opts);
  return {
    async deliver(records: VisitRecord[]): Promise<void> {
      await write(records);
    },
  };
}
