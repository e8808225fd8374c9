import { type RequestHandler, Router } from 'express';
import type { EraseResult } from '#protocol';
import { eraseDeviceVisits, parseEraseQuery } from '../../../domain/visit-erase.js';
import type { ApiDeps } from '../deps.js';
import { deviceIdOf, requireDevice } from '../middleware/auth.js';

/** /api/v1/me/visits: the device's own visits, erased by site and/or time range. */
export function meVisitsRouter(deps: ApiDeps, deviceLimit: RequestHandler): Router {
  const router = Router();
  router.delete(
    '/',
    requireDevice(deps.auth, { allowRevoked: true }),
    deviceLimit,
    async (req, res) => {
      const filter = parseEraseQuery(req.query as Record<string, unknown>);
      const deletedVisits = await eraseDeviceVisits(deps.pool, deviceIdOf(res.locals), filter);
      const body: EraseResult = { deletedVisits };
      res.status(200).json(body);
    },
  );
  return router;
}
