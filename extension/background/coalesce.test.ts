import { describe, expect, it } from 'vitest';
import { coalesce } from './coalesce.js';

/** Lets `n` microtasks pass (each await of a resolved promise is one). */
async function microtasks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

describe('coalesce', () => {
  it('folds calls during a run into one more run, and every call waits for the run it joined', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const trigger = coalesce(async () => {
      runs += 1;
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    const first = trigger();
    const second = trigger();
    const third = trigger();
    expect(runs).toBe(1);
    release();
    await microtasks(5);
    expect(runs).toBe(2);
    release();
    await Promise.all([first, second, third]);
    expect(runs).toBe(2);
  });

  it('gives settle the last run result once the runs stop', async () => {
    const settled: number[] = [];
    let n = 0;
    const trigger = coalesce(
      async () => ++n,
      (last) => settled.push(last),
    );
    await Promise.all([trigger(), trigger()]);
    expect(settled).toEqual([2]);
  });

  // A call that comes at any moment of a run (after its work ended included, while the run's
  // promise is still settling) must see its state read by a run that starts after it.
  it.each([0, 1, 2, 3, 4, 5, 6, 7, 8])(
    'a call %i microtasks after the work ended still gets a run that sees its change',
    async (delay) => {
      let state = 0;
      let seen = -1;
      let runs = 0;
      const trigger = coalesce(async () => {
        runs += 1;
        seen = state;
      });
      const first = trigger();
      await microtasks(delay);
      state = 1;
      await trigger();
      expect(seen).toBe(1);
      await first;
      expect(runs).toBeLessThanOrEqual(2);
    },
  );

  it('starts afresh after a run whose work threw before its first await', async () => {
    let fail = true;
    let runs = 0;
    const trigger = coalesce(() => {
      runs += 1;
      if (fail) throw new Error('read failed');
      return Promise.resolve();
    });
    await expect(trigger()).rejects.toThrow('read failed');
    fail = false;
    await trigger();
    expect(runs).toBe(2);
  });
});
