/**
 * Runs async tasks one at a time, in the order they were queued: a promise
 * chain. The tracker's read-step-write of its state spans several awaits
 * (storage, IndexedDB), and two events interleaving there would each step
 * from the same old state and one would overwrite the other.
 */
export interface SerialQueue {
  /** Queues a task; resolves or rejects with its result once it has run. */
  run<T>(task: () => Promise<T> | T): Promise<T>;
  /** Resolves when every task queued so far has finished. */
  drained(): Promise<void>;
}

export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T> | T): Promise<T> {
      const result = tail.then(task);
      // A failed task must not stop the ones queued after it.
      tail = result.catch(() => undefined);
      return result;
    },
    async drained(): Promise<void> {
      let seen: Promise<unknown>;
      do {
        seen = tail;
        await seen;
      } while (seen !== tail);
    },
  };
}
