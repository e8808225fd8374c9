import { z } from 'zod';
import {
  CompactSummarySchema,
  DeviceInfoSchema,
  DeviceRegisteredSchema,
  DeviceRegistrationSchema,
  EraseResultSchema,
  ErrorBodySchema,
  EventBatchSchema,
  IngestResultSchema,
  LinkCodeSchema,
  LinkRequestSchema,
  LinkStateSchema,
  SummarySchema,
  UnlinkRequestSchema,
  VisitEventSchema,
  WithdrawRequestSchema,
  WithdrawResultSchema,
} from '#protocol';
import { linkPaths } from './openapi-link.js';
import { bearer, error, type JsonObject, json, ref } from './openapi-parts.js';

/**
 * The OpenAPI 3.1 document served at /api/v1/openapi.json, generated from the
 * same zod schemas that validate requests (OpenAPI 3.1 uses JSON Schema 2020-12).
 */
export function buildOpenApiDocument(): JsonObject {
  const schemas = [
    DeviceRegistrationSchema,
    DeviceRegisteredSchema,
    EventBatchSchema,
    VisitEventSchema,
    IngestResultSchema,
    EraseResultSchema,
    DeviceInfoSchema,
    WithdrawRequestSchema,
    WithdrawResultSchema,
    LinkCodeSchema,
    LinkRequestSchema,
    UnlinkRequestSchema,
    LinkStateSchema,
    SummarySchema,
    CompactSummarySchema,
    ErrorBodySchema,
  ];
  const registry = z.registry<{ id: string }>();
  for (const s of schemas) {
    const id = z.globalRegistry.get(s)?.id;
    if (typeof id === 'string') registry.add(s, { id });
  }
  const generated = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JsonObject> };
  const components: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(generated.schemas)) {
    const { $schema: _drop, $id: _id, ...rest } = schema;
    components[id] = rest;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tracksphere ingest API',
      version: '1.0.0',
      description: 'Receives visit batches from the Tracksphere extension.',
    },
    servers: [{ url: '/' }],
    components: {
      schemas: components,
      securitySchemes: {
        deviceToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'Token from POST /api/v1/devices',
        },
      },
    },
    paths: {
      '/api/v1/devices': {
        post: {
          summary: 'Register an install',
          parameters: [
            { name: 'X-Enrollment-Key', in: 'header', required: false, schema: { type: 'string' } },
          ],
          requestBody: { required: true, ...json('DeviceRegistration') },
          responses: {
            '201': { description: 'Registered', ...json('DeviceRegistered') },
            '400': error('invalid_json or invalid_request'),
            '403': error(
              'enrollment_required, or for an enrolment code enrollment_expired, enrollment_used_up or enrollment_revoked',
            ),
            '415': error('unsupported_media_type'),
            '429': error('rate_limited or registration_limit (see Retry-After)'),
            '503': error('unavailable'),
          },
        },
      },
      '/api/v1/events': {
        post: {
          summary: 'Send a batch of visits (body may be gzip-encoded)',
          security: bearer,
          parameters: [
            {
              name: 'seq',
              in: 'query',
              description:
                "The device's own number for the batch, above every earlier batch's (a retry keeps it): orders its batches for the summary's appliedSeq",
              schema: { type: 'integer', minimum: 1, maximum: 9007199254740991 },
            },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: ref('EventBatch'),
                'x-events-items': ref('VisitEvent'),
              },
            },
          },
          responses: {
            '200': {
              description:
                "Accepted, with per-event rejections, the batch's receivedAt (compared with the summary's appliedThrough) and its seq echoed (compared with appliedSeq)",
              ...json('IngestResult'),
            },
            '400': error(
              'invalid_json, invalid_batch, clock_skew or invalid_request (a malformed seq; nothing accepted)',
            ),
            '401': error('unauthorized'),
            '403': error('device_deleted, device_revoked or study_ended (nothing accepted)'),
            '413': error('payload_too_large'),
            '415': error('unsupported_media_type'),
            '429': error('rate_limited or quota_exceeded (see Retry-After)'),
            '503': error('unavailable (see Retry-After)'),
          },
        },
      },
      '/api/v1/me/export': {
        get: {
          summary: 'Everything the server holds about this device',
          security: bearer,
          responses: {
            '200': {
              description: 'One JSON object per line: the device record, then each visit',
              content: { 'application/x-ndjson': { schema: { type: 'string' } } },
            },
            '401': error('unauthorized'),
            '403': error('device_deleted or device_revoked'),
          },
        },
      },
      '/api/v1/me': {
        get: {
          summary: "This device's id, label, cohort and study end",
          security: bearer,
          responses: {
            '200': { description: 'The device', ...json('DeviceInfo') },
            '401': error('unauthorized'),
            '403': error('device_deleted or device_revoked'),
          },
        },
        delete: {
          summary: "Erase this device's server-side data",
          security: bearer,
          responses: {
            '200': { description: 'Erased', ...json('EraseResult') },
            '401': error('unauthorized'),
            '403': error('device_deleted or device_revoked'),
          },
        },
      },
      '/api/v1/me/visits': {
        delete: {
          summary:
            "Erase this device's visits of a site and/or a time range (at least one filter; idempotent)",
          security: bearer,
          parameters: [
            {
              name: 'domain',
              in: 'query',
              description: 'A host or registrable domain: it and every host under it',
              schema: { type: 'string' },
            },
            {
              name: 'from',
              in: 'query',
              description: 'ISO 8601 instant: visits that started at or after it',
              schema: { type: 'string', format: 'date-time' },
            },
            {
              name: 'to',
              in: 'query',
              description: 'ISO 8601 instant: visits that started before it',
              schema: { type: 'string', format: 'date-time' },
            },
          ],
          responses: {
            '200': { description: 'Erased (0 when nothing matched)', ...json('EraseResult') },
            '400': error('invalid_request: no filter, a malformed one, or to not after from'),
            '401': error('unauthorized'),
            '403': error('device_deleted or device_revoked'),
            '429': error('rate_limited'),
            '503': error('unavailable'),
          },
        },
      },
      ...linkPaths(),
      '/api/v1/withdraw': {
        post: {
          summary:
            'Erase a device with its withdrawal secret (from registration), without its token',
          requestBody: { required: true, ...json('WithdrawRequest') },
          responses: {
            '200': {
              description: 'Erased, or erased before (alreadyErased)',
              ...json('WithdrawResult'),
            },
            '400': error('invalid_json or invalid_request'),
            '403': error("withdrawal_refused: not the device's withdrawal secret; nothing erased"),
            '415': error('unsupported_media_type'),
            '429': error('rate_limited (see Retry-After)'),
            '503': error('unavailable'),
          },
        },
      },
      '/withdraw': {
        get: {
          summary:
            'The withdrawal page (HTML): /withdraw#d=<deviceId>&s=<withdrawalSecret>; its script POSTs /api/v1/withdraw',
          responses: {
            '200': {
              description: 'The page',
              content: { 'text/html': { schema: { type: 'string' } } },
            },
          },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: PostgreSQL (and Kafka when configured) reachable',
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Metrics' } } },
      },
    },
  };
}
