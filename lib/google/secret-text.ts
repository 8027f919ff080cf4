/**
 * A secret kept in Secret Manager as plain text (e.g. the PBX password an operator stored with
 * `gcloud secrets versions add`). The value is returned, never logged or put in messages.
 */
import { secretmanager_v1 } from 'googleapis/build/src/apis/secretmanager/v1';
import type { GoogleApiAuth } from './auth';
import { apiRoot, resolveEndpoints, type GoogleEndpoints } from './endpoints';
import { googleRemoteError } from './errors';
import { payloadBytes } from './secret-payload';

export async function accessSecretText(
  auth: GoogleApiAuth,
  name: string,
  opts: { endpoints?: Partial<GoogleEndpoints> } = {},
): Promise<string> {
  const version = /\/versions\//.test(name) ? name : `${name}/versions/latest`;
  const api = new secretmanager_v1.Secretmanager({ auth, rootUrl: apiRoot(resolveEndpoints(opts.endpoints).secretManager) });
  let payload;
  try {
    payload = (await api.projects.secrets.versions.access({ name: version })).data.payload;
  } catch (e) {
    throw googleRemoteError(`reading secret ${version}`, e, {
      NOT_FOUND: 'The secret or version does not exist (check pbx.login.passwordSecret).',
      PERMISSION_DENIED: 'The caller needs roles/secretmanager.secretAccessor on it.',
    });
  }
  const data = payloadBytes(version, payload);
  // `gcloud secrets versions add --data-file` keeps a trailing newline; a password has none.
  return data.toString('utf8').replace(/\r?\n$/, '');
}
