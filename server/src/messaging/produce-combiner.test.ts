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
  it('sends at once when idle, and combines what arrives while requests are in flight', async () => {
    const { calls, produce } = gatedProduce();
    const send = produceCombiner(900_000, produce);
    const done: string[] = [];
    const sends = ['a', 'b', 'c', 'd', 'e'].map((v) =>
      send('t', [msg(v)]).then(() => done.push(v)),
    );
    await tick();
    expect(calls.map((c) => c.values)).toEqual([['a'], ['b']]); // MAX_IN_FLIGHT alone
    expect(MAX_IN_FLIGHT).toBe(2);
    calls[0]?.release();
    await tick();
    expect(done).toEqual(['a']); // only what was acknowledged
    expect(calls.map((c) => c.values)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    calls[1]?.release();
    calls[2]?.release();
    await Promise.all(sends);
    expect(done.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('keeps each produce request within maxBytes', async () => {
    const { calls, produce } = gatedProduce();
    const value = 'x'.repeat(1_000);
    const one = recordBytes(msg(value));
    const send = produceCombiner(BATCH_OVERHEAD_BYTES + 3 * one, produce);
    const sends = Array.from({ length: 2 + 7 }, () => send('t', [msg(value)]));
    await tick();
    calls[0]?.release();
    calls[1]?.release();
    for (let i = 0; i < 10 && calls.length < 5; i++) {
      await tick();
      for (const c of calls.slice(2)) c.release();
    }
    await Promise.all(sends);
    expect(calls.map((c) => c.values.length)).toEqual([1, 1, 3, 3, 1]);
  });

  it('rejects every send carried by a failed produce request, and only those', async () => {
    const { calls, produce } = gatedProduce();
    const send = produceCombiner(900_000, produce);
    const outcome = (p: Promise<void>) =>
      p.then(
        () => 'ok',
        (e: Error) => e.message,
      );
    const results = Promise.all(['a', 'b', 'c', 'd'].map((v) => outcome(send('t', [msg(v)]))));
    await tick();
    calls[0]?.release(new Error('broker down'));
    await tick();
    calls[1]?.release();
    await tick();
    calls[2]?.release(new Error('timeout'));
    expect(await results).toEqual(['broker down', 'ok', 'timeout', 'timeout']);
  });
});
