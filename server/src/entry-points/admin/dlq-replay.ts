import type { Logger } from '../../logger.js';
import type { StoredDeadLetter } from '../../messaging/dead-letter.js';
import { type KafkaSettings, readDeadLetters } from '../../messaging/kafka.js';

/** One line per dead letter: where it is, its key, where it came from and why it failed. */
export function describeDeadLetter(dlqTopic: string, l: StoredDeadLetter): string {
  const h = l.headers;
  const index = h['source-index'] === undefined ? '' : `#${h['source-index']}`;
  const from = `${h['source-topic'] ?? '?'}/${h['source-partition'] ?? '?'}/${h['source-offset'] ?? '?'}${index}`;
  const reason = (h.reason ?? '(no reason)').replace(/\s+/g, ' ');
  return `${dlqTopic}/${l.partition}/${l.offset}  key=${l.key ?? '-'}  from=${from}  ${reason}`;
}

/**
 * `dlq replay`: lists the dead letters not replayed yet (at most `limit`);
 * unless a dry run, produces them onto the topic and marks them replayed.
 */
export async function replayDeadLetters(
  settings: KafkaSettings,
  log: Logger,
  opts: { dryRun: boolean; limit: number | undefined },
  print: (line: string) => void,
): Promise<{ replayed: number; pending: number }> {
  const run = await readDeadLetters(settings, log, opts.limit ?? Number.MAX_SAFE_INTEGER);
  const route = `from ${settings.dlqTopic} onto ${settings.topic}`;
  try {
    if (run.pending === 0) {
      print(`nothing to replay ${route}`);
      return { replayed: 0, pending: 0 };
    }
    for (const letter of run.letters) print(describeDeadLetter(settings.dlqTopic, letter));
    const n = run.letters.length;
    if (opts.dryRun) {
      print(`dry run: would replay ${n} of ${run.pending} dead letters ${route}; nothing changed`);
      return { replayed: 0, pending: run.pending };
    }
    await run.replay();
    print(`replayed ${n} dead letters ${route}; ${run.pending - n} left`);
    return { replayed: n, pending: run.pending - n };
  } finally {
    await run.close();
  }
}
