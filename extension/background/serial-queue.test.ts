import { describe, expect, it } from 'vitest';
import { createSerialQueue } from './serial-queue.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createSerialQueue', () => {
  it('runs tasks one at a time in the order queued, whatever each one awaits', async () => {
    const queue = createSerialQueue();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await sleep(ms);
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      queue.run(task('a', 30)),
      queue.run(task('b', 0)),
      queue.run(task('c', 10)),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('goes on after a task fails, and the failure reaches only that task', async () => {
    const queue = createSerialQueue();
    const failed = queue.run(async () => {
      throw new Error('boom');
    });
    const next = queue.run(() => 'next');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });

  it('drained() waits for tasks queued while it waits', async () => {
    const queue = createSerialQueue();
    const log: string[] = [];
    void queue.run(async () => {
      await sleep(5);
      void queue.run(async () => {
        await sleep(5);
        log.push('late');
      });
      log.push('first');
    });
    await queue.drained();
    expect(log).toEqual(['first', 'late']);
  });
});
