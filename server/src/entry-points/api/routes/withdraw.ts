import { Router } from 'express';
import { describeIssues, WithdrawRequestSchema, type WithdrawResult } from '#protocol';
import { AppError } from '../../../domain/errors.js';
import { withdrawDevice } from '../../../domain/withdrawal.js';
import type { ApiDeps } from '../deps.js';
import { jsonBody } from '../middleware/json-body.js';
import { WITHDRAW_PAGE_CSP, WITHDRAW_PAGE_HTML } from '../withdraw-page.js';

/** POST /api/v1/withdraw: erase a device with its withdrawal secret (no token needed). */
export function withdrawRouter(deps: ApiDeps): Router {
  const router = Router();
  router.post('/', ...jsonBody(4 * 1024), async (req, res) => {
    const parsed = WithdrawRequestSchema.safeParse(req.body);
    if (!parsed.success) {
      throw new AppError('invalid_request', describeIssues(parsed.error), parsed.error.issues);
    }
    const body: WithdrawResult = await withdrawDevice(
      deps.pool,
      parsed.data.deviceId,
      parsed.data.secret,
    );
    res.status(200).json(body);
  });
  return router;
}

/** GET /withdraw: the page (withdraw-page.ts). The same bytes for every request. */
export function withdrawPage(): Router {
  const router = Router();
  router.get('/withdraw', (_req, res) => {
    res.setHeader('Content-Security-Policy', WITHDRAW_PAGE_CSP);
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.status(200).type('text/html; charset=utf-8').send(WITHDRAW_PAGE_HTML);
  });
  return router;
}
