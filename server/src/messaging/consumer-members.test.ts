/**
 * superviseMembers' schedule, with stand-in members (pure orchestration; the real kafkajs member
 * given up on and started again is test/server/consumer-member-restart.test.ts). The pauses are
 * read from its log, so the test does not time anything.
 */
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { type Member, superviseMembers } from './consumer-members.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A logger that keeps its lines, and the pauses the supervisor announced. */
function keptLog() {
  const lines: { msg: string; pauseMs?: number }[] = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  );
  const pauses = () =>
    lines.filter((l) => l.msg.startsWith('consumer member stopped')).map((l) => l.pauseMs);
  return { log, pauses };
}

/** Starts that succeed, each member given up on `upMs` after its start. */
function startsGivenUpAfter(upMs: number, starts: number[]) {
  return async (gaveUp: (error: unknown) => void): Promise<Member> => {
    starts.push(starts.length);
    setTimeout(() => gaveUp(new TypeError('the same record again')), upMs);
    return { disconnect: async () => undefined };
  };
}

it('pauses longer each time a member that started is given up on again at once', async () => {
  const { log, pauses } = keptLog();
  const starts: number[] = [];
  const members = await superviseMembers(1, startsGivenUpAfter(5, starts), log, {
    firstPauseMs: 10,
    maxPauseMs: 60,
  });
  while (starts.length < 6) await sleep(5);
  await members.stop();
  expect(pauses().slice(0, 5)).toEqual([10, 20, 40, 60, 60]);
});

it('pauses the first pause again once a member has stayed up the longest pause', async () => {
  const { log, pauses } = keptLog();
  const starts: number[] = [];
  const members = await superviseMembers(1, startsGivenUpAfter(80, starts), log, {
    firstPauseMs: 10,
    maxPauseMs: 60,
  });
  while (starts.length < 4) await sleep(5);
  expect(members.allRunning).toBe(true);
  await members.stop();
  expect(members.allRunning).toBe(false);
  expect(pauses().slice(0, 3)).toEqual([10, 10, 10]);
});
