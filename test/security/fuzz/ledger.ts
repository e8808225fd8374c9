/**
 * The fuzz run's model of the server: which event ids it said it accepted,
 * per device. At the end the visits table must hold exactly these, once each.
 */
import { expect } from 'vitest';
import { ERROR_STATUS, ErrorBodySchema, IngestResultSchema, VisitEventSchema } from '#protocol';
import type { BuiltRequest } from './build-request.js';
import type { Intent } from './event-drafts.js';
import { type Expected, eventVerdict } from './oracle.js';
import type { RawResponse } from './raw-client.js';

/** JSON for failure messages; the deep-nesting case overflows JSON.stringify's stack. */
function show(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 300);
  } catch {
    return '(too deep to print)';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The instant an ISO time names, to the last digit it gives: whole seconds by
 * Date.parse, then the fraction's digits without trailing zeros.
 */
function exactStart(iso: string): string {
  const m = /^(.+T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(iso);
  if (m === null) throw new Error(`not a time of the schema's form: ${iso}`);
  return `${Date.parse(`${m[1]}${m[3]}`)}.${(m[2] ?? '').replace(/0+$/, '')}`;
}

export interface Tally {
  requests: number;
  byStatus: Record<number, number>;
  eventsChecked: number;
  eventsAccepted: number;
  eventsRejected: number;
  /** Events whose generator said valid or invalid and whose schema verdict agreed. */
  intentsConfirmed: number;
}

export class Ledger {
  readonly accepted = new Map<string, number>();
  readonly sentIds = new Set<string>();
  private readonly acceptedEvents = new Map<number, unknown[]>();
  readonly tally: Tally = {
    requests: 0,
    byStatus: {},
    eventsChecked: 0,
    eventsAccepted: 0,
    eventsRejected: 0,
    intentsConfirmed: 0,
  };

  /** An event this device had accepted before, to send again (or undefined). */
  earlierEvent(device: number, pick: number): unknown {
    const list = this.acceptedEvents.get(device) ?? [];
    return list.length === 0 ? undefined : list[pick % list.length];
  }

  /** Checks one answer against the oracle and records what it accepted. */
  record(
    device: number,
    built: BuiltRequest,
    expected: Expected,
    intents: readonly Intent[],
    res: RawResponse,
    sentMs: number,
    answeredMs: number,
  ): void {
    this.tally.requests += 1;
    this.tally.byStatus[res.status] = (this.tally.byStatus[res.status] ?? 0) + 1;
    for (const id of built.eventIds) this.sentIds.add(id.toLowerCase());
    const alternative =
      expected.status !== 200 && expected.or?.status === res.status ? expected.or : null;
    expect(res.status, res.text.slice(0, 300)).toBe(alternative?.status ?? expected.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body: unknown = JSON.parse(res.text);
    if (expected.status !== 200) {
      const error = ErrorBodySchema.parse(body).error;
      expect(error.code).toBe(alternative?.code ?? expected.code);
      expect(ERROR_STATUS[error.code]).toBe(res.status);
      return;
    }
    const result = IngestResultSchema.parse(body);
    const events = expected.events;
    expect(result.accepted + result.rejected.length).toBe(events.length);
    const rejectedAt = new Set<number>();
    let previous = -1;
    for (const r of result.rejected) {
      expect(r.index).toBeGreaterThan(previous);
      expect(r.index).toBeLessThan(events.length);
      previous = r.index;
      rejectedAt.add(r.index);
      // The rejection names the event by the id it was sent with (cut to 64), or null.
      const sent: unknown = events[r.index];
      const id = typeof sent === 'object' && sent !== null ? (sent as { id?: unknown }).id : null;
      expect(r.id).toBe(typeof id === 'string' ? id.slice(0, 64) : null);
    }
    // Of the events accepted in this request, the start of each id (lower-cased).
    const startOfId = new Map<string, string>();
    events.forEach((event, index) => {
      this.tally.eventsChecked += 1;
      let verdict = eventVerdict(event, expected.sentAt, sentMs, answeredMs);
      const visit = VisitEventSchema.safeParse(event);
      const id = visit.success ? visit.data.id.toLowerCase() : null;
      const start = visit.success ? exactStart(visit.data.startedAt) : null;
      // An id accepted earlier in the batch with another start: refused ("id already used").
      const first = id === null ? undefined : startOfId.get(id);
      if (first !== undefined && first !== start) verdict = 'invalid';
      const intent = intents[index] ?? 'either';
      if (intent !== 'either') {
        expect(verdict, `generator meant ${intent}: ${show(event)}`).not.toBe(
          intent === 'valid' ? 'invalid' : 'valid',
        );
        this.tally.intentsConfirmed += 1;
      }
      const wasAccepted = !rejectedAt.has(index);
      const detail = `event ${index} ${show(event)}`;
      if (wasAccepted) {
        expect(verdict, detail).not.toBe('invalid');
        if (id !== null && start !== null && first === undefined) startOfId.set(id, start);
        const parsed = VisitEventSchema.parse(event);
        this.accepted.set(parsed.id.toLowerCase(), device);
        const list = this.acceptedEvents.get(device) ?? [];
        list.push(event);
        this.acceptedEvents.set(device, list);
        this.tally.eventsAccepted += 1;
      } else {
        expect(verdict, detail).not.toBe('valid');
        this.tally.eventsRejected += 1;
      }
    });
  }

  /** Ids sent in some request but never accepted: none of them may be stored. */
  neverAccepted(): string[] {
    return [...this.sentIds].filter((id) => UUID.test(id) && !this.accepted.has(id));
  }
}
