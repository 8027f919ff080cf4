/** Which APIs are enabled in a project (Service Usage v1 `services:batchGet`). */
import { serviceusage_v1 } from 'googleapis/build/src/apis/serviceusage/v1';
import type { GoogleApiAuth } from './auth';
import { apiRoot, resolveEndpoints, type GoogleEndpoints } from './endpoints';
import { googleRemoteError, withPropagationRetry, type RetryOptions } from './errors';

/** batchGet accepts at most 30 names per call. */
const BATCH = 30;

/**
 * `{ "gmail.googleapis.com": true, ... }` for the given services. Enabled here means the control
 * plane says ENABLED; the API may still answer SERVICE_DISABLED for a few minutes (docs/google-cloud.md).
 */
export async function enabledServices(
  auth: GoogleApiAuth,
  projectId: string,
  services: string[],
  opts: { endpoints?: Partial<GoogleEndpoints>; retry?: RetryOptions } = {},
): Promise<Record<string, boolean>> {
  const api = new serviceusage_v1.Serviceusage({ auth, rootUrl: apiRoot(resolveEndpoints(opts.endpoints).serviceUsage) });
  const result: Record<string, boolean> = Object.fromEntries(services.map((s) => [s, false]));
  for (let i = 0; i < services.length; i += BATCH) {
    const names = services.slice(i, i + BATCH).map((s) => `projects/${projectId}/services/${s}`);
    let res;
    try {
      res = await withPropagationRetry(() => api.services.batchGet({ parent: `projects/${projectId}`, names }), opts.retry);
    } catch (e) {
      throw googleRemoteError(`reading enabled APIs of project ${projectId}`, e, {
        PERMISSION_DENIED: `Project ${projectId} does not exist or the caller lacks serviceusage.services.get on it (deploy the tenant stack first).`,
      });
    }
    for (const svc of res.data.services ?? []) {
      const id = svc.config?.name ?? svc.name?.split('/').pop();
      if (id && id in result) result[id] = svc.state === 'ENABLED';
    }
  }
  return result;
}
