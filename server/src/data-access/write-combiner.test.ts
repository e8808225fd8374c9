import { describe, expect, it } from 'vitest';
import type { VisitRecord, WriteResult } from './visit-record.js';
import { CONSUMER_COMBINER, combineWrites } from './write-combiner.js';

const rec = (id: string): VisitRecord => ({ id }) as VisitRecord;
const recs = (prefix: string, n: number): VisitRecord[] =>
  Array.from({ length: n }, (_, i) => rec(`${prefix}${i}`));

/** A writer whose writes finish when the test says so. */
function controlledWriter(fail?: (records: VisitRecord[]) => Error | undefined): {
  write: (records: VisitRecord[]) => Promise<WriteResult>;
  calls: string[][];
  finish(): void;
} {
  const calls: string[][] = [];
  const waiting: (() => void)[] = [];
  return {
    calls,
    write: (records) => {
      calls.push(records.map((r) => r.id));
      return new Promise((resolve, reject) => {
        waiting.push(() => {
          const err = fail?.(records);
          if (err !== undefined) reject(err);
          else resolve({ inserted: records.length, dropped: 0 });
        });
      });
    },
    finish: () => {
      for (const w of waiting.splice(0)) w();
    },
  };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('combineWrites', () => {
  it('writes at once when idle, then combines callers that waited into one write', async () => {
    const w = controlledWriter();
    const write = combineWrites(w.write, { writers: 1, maxRows: 100 });
    const done: string[] = [];
    const all = ['a', 'b', 'c'].map((id) =>
      write([rec(id)]).then((r) => done.push(`${id}:${r.inserted}`)),
    );
    await tick();
    expect(w.calls).toEqual([['a']]);
    expect(done).toEqual([]);
    w.finish();
    await tick();
    expect(done).toEqual(['a:1']);
    expect(w.calls).toEqual([['a'], ['b', 'c']]);
    w.finish();
    await Promise.all(all);
    // The combined write's count goes to its first caller: totals stay right.
    expect(done).toEqual(['a:1', 'b:2', 'c:0']);
  });

  it('keeps writes within maxRows (a single caller may exceed it)', async () => {
    const w = controlledWriter();
    const write = combineWrites(w.write, { writers: 1, maxRows: 2 });
    const all = [['a'], ['b', 'c', 'd'], ['e'], ['f']].map((ids) => write(ids.map(rec)));
    for (let i = 0; i < 4; i++) {
      await tick();
      w.finish();
    }
    await Promise.all(all);
    expect(w.calls).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f']]);
  });

  it('retries a combined write refused for its data one caller at a time', async () => {
    const w = controlledWriter((records) =>
      records.some((r) => r.id === 'bad') ? new Error('value out of range') : undefined,
    );
    const write = combineWrites(w.write, { writers: 1, maxRows: 100 });
    const results = Promise.allSettled(['a', 'bad', 'c'].map((id) => write([rec(id)])));
    for (let i = 0; i < 6; i++) {
      await tick();
      w.finish();
    }
    expect((await results).map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(w.calls).toEqual([['a'], ['bad', 'c'], ['bad'], ['c']]);
  });

  it('fails every caller of a combined write when PostgreSQL is unavailable', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const w = controlledWriter(() => down);
    const write = combineWrites(w.write, { writers: 1, maxRows: 100 });
    const results = Promise.allSettled(['a', 'b', 'c'].map((id) => write([rec(id)])));
    for (let i = 0; i < 3; i++) {
      await tick();
      w.finish();
    }
    expect((await results).map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(w.calls).toEqual([['a'], ['b', 'c']]);
  });

  it('gathers the callers of one turn into one write, though a writer is free', async () => {
    const w = controlledWriter();
    const write = combineWrites(w.write, { writers: 2, maxRows: 100, gather: true });
    const first = ['a', 'b', 'c'].map((id) => write([rec(id)]));
    await tick();
    expect(w.calls).toEqual([['a', 'b', 'c']]);
    // A caller of a later turn takes the free writer (after its own turn), alone.
    const later = write([rec('d')]);
    await tick();
    expect(w.calls).toEqual([['a', 'b', 'c'], ['d']]);
    w.finish();
    await Promise.all([...first, later]);
    // Without gathering the first two would have gone alone, one transaction each.
    const plain = controlledWriter();
    const plainWrite = combineWrites(plain.write, { writers: 2, maxRows: 100 });
    const all = ['a', 'b', 'c'].map((id) => plainWrite([rec(id)]));
    await tick();
    expect(plain.calls).toEqual([['a'], ['b']]);
    plain.finish();
    await tick();
    plain.finish();
    await Promise.all(all);
  });

  it("the consumer's: a turn of many rows goes to both writers, a caller's records whole", async () => {
    const w = controlledWriter();
    const write = combineWrites(w.write, CONSUMER_COMBINER);
    // Four partitions' batches of 400 rows (100 events a request), handed over in one turn.
    const wave = ['p', 'q', 'r', 's'].map((p) => write(recs(p, 400)));
    await tick();
    expect(w.calls.map((c) => c.length)).toEqual([800, 800]);
    expect(w.calls.map((c) => [c[0], c[799]])).toEqual([
      ['p0', 'q399'],
      ['r0', 's399'],
    ]);
    w.finish();
    expect((await Promise.all(wave)).reduce((n, r) => n + r.inserted, 0)).toBe(1600);
    // A turn of a few rows (one event a request) stays one write: one statement.
    const small = Array.from({ length: 16 }, (_, i) => write([rec(`s${i}`)]));
    await tick();
    expect(w.calls.slice(2).map((c) => c.length)).toEqual([16]);
    w.finish();
    await Promise.all(small);
    // A caller larger than the share still goes whole; the rest take the other writer.
    const uneven = [write(recs('u', 1500)), write(recs('v', 10)), write(recs('x', 10))];
    await tick();
    expect(w.calls.slice(3).map((c) => c.length)).toEqual([1500, 20]);
    w.finish();
    await Promise.all(uneven);
  });
});
