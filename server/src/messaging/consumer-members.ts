/**
 * The consumer's group members (KAFKA_CONSUMERS), kept running. kafkajs restarts a member after a
 * retriable error, but gives up for good on one it cannot retry (a broker's answer it cannot
 * use, such as the mock cluster's to a SyncGroup amid a rebalance): the member is disconnected
 * and nothing starts it again. The process would live on with fewer members, or none, and its
 * /readyz would still say ready. Here a member given up on is started again, after a pause that
 * grows to `maxPauseMs`, until the consumer stops; meanwhile `allRunning` is false. Starting
 * again loses and doubles nothing: a batch not committed is fetched again, and its rows are
 * written idempotently.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../logger.js';

export interface Member {
  disconnect(): Promise<void>;
}

/** Starts a member; `gaveUp` is called if the member stops for good. */
export type StartMember<M extends Member> = (gaveUp: (error: unknown) => void) => Promise<M>;

export interface Members {
  /** False once stopped, and while a member is being started again. */
  readonly allRunning: boolean;
  /** Disconnects every member (each commits its batch in flight), then throws any one's error. */
  stop(): Promise<void>;
}

export interface RestartPauses {
  firstPauseMs: number;
  maxPauseMs: number;
}

const STOPPED = Symbol('stopped');

export async function superviseMembers<M extends Member>(
  count: number,
  start: StartMember<M>,
  log: Logger,
  pauses: RestartPauses = { firstPauseMs: 500, maxPauseMs: 30_000 },
): Promise<Members> {
  let running = true;
  const stopping = new AbortController();
  const stopped = new Promise<typeof STOPPED>((resolve) =>
    stopping.signal.addEventListener('abort', () => resolve(STOPPED)),
  );
  const current = new Map<number, M>();
  /** Members given up on and not yet started again. */
  let down = 0;

  /** Starts the member of `slot`; resolves, once started, to the promise of its end for good. */
  async function startIn(slot: number): Promise<{ end: Promise<unknown> }> {
    let gaveUp: (error: unknown) => void = () => undefined;
    const end = new Promise<unknown>((resolve) => {
      gaveUp = resolve;
    });
    current.set(slot, await start((error) => gaveUp(error)));
    return { end };
  }

  const pauseAfter = (failures: number): number =>
    Math.min(pauses.maxPauseMs, pauses.firstPauseMs * 2 ** failures);

  /**
   * Starts the member of `slot` again each time it is given up on, until the consumer stops. The
   * pause doubles with each give-up and each failed start, and starts over only once the member
   * has stayed up for `maxPauseMs`: a member that starts and is given up on again at once (an
   * error that recurs with every record, or a setting the broker refuses) is tried less and less
   * often rather than rejoining the group, and so rebalancing the others, every second.
   */
  async function keep(slot: number, firstEnd: Promise<unknown>): Promise<void> {
    let end = firstEnd;
    let upSince = Date.now();
    let failures = 0;
    for (;;) {
      const error = await Promise.race([end, stopped]);
      if (error === STOPPED) return;
      if (Date.now() - upSince >= pauses.maxPauseMs) failures = 0;
      down += 1;
      log.error(
        { err: error, member: slot, pauseMs: pauseAfter(failures) },
        'consumer member stopped for good: starting it again',
      );
      await current
        .get(slot)
        ?.disconnect()
        .catch(() => undefined);
      current.delete(slot);
      for (;;) {
        const pause = pauseAfter(failures);
        failures += 1;
        if (await sleep(pause, false, { signal: stopping.signal }).catch(() => true)) return;
        try {
          ({ end } = await startIn(slot));
          break;
        } catch (err) {
          log.error({ err, member: slot, failures }, 'consumer member did not start again');
        }
      }
      if (!running) {
        // stop() ran while it started, and did not see it.
        await current.get(slot)?.disconnect();
        return;
      }
      down -= 1;
      upSince = Date.now();
      log.info({ member: slot }, 'consumer member started again');
    }
  }

  const ends: Promise<unknown>[] = [];
  try {
    for (let slot = 0; slot < count; slot++) ends.push((await startIn(slot)).end);
  } catch (err) {
    running = false;
    stopping.abort();
    await Promise.all([...current.values()].map((m) => m.disconnect().catch(() => undefined)));
    throw err;
  }
  const keepers = ends.map((end, slot) => keep(slot, end));

  return {
    get allRunning(): boolean {
      return running && down === 0;
    },
    async stop(): Promise<void> {
      running = false;
      stopping.abort();
      const left = await Promise.allSettled([
        ...[...current.values()].map((m) => m.disconnect()),
        ...keepers,
      ]);
      for (const r of left) if (r.status === 'rejected') throw r.reason;
    },
  };
}
