import type { Pool } from './pool.js';
import type { VisitRecord, VisitSink } from './visit-record.js';
import { insertVisits } from './visits-repo.js';
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
