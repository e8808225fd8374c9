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
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let again = false;
  const run = async (): Promise<void> => {
    let last: T;
    try {
      do {
        again = false;
        last = await work();
      } while (again);
    } finally {
      // In the same step as the last check of `again`: a call from here on starts a new run,
      // where one arriving while `running` still settled would have joined a finished run.
      busy = false;
    }
    settle(last);
  };
  return () => {
    if (busy) {
      again = true;
      return running;
    }
    busy = true;
    running = run();
    return running;
  };
}
