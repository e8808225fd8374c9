import { z } from 'zod';
import { LIMITS } from './limits.js';

/**
 * How the page was reached: the browsers' webNavigation transition types, plus
 * `spa` for a single-page-app history change.
 */
export const TRANSITIONS = [
  'link',
  'typed',
  'auto_bookmark',
  'auto_subframe',
  'manual_subframe',
  'generated',
  'start_page',
  'form_submit',
  'reload',
  'keyword',
  'keyword_generated',
  'spa',
] as const;

export const TransitionSchema = z.enum(TRANSITIONS);
export type Transition = z.infer<typeof TransitionSchema>;

const isoTime = z.iso.datetime({ offset: true });

const MAX_OFFSET = `${Math.floor(LIMITS.maxUtcOffsetMinutes / 60)}:${String(LIMITS.maxUtcOffsetMinutes % 60).padStart(2, '0')}`;
const TIME_RANGE = `An instant from ${LIMITS.earliestTime} to ${LIMITS.latestTime}, with a UTC offset of at most ${MAX_OFFSET} and at most ${LIMITS.maxFractionDigits} digits after the second's decimal point`;
const EARLIEST_MS = Date.parse(LIMITS.earliestTime);
const LATEST_MS = Date.parse(LIMITS.latestTime);
const MAX_ACTIVE = `${LIMITS.maxVisitActiveMs} ms (${LIMITS.maxVisitActiveMs / 86_400_000} days, LIMITS.maxVisitActiveMs)`;

/**
 * Why an ISO time (already of isoTime's form) that Date.parse read as `ms` is
 * out of LIMITS' range, or undefined. The offset is the form's last six
 * characters (±hh:mm) unless it ends in Z; a '.' starts the fraction. Every time the API reads
 * goes through it (events, and the erase's bounds): an offset PostgreSQL cannot read would be a
 * 500, not the 400 that says what was wrong.
 */
export function timeProblem(iso: string, ms: number): string | undefined {
  if (!(ms >= EARLIEST_MS && ms <= LATEST_MS)) {
    return `must be an instant from ${LIMITS.earliestTime} to ${LIMITS.latestTime}`;
  }
  const zulu = iso.endsWith('Z');
  const dot = iso.indexOf('.');
  if (dot !== -1 && (zulu ? iso.length - 1 : iso.length - 6) - dot - 1 > LIMITS.maxFractionDigits) {
    return `must have at most ${LIMITS.maxFractionDigits} digits after the second's decimal point`;
  }
  if (zulu) return undefined;
  const minutes = Number(iso.slice(-5, -3)) * 60 + Number(iso.slice(-2));
  return minutes > LIMITS.maxUtcOffsetMinutes
    ? `must have a UTC offset of at most ${MAX_OFFSET}`
    : undefined;
}

/** A hostname: lower-case letters, digits, dots, hyphens (punycode for IDN), or an IP literal. */
const domain = z
  .string()
  .min(1)
  .max(LIMITS.maxDomainLength)
  .regex(/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/, 'must be a lower-case hostname (punycode for IDN)')
  .describe(
    "The url's host as the WHATWG URL parser gives it, without trailing dots; any hostname when url is null",
  );

/** One visit: one page shown in a tab (DESIGN.md, "What a visit is"). */
export const VisitEventSchema = z
  .object({
    id: z.uuid(),
    type: z.literal('visit'),
    url: z
      .url({ protocol: /^https?$/ })
      .max(LIMITS.maxUrlLength)
      .nullable(),
    domain,
    title: z
      .string()
      .max(LIMITS.maxTitleLength)
      .refine((t) => !t.includes('\u0000'), 'must not contain NUL characters')
      .nullable(),
    startedAt: isoTime.describe(TIME_RANGE),
    endedAt: isoTime.describe(TIME_RANGE),
    activeMs: z
      .int()
      .min(0)
      .max(LIMITS.maxVisitActiveMs, `must be at most ${MAX_ACTIVE}`)
      .describe(`Milliseconds of attention: at most endedAt - startedAt and at most ${MAX_ACTIVE}`),
    sessionId: z.uuid(),
    transition: TransitionSchema.nullable(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const start = Date.parse(v.startedAt);
    const end = Date.parse(v.endedAt);
    const startProblem = timeProblem(v.startedAt, start);
    const endProblem = timeProblem(v.endedAt, end);
    if (startProblem !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['startedAt'], message: startProblem });
    }
    if (endProblem !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['endedAt'], message: endProblem });
    }
    if (startProblem !== undefined || endProblem !== undefined) return;
    if (end < start) {
      ctx.addIssue({ code: 'custom', path: ['endedAt'], message: 'endedAt is before startedAt' });
      return;
    }
    if (v.activeMs > end - start) {
      ctx.addIssue({
        code: 'custom',
        path: ['activeMs'],
        message: `activeMs ${v.activeMs} exceeds endedAt - startedAt (${end - start} ms)`,
      });
    }
  })
  .meta({ id: 'VisitEvent' });

export type VisitEvent = z.infer<typeof VisitEventSchema>;
