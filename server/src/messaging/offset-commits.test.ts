import { describe, expect, it } from 'vitest';
import { commitTogether } from './offset-commits.js';

/** Past the turn the commit waits for (a few, since it waits behind the one in flight first). */
const settle = () => new Promise((r) => setTimeout(r, 10));

/** A batch's commits: records what was resolved when a commit was sent; answers when told to. */
function fakeBroker() {
  const resolved: number[] = [];
  const commits: unknown[][] = [];
  const answers: (() => void)[] = [];
  const commit = {
    uncommittedOffsets: () => ({ topics: [...resolved] }),
    commitOffsetsIfNecessary: (offsets: { topics: unknown[] }) =>
      new Promise<void>((resolve) => {
        commits.push(offsets.topics);
        answers.push(resolve);
      }),
  };
  return { resolved, commits, answers, commit };
}

describe('commitTogether', () => {
  it('sends one commit for the batches that finish in the same turn', async () => {
    const together = commitTogether();
    const b = fakeBroker();
    const done = [1, 2, 3, 4].map((p) => {
      b.resolved.push(p);
      return together(b.commit);
    });
    await settle();
    expect(b.commits).toEqual([[1, 2, 3, 4]]);
    b.answers.shift()?.();
    await Promise.all(done);
    expect(b.commits).toHaveLength(1);
  });

  it('keeps one commit in flight; a caller meanwhile is settled only by a commit holding its offset', async () => {
    const together = commitTogether();
    const b = fakeBroker();
    b.resolved.push(1);
    let firstDone = false;
    const first = together(b.commit).then(() => {
      firstDone = true;
    });
    await settle();
    expect(b.commits).toEqual([[1]]);
    b.resolved.push(2);
    let secondDone = false;
    const second = together(b.commit).then(() => {
      secondDone = true;
    });
    b.resolved.push(3);
    const third = together(b.commit);
    await settle();
    expect(b.commits).toHaveLength(1); // the second waits for the first to answer
    b.answers.shift()?.();
    await first;
    expect(firstDone).toBe(true);
    await settle();
    expect(b.commits).toEqual([[1], [1, 2, 3]]);
    expect(secondDone).toBe(false);
    b.answers.shift()?.();
    await Promise.all([second, third]);
    expect(secondDone).toBe(true);
  });

  it('fails every caller of a failed commit, and the next caller commits again', async () => {
    const together = commitTogether();
    let calls = 0;
    const failing = {
      uncommittedOffsets: () => ({ topics: [1] }),
      commitOffsetsIfNecessary: () => {
        calls += 1;
        return Promise.reject(new Error('rebalancing'));
      },
    };
    const results = await Promise.allSettled([together(failing), together(failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    await together({
      uncommittedOffsets: () => ({ topics: [1] }),
      commitOffsetsIfNecessary: async () => {
        calls += 1;
      },
    });
    expect(calls).toBe(2);
  });

  it('sends nothing when nothing is left uncommitted', async () => {
    const together = commitTogether();
    let calls = 0;
    await together({
      uncommittedOffsets: () => ({ topics: [] }),
      commitOffsetsIfNecessary: async () => {
        calls += 1;
      },
    });
    expect(calls).toBe(0);
  });
});
