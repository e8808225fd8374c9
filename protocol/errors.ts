import { z } from 'zod';

/** Every error code the API answers with; the HTTP status for each is fixed. */
export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_batch: 400,
  invalid_request: 400,
  /** POST /api/v1/me/link: no unused, unexpired code of another device on this server. */
  invalid_link_code: 400,
  /** The batch's sentAt is further from the server's clock than the server corrects. */
  clock_skew: 400,
  unauthorized: 401,
  enrollment_required: 403,
  device_deleted: 403,
  /** An administrator revoked this device (`admin devices revoke`): its token works no more. */
  device_revoked: 403,
  /** The enrolment code presented in X-Enrollment-Key passed its expiry. */
  enrollment_expired: 403,
  /** The enrolment code registered as many devices as it allows. */
  enrollment_used_up: 403,
  /** An administrator revoked the enrolment code. */
  enrollment_revoked: 403,
  /** The study of the device's cohort ended: events are refused, those sent before stay. */
  study_ended: 403,
  /** POST /api/v1/me/link: the link would pass the browsers one person may link (nothing changed). */
  link_limit: 403,
  /** POST /api/v1/withdraw: the secret is not this device's withdrawal secret (nothing erased). */
  withdrawal_refused: 403,
  not_found: 404,
  /** DELETE /api/v1/me/link: the deviceId given is not a device of the caller's person. */
  not_linked: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  /** The device stored its rows or bytes for the UTC day; Retry-After: seconds to midnight UTC. */
  quota_exceeded: 429,
  /** As many devices registered today (or in all) as the server allows; see Retry-After. */
  registration_limit: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export const ErrorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]);

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'ErrorBody' });

export type ErrorBody = z.infer<typeof ErrorBodySchema>;

/** One line naming each schema issue with its path: the message of a 400 or a rejected event. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
