/** What a kafkajs eachBatch payload offers to commit (kafkajs stays in kafka.ts). */
export interface BatchCommits<Offsets extends { topics: unknown[] }> {
  /** Every offset resolved in this consumer and not committed yet, all partitions. */
  uncommittedOffsets(): Offsets;
  commitOffsetsIfNecessary(offsets: NoInfer<Offsets>): Promise<void>;
}

/**
 * Offset commits of batches that finish together, as one commit.
 *
 * The consumer's batches of several partitions go into one PostgreSQL transaction
 * (write-combiner.ts) and so finish in the same turn; kafkajs then commits after each of
 * them, and each of those OffsetCommit requests carries every partition resolved so far: the
 * same offsets sent once per batch of the wave. Here the callers of one turn share one commit
 * (kafkajs's own after each batch then finds nothing left to send), and at most one is in
 * flight: a caller arriving meanwhile waits for it and joins the next. A caller's promise
 * settles only after a commit that started after it called, so its offsets (resolved before
 * the call) are in it; a failed commit fails all who share it.
 */
export function commitTogether(): <O extends { topics: unknown[] }>(
  batch: BatchCommits<O>,
) => Promise<void> {
  let next: Promise<void> | null = null;
  let inFlight: Promise<void> = Promise.resolve();

  return (batch) => {
    if (next !== null) return next;
    const mine = inFlight
      .catch(() => undefined)
      .then(() => new Promise<void>((resolve) => setImmediate(resolve)))
      .then(() => {
        // Callers from here on wait for this one and join the next.
        next = null;
        const offsets = batch.uncommittedOffsets();
        return offsets.topics.length > 0 ? batch.commitOffsetsIfNecessary(offsets) : undefined;
      });
    next = mine;
    inFlight = mine;
    return mine;
  };
}
