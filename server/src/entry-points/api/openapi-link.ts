/** The paths of All my browsers (routes/me-link.ts) in the OpenAPI document. */
import { error, type JsonObject, json, ref, bearer as security } from './openapi-parts.js';

const date = (name: string, description: string): JsonObject => ({
  name,
  in: 'query',
  required: true,
  description,
  schema: { type: 'string', format: 'date' },
});

export function linkPaths(): Record<string, JsonObject> {
  return {
    '/api/v1/me/link-code': {
      post: {
        summary: 'A single-use code (10 minutes) another browser enters to link with this one',
        security,
        responses: {
          '201': { description: 'The code', ...json('LinkCode') },
          '401': error('unauthorized'),
          '403': error('device_deleted or device_revoked'),
          '429': error('rate_limited'),
          '503': error('unavailable'),
        },
      },
    },
    '/api/v1/me/link': {
      get: {
        summary: "This browser's person and its linked browsers",
        security,
        responses: {
          '200': { description: 'The link (personId null: not linked)', ...json('LinkState') },
          '401': error('unauthorized'),
          '403': error('device_deleted'),
          '429': error('rate_limited'),
          '503': error('unavailable'),
        },
      },
      post: {
        summary: "Link this browser with the code's browser (persons merge)",
        security,
        requestBody: { required: true, ...json('LinkRequest') },
        responses: {
          '200': { description: 'Linked', ...json('LinkState') },
          '400': error('invalid_link_code, invalid_json or invalid_request'),
          '401': error('unauthorized'),
          '403': error(
            'device_deleted, device_revoked, or link_limit: the person would have more browsers than the server links (LINK_MAX_BROWSERS); nothing changed',
          ),
          '415': error('unsupported_media_type'),
          '429': error(
            'rate_limited: too many wrong codes, or right codes refused with link_limit (see Retry-After)',
          ),
          '503': error('unavailable'),
        },
      },
      delete: {
        summary: 'Unlink this browser, or with {deviceId} another browser of its person',
        security,
        requestBody: { required: false, ...json('UnlinkRequest') },
        responses: {
          '200': { description: "The caller's link afterwards", ...json('LinkState') },
          '400': error('invalid_json or invalid_request'),
          '401': error('unauthorized'),
          '403': error('device_deleted'),
          '404': error("not_linked: deviceId is not a browser of the caller's person"),
          '415': error('unsupported_media_type'),
          '429': error('rate_limited'),
          '503': error('unavailable'),
        },
      },
    },
    '/api/v1/me/summary': {
      get: {
        summary:
          "Per day (in tz), domain and browser: active time and visits of the caller's linked browsers",
        security,
        parameters: [
          date('from', 'The first day, YYYY-MM-DD'),
          date('to', 'The last day (included), YYYY-MM-DD; at most 400 days from from'),
          {
            name: 'tz',
            in: 'query',
            required: true,
            description: 'IANA time zone name the days are in, e.g. Europe/Berlin',
            schema: { type: 'string' },
          },
          {
            name: 'v',
            in: 'query',
            required: false,
            description:
              'The answer: 1 (the default) a Summary, rows as objects sorted by date, domain and browser; 2 a CompactSummary, rows as arrays of numbers, each domain named once (a seventh of the bytes)',
            schema: { type: 'string', enum: ['1', '2'] },
          },
          {
            name: 'since',
            in: 'query',
            required: false,
            description:
              "An earlier answer's cursor: only the days changed since and the days the cursor's range lacked (complete false, changed listing each day and browser whose rows replace the cached ones; the client drops its cached days outside from..to); the whole range (complete true) when the cursor's range has no day of this one, or is of another tz or set of linked browsers, or its snapshot is ahead of the database's. Opaque and sealed: a since the client made or changed, or one sealed with another key, is refused with 400",
            schema: { type: 'string', maxLength: 16384 },
          },
        ],
        responses: {
          '200': {
            description:
              "The figures (gzip-encoded when the client accepts it and they are large), with each browser's watermark (appliedThrough): the receivedAt of its latest batch they hold. In Kafka mode a batch is written after it was acknowledged: the caller adds its own acknowledged visits past the watermark; the other browsers' figures are as old as the consumer's lag",
            content: {
              'application/json': {
                schema: { oneOf: [ref('Summary'), ref('CompactSummary')] },
              },
            },
          },
          '400': error(
            'invalid_request: a malformed date, to before from, over 400 days, an unknown tz, a v other than 1 or 2, a since that is not a cursor of this server (made or changed by the client, sealed with another key, as every cursor from before a restore is, or from before cursors were sealed): ask again without since',
          ),
          '401': error('unauthorized'),
          '403': error('device_deleted'),
          '429': error('rate_limited'),
          '503': error('unavailable'),
        },
      },
    },
  };
}
