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
    startedAt: isoTime,
    endedAt: isoTime,
    activeMs: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
    sessionId: z.uuid(),
    transition: TransitionSchema.nullable(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const start = Date.parse(v.startedAt);
    const end = Date.parse(v.endedAt);
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
