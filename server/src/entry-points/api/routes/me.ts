import { type RequestHandler, Router } from 'express';
import type { EraseResult } from '#protocol';
import { eraseDeviceData, exportDevice } from '../../../domain/devices.js';
import type { ApiDeps } from '../deps.js';
import { deviceIdOf, requireDevice } from '../middleware/auth.js';

/** `deviceLimit`: the app's one per-device limiter, shared with the other device routes. */
export function meRouter(deps: ApiDeps, deviceLimit: RequestHandler): Router {
  const router = Router();
  router.use(requireDevice(deps.pool), deviceLimit);

  router.get('/export', async (_req, res) => {
    const lines = exportDevice(deps.pool, deviceIdOf(res.locals));
    // Read the first line before sending headers so a failure still gets an error body.
    const first = await lines.next();
    res.status(200).type('application/x-ndjson');
    res.setHeader('Content-Disposition', 'attachment; filename="tracksphere-export.ndjson"');
    if (first.done !== true) res.write(`${JSON.stringify(first.value)}\n`);
    for await (const line of lines) {
      if (!res.write(`${JSON.stringify(line)}\n`)) {
        await new Promise<void>((resolve) => res.once('drain', resolve));
      }
    }
    res.end();
  });

  router.delete('/', async (_req, res) => {
    const deletedVisits = await eraseDeviceData(deps.pool, deviceIdOf(res.locals));
    const body: EraseResult = { deletedVisits };
    res.status(200).json(body);
  });
  return router;
}
