import { type DeviceRegistered, DeviceRegisteredSchema, type DeviceRegistration } from '#protocol';
import { clearSyncBlock, type TracksphereDb } from '../db/index.js';
import {
  type ApiError,
  apiError,
  apiUrl,
  fetchWithTimeout,
  type HttpDeps,
  isApiError,
  readApiError,
} from './http.js';

export interface RegisterDeps extends HttpDeps {
  db: TracksphereDb;
  /** Sent as X-Enrollment-Key when the server requires one. */
  enrollmentKey?: string;
}

/** Registration failed; `error.code` is the API's code (e.g. enrollment_required) or 'network'. */
export class RegistrationError extends Error {
  override name = 'RegistrationError';
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

/**
 * POST /api/v1/devices when the person turns sync on. Returns the device id and
 * token for the caller to store with the settings; a new registration also lifts
 * a 401/403 block and the backoff, so the outbox flows again with the new token.
 */
export async function registerDevice(
  deps: RegisterDeps,
  registration: DeviceRegistration,
): Promise<DeviceRegistered> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (deps.enrollmentKey !== undefined) headers['x-enrollment-key'] = deps.enrollmentKey;
  const res = await fetchWithTimeout(deps, apiUrl(deps.baseUrl, '/api/v1/devices'), {
    method: 'POST',
    headers,
    body: JSON.stringify(registration),
  });
  if (isApiError(res)) throw new RegistrationError(res);
  if (res.status !== 201) throw new RegistrationError(await readApiError(res));
  const parsed = DeviceRegisteredSchema.safeParse(await res.json().catch(() => null));
  if (!parsed.success) {
    throw new RegistrationError(
      apiError(
        'bad_response',
        'The server answered 201 without a device id and token.',
        res.status,
      ),
    );
  }
  await clearSyncBlock(deps.db);
  return parsed.data;
}
