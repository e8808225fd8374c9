/**
 * Combines concurrent calls of one small statement into fewer, larger ones: the API's quota
 * reservations (usage-reserver.ts) and credential reads (credential-reader.ts).
 *
 * One statement per API request cost every small request a PostgreSQL round trip of its own:
 * its socket writes, a statement and, for writes, a commit. Here at most `inFlight` statements
 * are outstanding; the calls that arrive meanwhile wait and go together in the next one, at most
 * `maxItems` and at most one per key (so a statement never touches a row twice, and a key's later
 * call sees what the earlier one did). Alone (nothing in flight), a call goes at once, by `one`:
 * no added delay when the API is idle.
 *
 * A combined statement that fails for anything but a database that is down is retried one call
 * at a time, so one call's fault never fails another's (a deadlock, a lock or statement timeout
 * one device's row caused included); a database that is down fails them all, as it would have
 * one by one. Each call's promise settles with its own answer.
 */
import { isDatabaseDown } from './pool.js';

export interface CombinerLimits {
  /** Statements outstanding at once. */
  inFlight: number;
  /** Calls one statement takes at most. */
  maxItems: number;
}

interface Pending<T, R> {
  item: T;
  key: string;
  resolve(r: R): void;
  reject(err: unknown): void;
}

export function combineCalls<T, R>(
  fns: {
    /** One call alone, as before combining. */
    one(item: T): Promise<R>;
    /** Several calls with distinct keys in one statement; answers in the order given. */
    many(items: T[]): Promise<R[]>;
    keyOf(item: T): string;
  },
  limits: CombinerLimits,
): (item: T) => Promise<R> {
  const queue: Pending<T, R>[] = [];
  let active = 0;

  const alone = (p: Pending<T, R>): Promise<void> => fns.one(p.item).then(p.resolve, p.reject);

  async function run(group: Pending<T, R>[]): Promise<void> {
    const [first] = group;
    if (first === undefined) return;
    if (group.length === 1) return alone(first);
    let answers: R[];
    try {
      answers = await fns.many(group.map((p) => p.item));
      if (answers.length !== group.length) {
        throw new Error(`a combined statement answered ${answers.length} of ${group.length}`);
      }
    } catch (err) {
      if (isDatabaseDown(err)) {
        for (const p of group) p.reject(err);
        return;
      }
      for (const p of group) await alone(p);
      return;
    }
    group.forEach((p, i) => {
      p.resolve(answers[i] as R);
    });
  }

  /** The next statement's calls: oldest first, one per key. */
  function take(): Pending<T, R>[] {
    const group: Pending<T, R>[] = [];
    const keys = new Set<string>();
    const rest: Pending<T, R>[] = [];
    for (const p of queue) {
      if (group.length >= limits.maxItems || keys.has(p.key)) {
        rest.push(p);
      } else {
        keys.add(p.key);
        group.push(p);
      }
    }
    queue.splice(0, queue.length, ...rest);
    return group;
  }

  function pump(): void {
    while (active < limits.inFlight && queue.length > 0) {
      const group = take();
      active += 1;
      void run(group).finally(() => {
        active -= 1;
        pump();
      });
    }
  }

  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, key: fns.keyOf(item), resolve, reject });
      pump();
    });
}
