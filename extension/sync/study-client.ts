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
import {
  type ApiError,
  apiError,
  apiUrl,
  fetchWithTimeout,
  type HttpDeps,
  isApiError,
  readApiError,
} from './http.js';

/** The sync error codes that stop sending for good (until the person sets sync up again). */
export const STOP_CODES = ['study_ended', 'device_revoked'] as const;
export type StopCode = (typeof STOP_CODES)[number];

export function isStopCode(code: string | null | undefined): code is StopCode {
  return (STOP_CODES as readonly (string | null | undefined)[]).includes(code);
}

function badResponse(status: number, what: string): ApiError {
  return apiError('bad_response', `The server answered ${status} without ${what}.`, status);
}

/** GET /api/v1/me with the device's token: its cohort and study end, or why not. */
export async function fetchDeviceInfo(
  deps: HttpDeps & { token: string },
): Promise<DeviceInfo | ApiError> {
  const res = await fetchWithTimeout(deps, apiUrl(deps.baseUrl, '/api/v1/me'), {
    method: 'GET',
    headers: { authorization: `Bearer ${deps.token}` },
  });
  if (isApiError(res)) return res;
  if (!res.ok) return readApiError(res);
  const parsed = DeviceInfoSchema.safeParse(await res.json().catch(() => null));
  return parsed.success ? parsed.data : badResponse(res.status, 'a readable device');
}

/** POST /api/v1/withdraw: erases the device's data on the server with its withdrawal secret. */
export async function postWithdrawal(
  deps: HttpDeps & { deviceId: string; secret: string },
): Promise<WithdrawResult | ApiError> {
  const res = await fetchWithTimeout(deps, apiUrl(deps.baseUrl, '/api/v1/withdraw'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ deviceId: deps.deviceId, secret: deps.secret }),
  });
  if (isApiError(res)) return res;
  if (!res.ok) return readApiError(res);
  const parsed = WithdrawResultSchema.safeParse(await res.json().catch(() => null));
  return parsed.success ? parsed.data : badResponse(res.status, 'a withdrawal result');
}

/** DELETE /api/v1/me with the device's token: the device and its data erased on the server. */
export async function deleteDevice(
  deps: HttpDeps & { token: string },
): Promise<EraseResult | ApiError> {
  const res = await fetchWithTimeout(deps, apiUrl(deps.baseUrl, '/api/v1/me'), {
    method: 'DELETE',
    headers: { authorization: `Bearer ${deps.token}` },
  });
  if (isApiError(res)) return res;
  if (!res.ok) return readApiError(res);
  const parsed = EraseResultSchema.safeParse(await res.json().catch(() => null));
  return parsed.success ? parsed.data : badResponse(res.status, 'a count of the visits erased');
}

/**
 * The withdrawal page for the browser to open when the extension is removed. The secret
 * goes in the fragment only: browsers never send a fragment to the server or in a Referer.
 */
export function withdrawalPageUrl(baseUrl: string, deviceId: string, secret: string): string {
  const fragment = new URLSearchParams({ d: deviceId, s: secret }).toString();
  return `${apiUrl(baseUrl, '/withdraw')}#${fragment}`;
}
