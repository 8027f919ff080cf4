/** Look up a project (Resource Manager v3 `projects.get`). */
import { cloudresourcemanager_v3 } from 'googleapis/build/src/apis/cloudresourcemanager/v3';
import type { GoogleApiAuth } from './auth';
import { apiRoot, resolveEndpoints, type GoogleEndpoints } from './endpoints';
import { googleRemoteError, summarizeGoogleError, withPropagationRetry, type RetryOptions } from './errors';

export interface ProjectInfo {
  projectId: string;
  projectNumber: string;
  /** ACTIVE, DELETE_REQUESTED, ... */
  state: string;
}

/**
 * The project, or undefined when it does not exist *or is not visible to the caller*: Google
 * answers 403 for unknown project ids (so as not to reveal which ids exist), so the two cases
 * cannot be told apart. 404 (also seen) is treated the same.
 */
export async function getProject(
  auth: GoogleApiAuth,
  projectId: string,
  opts: { endpoints?: Partial<GoogleEndpoints>; retry?: RetryOptions } = {},
): Promise<ProjectInfo | undefined> {
  const api = new cloudresourcemanager_v3.Cloudresourcemanager({
    auth,
    rootUrl: apiRoot(resolveEndpoints(opts.endpoints).resourceManager),
  });
  try {
    const { data } = await withPropagationRetry(() => api.projects.get({ name: `projects/${projectId}` }), opts.retry);
    return {
      projectId: data.projectId ?? projectId,
      projectNumber: (data.name ?? '').replace(/^projects\//, ''),
      state: data.state ?? 'STATE_UNSPECIFIED',
    };
  } catch (e) {
    const s = summarizeGoogleError(e);
    if (s.httpStatus === 404 || (s.status === 'PERMISSION_DENIED' && s.reason !== 'SERVICE_DISABLED')) return undefined;
    throw googleRemoteError(`reading project ${projectId}`, e);
  }
}
