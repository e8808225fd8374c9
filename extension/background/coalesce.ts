/**
 * `work` behind a guard: a call that comes while it runs folds into one more run after it
 * (however many came), so a burst of events costs two runs and the last one sees the latest
 * state. Every call resolves when the run it joined is over. `settle` gets the last run's
 * result once the runs stop (not when one fails).
 */
export function coalesce<T>(
  work: () => Promise<T>,
  settle: (last: T) => void = () => undefined,
): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const run = async (): Promise<void> => {
    let last: T;
    do {
      again = false;
      last = await work();
    } while (again);
    settle(last);
  };
  return () => {
    if (running !== null) {
      again = true;
      return running;
    }
    running = run().finally(() => {
      running = null;
    });
    return running;
  };
}
