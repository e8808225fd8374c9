import { Router } from 'express';
import { DeviceRegistrationSchema, describeIssues } from '#protocol';
import { registerDevice } from '../../../domain/devices.js';
import { AppError } from '../../../domain/errors.js';
import type { ApiDeps } from '../deps.js';
import { jsonBody } from '../middleware/json-body.js';

export function devicesRouter(deps: ApiDeps): Router {
  const router = Router();
  router.post('/', ...jsonBody(16 * 1024), async (req, res) => {
    const parsed = DeviceRegistrationSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new AppError('invalid_request', describeIssues(parsed.error), parsed.error.issues);
    }
    const registered = await registerDevice(deps.pool, parsed.data, {
      userAgent: req.get('user-agent'),
      enrollmentKey: deps.config.enrollmentKey,
      presentedKey: req.get('x-enrollment-key'),
      registrations: deps.config.registrations,
      now: deps.now(),
    });
    res.status(201).json(registered);
  });
  return router;
}
