import type { ServerResponse } from 'node:http';
import { type RequestHandler, Router } from 'express';
import type { DeviceInfo, EraseResult } from '#protocol';
import { eraseDeviceData, exportDevice } from '../../../domain/devices.js';
import { describeDevice } from '../../../domain/enrollment.js';
import type { ApiDeps } from '../deps.js';
import { deviceIdOf, deviceOf, requireDevice } from '../middleware/auth.js';

/** `deviceLimit`: the app's one per-device limiter, shared with the other device routes. */
export function meRouter(deps: ApiDeps, deviceLimit: RequestHandler): Router {
  const router = Router();
  // Per route, not router.use(): a refusal is then counted under its route in /metrics.
  const device = [requireDevice(deps.auth, { allowRevoked: true }), deviceLimit];

  // The extension's view of its enrolment: cohort and study end (the study is over once
  // studyEnded; POST /events then answers 403 study_ended).
  router.get('/', ...device, async (_req, res) => {
    const body: DeviceInfo = await describeDevice(deps.pool, deviceOf(res.locals), deps.now());
    res.status(200).json(body);
  });

  router.get('/export', ...device, async (_req, res) => {
    // A client that goes away ends the export: no more pages are read for it.
    let gone = false;
    res.once('close', () => {
      gone = !res.writableFinished;
    });
    const lines = exportDevice(deps.pool, deviceIdOf(res.locals));
    // Read the first line before sending headers so a failure still gets an error body.
    const first = await lines.next();
    res.status(200).type('application/x-ndjson');
    res.setHeader('Content-Disposition', 'attachment; filename="tracksphere-export.ndjson"');
    if (first.done !== true) res.write(`${JSON.stringify(first.value)}\n`);
    // Leaving the loop early returns the generator, which stops its paging.
    for await (const line of lines) {
      if (gone) break;
      if (!res.write(`${JSON.stringify(line)}\n`)) await drainedOrClosed(res);
      if (gone) break;
    }
    if (gone) {
      deps.log.debug({ path: '/api/v1/me/export' }, 'export stopped: the client went away');
      return;
    }
    res.end();
  });

  router.delete('/', ...device, async (_req, res) => {
    const deletedVisits = await eraseDeviceData(deps.pool, deviceIdOf(res.locals));
    const body: EraseResult = { deletedVisits };
    res.status(200).json(body);
  });
  return router;
}

/** Resolves when the response can take more, or when it closed (then 'drain' never comes). */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
