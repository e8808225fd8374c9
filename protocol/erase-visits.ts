import { z } from 'zod';
import { LIMITS } from './limits.js';
import { timeProblem } from './visit.js';

/**
 * DELETE /api/v1/me/visits: which of the calling device's visits to erase. At least one
 * filter; from/to bound the visit's start as the browser recorded it (startedAt), from
 * inclusive, to exclusive. `domain` erases that host and every host under it, so a
 * registrable domain ("example.com") erases the whole site (www.example.com, blog.example.com).
 */
export const EraseVisitsQuerySchema = z
  .object({
    domain: z
      .string()
      .min(1)
      .max(LIMITS.maxDomainLength)
      .regex(
        /^(\[[0-9a-f:.]+\]|[a-z0-9-]+(\.[a-z0-9-]+)*)$/,
        'must be a lower-case hostname or registrable domain (punycode for IDN), e.g. example.com',
      )
      .optional(),
    from: z.iso
      .datetime({ offset: true })
      .describe('Inclusive: visits that started at or after this instant')
      .optional(),
    to: z.iso
      .datetime({ offset: true })
      .describe('Exclusive: visits that started before this instant')
      .optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.domain === undefined && q.from === undefined && q.to === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'give at least one of domain, from, to (erasing everything is DELETE /api/v1/me)',
      });
    }
    for (const key of ['from', 'to'] as const) {
      const value = q[key];
      if (value === undefined) continue;
      const problem = timeProblem(value, Date.parse(value));
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
    if (q.from !== undefined && q.to !== undefined && !(Date.parse(q.from) < Date.parse(q.to))) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    }
  });

export type EraseVisitsQuery = z.infer<typeof EraseVisitsQuerySchema>;
