/**
 * Combines the sends of concurrent API requests into fewer produce requests.
 *
 * One produce request per API request made a small request cost a Kafka round trip, its socket
 * writes and a broker request of its own: with many small requests in flight the producer, not
 * the broker, was what they waited for. Here the sends of one turn of the event loop go together
 * (the requests whose bodies were read in that turn: a send waits for the end of the turn, not
 * for a timer), as many as fit within maxBytes (so that no partition's record batch can pass it:
 * produce-requests.ts); at most MAX_IN_FLIGHT produce requests per topic are outstanding, and the
 * sends that arrive while that many are wait and go together in the next one. Two in flight made
 * a request wait for the one before its own under load (its p50 twice the broker's answer time,
 * docs/performance.md "Small requests"); eight leave that wait to a broker that is really behind.
 *
 * Each caller's promise settles with the produce request that carried its messages: it resolves
 * only once they were acknowledged (acks=all), and rejects if that request failed, so the API's
 * 2xx means what it did before.
 */
import { BATCH_OVERHEAD_BYTES, type ProduceMessage, recordBytes } from './produce-requests.js';

export const MAX_IN_FLIGHT = 8;

interface Waiting {
  messages: ProduceMessage[];
  bytes: number;
  resolve(): void;
  reject(err: unknown): void;
}

export type CombinedSend = (topic: string, messages: ProduceMessage[]) => Promise<void>;

export function produceCombiner(
  maxBytes: number,
  produce: (topic: string, messages: ProduceMessage[]) => Promise<void>,
): CombinedSend {
  const queues = new Map<string, { waiting: Waiting[]; inFlight: number; gathering: boolean }>();

  function flush(topic: string): void {
    const q = queues.get(topic);
    if (q === undefined) return;
    while (q.inFlight < MAX_IN_FLIGHT && q.waiting.length > 0) {
      const taken: Waiting[] = [];
      let bytes = BATCH_OVERHEAD_BYTES;
      while (q.waiting.length > 0) {
        const next = q.waiting[0] as Waiting;
        if (taken.length > 0 && bytes + next.bytes > maxBytes) break;
        taken.push(next);
        bytes += next.bytes;
        q.waiting.shift();
      }
      q.inFlight++;
      produce(
        topic,
        taken.flatMap((w) => w.messages),
      )
        .then(
          () => {
            for (const w of taken) w.resolve();
          },
          (err: unknown) => {
            for (const w of taken) w.reject(err);
          },
        )
        .finally(() => {
          q.inFlight--;
          flush(topic);
        });
    }
  }

  return (topic, messages) =>
    new Promise<void>((resolve, reject) => {
      let q = queues.get(topic);
      if (q === undefined) {
        q = { waiting: [], inFlight: 0, gathering: false };
        queues.set(topic, q);
      }
      let bytes = 0;
      for (const m of messages) bytes += recordBytes(m);
      q.waiting.push({ messages, bytes, resolve, reject });
      if (q.gathering) return;
      q.gathering = true;
      const gathered = q;
      setImmediate(() => {
        gathered.gathering = false;
        flush(topic);
      });
    });
}
