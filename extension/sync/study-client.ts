/**
 * The device's enrolment and its withdrawal: GET /api/v1/me (cohort, study end),
 * POST /api/v1/withdraw (erase with the withdrawal secret), DELETE /api/v1/me (erase with the
 * token), and the uninstall page's URL.
 */
import {
  type DeviceInfo,
  DeviceInfoSchema,
  type EraseResult,
  EraseResultSchema,
  type WithdrawResult,
  WithdrawResultSchema,
} from '#protocol';
import { type ApiError, apiUrl, type HttpDeps, requestJson } from './http.js';

/** The sync error codes that stop sending for good (until the person sets sync up again). */
export const STOP_CODES = ['study_ended', 'device_revoked'] as const;
export type StopCode = (typeof STOP_CODES)[number];

export function isStopCode(code: string | null | undefined): code is StopCode {
  return (STOP_CODES as readonly (string | null | undefined)[]).includes(code);
}

/** GET /api/v1/me with the device's token: its cohort and study end, or why not. */
export function fetchDeviceInfo(
  deps: HttpDeps & { token: string },
): Promise<DeviceInfo | ApiError> {
  const init = { method: 'GET', token: deps.token };
  return requestJson(deps, '/api/v1/me', init, DeviceInfoSchema, 'a readable device');
}

/** POST /api/v1/withdraw: erases the device's data on the server with its withdrawal secret. */
export function postWithdrawal(
  deps: HttpDeps & { deviceId: string; secret: string },
): Promise<WithdrawResult | ApiError> {
  const init = { method: 'POST', body: { deviceId: deps.deviceId, secret: deps.secret } };
  return requestJson(deps, '/api/v1/withdraw', init, WithdrawResultSchema, 'a withdrawal result');
}

/** DELETE /api/v1/me with the device's token: the device and its data erased on the server. */
export function deleteDevice(deps: HttpDeps & { token: string }): Promise<EraseResult | ApiError> {
  const init = { method: 'DELETE', token: deps.token };
  return requestJson(deps, '/api/v1/me', init, EraseResultSchema, 'a count of the visits erased');
}

/**
 * The withdrawal page for the browser to open when the extension is removed. The secret
 * goes in the fragment only: browsers never send a fragment to the server or in a Referer.
 */
export function withdrawalPageUrl(baseUrl: string, deviceId: string, secret: string): string {
  const fragment = new URLSearchParams({ d: deviceId, s: secret }).toString();
  return `${apiUrl(baseUrl, '/withdraw')}#${fragment}`;
}
