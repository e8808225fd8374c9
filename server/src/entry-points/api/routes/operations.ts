import { Router } from 'express';
import type { ApiDeps } from '../deps.js';

/** /healthz (process up), /readyz (dependencies reachable), /metrics (Prometheus). */
export function operationsRouter(deps: Pick<ApiDeps, 'readiness' | 'metrics'>): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await deps.readiness();
    const down = Object.entries(checks)
      .filter(([, ok]) => !ok)
      .map(([name]) => name);
    if (down.length === 0) {
      res.status(200).json({ status: 'ready', checks });
      return;
    }
    res.status(503).json({
      error: {
        code: 'unavailable',
        message: `Not ready: ${down.join(' and ')} unreachable.`,
        details: checks,
      },
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
