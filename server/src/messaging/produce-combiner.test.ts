import { describe, expect, it } from 'vitest';
import { MAX_IN_FLIGHT, produceCombiner } from './produce-combiner.js';
import { BATCH_OVERHEAD_BYTES, type ProduceMessage, recordBytes } from './produce-requests.js';

const msg = (value: string): ProduceMessage => ({ key: 'k', value });

/** A produce that waits until released, recording what each request carried. */
function gatedProduce() {
  const calls: { topic: string; values: string[]; release(err?: Error): void }[] = [];
  const produce = (topic: string, messages: ProduceMessage[]): Promise<void> =>
    new Promise((resolve, reject) => {
      calls.push({
        topic,
        values: messages.map((m) => String(m.value)),
        release: (err) => (err === undefined ? resolve() : reject(err)),
      });
    });
  return { calls, produce };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('produceCombiner', () => {
  it("sends one turn's sends together, at most MAX_IN_FLIGHT requests, then combines the rest", async () => {
    const { calls, produce } = gatedProduce();
    const send = produceCombiner(900_000, produce);
    const done: string[] = [];
    const track = (v: string) => send('t', [msg(v)]).then(() => done.push(v));
    const sends = ['a', 'b', 'c'].map(track);
    await tick();
    expect(calls.map((c) => c.values)).toEqual([['a', 'b', 'c']]); // one turn, one request
    expect(MAX_IN_FLIGHT).toBe(8);
    for (let i = 1; i < MAX_IN_FLIGHT; i++) {
      sends.push(track(`t${i}`));
      await tick();
    }
    expect(calls).toHaveLength(MAX_IN_FLIGHT); // a turn each, each at once while a slot is free
    sends.push(track('x'));
    await tick();
    sends.push(track('y'));
    await tick();
    expect(calls).toHaveLength(MAX_IN_FLIGHT); // x and y wait for a slot
    calls[0]?.release();
    await tick();
    expect(done.sort()).toEqual(['a', 'b', 'c']); // only what was acknowledged
    expect(calls.at(-1)?.values).toEqual(['x', 'y']);
    for (const c of calls.slice(1)) c.release();
    await Promise.all(sends);
    expect(done).toHaveLength(3 + (MAX_IN_FLIGHT - 1) + 2);
  });

  it('keeps each produce request within maxBytes', async () => {
    const { calls, produce } = gatedProduce();
    const value = 'x'.repeat(1_000);
    const one = recordBytes(msg(value));
    const send = produceCombiner(BATCH_OVERHEAD_BYTES + 3 * one, produce);
    const sends = Array.from({ length: 7 }, () => send('t', [msg(value)]));
    await tick();
    for (const c of calls) c.release();
    await Promise.all(sends);
    expect(calls.map((c) => c.values.length)).toEqual([3, 3, 1]);
  });

  it('rejects every send carried by a failed produce request, and only those', async () => {
    const { calls, produce } = gatedProduce();
    const send = produceCombiner(900_000, produce);
    const outcome = (p: Promise<void>) =>
      p.then(
        () => 'ok',
        (e: Error) => e.message,
      );
    const first = ['a', 'b'].map((v) => outcome(send('t', [msg(v)])));
    await tick();
    const second = ['c', 'd'].map((v) => outcome(send('t', [msg(v)])));
    await tick();
    calls[0]?.release(new Error('broker down'));
    calls[1]?.release();
    expect(await Promise.all([...first, ...second])).toEqual([
      'broker down',
      'broker down',
      'ok',
      'ok',
    ]);
  });
});
