import { type RequestHandler, Router } from 'express';
import { describeIssues, EventBatchSchema, type IngestResult, LIMITS } from '#protocol';
import { addRejected } from '../../../data-access/device-pipeline-repo.js';
import { AppError } from '../../../domain/errors.js';
import { prepareBatch } from '../../../domain/ingest.js';
import { deliverWithinQuota } from '../../../domain/quota.js';
import { parseUserAgent } from '../../../domain/user-agent.js';
import { cohortLabel } from '../../../metrics.js';
import type { ApiDeps } from '../deps.js';
import { deviceIdOf, deviceOf, requireDevice, requireStudyOpen } from '../middleware/auth.js';
import { jsonBody } from '../middleware/json-body.js';

/**
 * The request's `seq`: the device's own number for the batch, a whole number from 1 to 2^53-1
 * (undefined: none sent). It only orders the device's own batches, so any value is the
 * device's own business; a malformed one refuses the request (nothing accepted).
 */
function batchSeq(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' && /^[1-9][0-9]{0,15}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new AppError(
      'invalid_request',
      'seq must appear once, as a whole number from 1 to 9007199254740991; nothing was accepted',
    );
  }
  return n;
}

/** `deviceLimit`: the app's one per-device limiter, shared with the other device routes. */
export function eventsRouter(deps: ApiDeps, deviceLimit: RequestHandler): Router {
  const router = Router();
  // Authenticate and rate-limit before reading a body of up to 1 MiB.
  router.post(
    '/',
    requireDevice(deps.auth),
    requireStudyOpen(() => deps.now()),
    deviceLimit,
    ...jsonBody(LIMITS.maxBodyBytes),
    async (req, res) => {
      const receivedAt = deps.now();
      const seq = batchSeq(req.query.seq);
      const envelope = EventBatchSchema.safeParse(req.body);
      if (!envelope.success) {
        throw new AppError(
          'invalid_batch',
          `The batch envelope is invalid, nothing was accepted: ${describeIssues(envelope.error)}`,
          envelope.error.issues,
        );
      }
      const stop = deps.metrics.deliverDuration.startTimer({ sink: deps.sinkName });
      const { records, rejected } = prepareBatch(envelope.data, {
        deviceId: deviceIdOf(res.locals),
        receivedAt,
        ...(seq === undefined ? {} : { seq }),
        userAgent: parseUserAgent(req.get('user-agent')),
        retentionDays: deps.config.retentionDays,
        maxClockSkewMs: deps.config.maxClockSkewDays * 86_400_000,
      });
      // 2xx only once the accepted records are durable (Kafka acks=all, or PostgreSQL committed).
      await deliverWithinQuota(deps, records, {
        deviceId: deviceIdOf(res.locals),
        receivedAt,
        quota: deps.config.quota,
      }).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'quota_exceeded') {
          deps.metrics.quotaRefusals.inc();
        }
        throw err;
      });
      stop();
      // seq (else receivedAt) orders the batch among the device's: the summary's watermark
      // (domain/summary.ts). Echoed so the client knows this server ordered by it.
      const result: IngestResult = {
        accepted: records.length,
        rejected,
        receivedAt: receivedAt.toISOString(),
        ...(seq === undefined ? {} : { seq }),
      };
      deps.metrics.eventsAccepted.inc(result.accepted);
      deps.metrics.cohortEventsAccepted.inc(
        { cohort: cohortLabel(deps.metrics, deviceOf(res.locals).cohort) },
        result.accepted,
      );
      for (const r of result.rejected) deps.metrics.eventsRejected.inc({ code: r.code });
      if (rejected.length > 0) {
        // Per device, for the Devices dashboard: a database that cannot take it now loses the
        // figure (Prometheus still counts it), never the batch.
        await addRejected(deps.pool, deviceIdOf(res.locals), rejected.length, receivedAt).catch(
          (err: unknown) => deps.log.warn({ err }, 'rejected events not counted per device'),
        );
      }
      res.status(200).json(result);
    },
  );
  return router;
}
