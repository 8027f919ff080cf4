/**
 * Google credentials for gwkit: Application Default Credentials, optionally impersonating a
 * service account, with the cloud-platform scope.
 *
 * google-auth-library 10.5 facts this relies on (checked in its sources):
 * - `clientOptions` is passed to the client ADC builds; `UserRefreshClient` (ADC type
 *   `authorized_user`, what `gcloud auth application-default login` writes) takes
 *   `endpoints.oauth2TokenUrl` from it and refreshes against that URL.
 * - `clientOptions.transporterOptions` become the defaults of the client's gaxios instance, and
 *   googleapis sends API calls through `authClient.request`, so one `fetchImplementation`
 *   (extra CA, transport.ts) covers token refreshes and API calls alike.
 * - A service-account key file (JWT) gets its token URL from gtoken, not from `endpoints`: the
 *   token override only applies to `authorized_user` and impersonation.
 */
import { GoogleAuth, Impersonated } from 'google-auth-library';
import { resolveEndpoints, type GoogleEndpoints } from './endpoints';
import { fetchFor, type TlsTrustOptions } from './transport';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export interface CreateGoogleAuthOptions extends TlsTrustOptions {
  endpoints?: Partial<GoogleEndpoints>;
  /** Service account e-mail to impersonate (needs roles/iam.serviceAccountTokenCreator). */
  impersonateServiceAccount?: string;
  /** Project billed for quota (x-goog-user-project), needed by some APIs with user credentials. */
  quotaProject?: string;
  /** A credentials JSON file instead of ADC discovery (same formats as GOOGLE_APPLICATION_CREDENTIALS). */
  keyFile?: string;
}

/** Placeholder default project: see createGoogleAuth; never sent to Google by gwkit's calls. */
const NO_DEFAULT_PROJECT = 'gwkit-no-default-project';

/** What the gwkit Google modules take as `auth`; googleapis accepts it directly. */
export type GoogleApiAuth = GoogleAuth;

/**
 * Build the credentials. Asynchronous because impersonation needs the resolved source client;
 * no network call happens here for `authorized_user` / key files (tokens are fetched lazily).
 */
export async function createGoogleAuth(opts: CreateGoogleAuthOptions = {}): Promise<GoogleApiAuth> {
  const endpoints = resolveEndpoints(opts.endpoints);
  // Always our fetch (see transport.ts): CA trust plus no dynamic import of node-fetch.
  const transporterOptions = { fetchImplementation: fetchFor(opts) };
  const clientOptions = {
    endpoints: { oauth2TokenUrl: endpoints.oauth2Token },
    transporterOptions,
    ...(opts.quotaProject ? { quotaProjectId: opts.quotaProject } : {}),
  };
  const adc = new GoogleAuth({
    scopes: [CLOUD_PLATFORM_SCOPE],
    keyFile: opts.keyFile,
    clientOptions,
    // gwkit always names projects explicitly and never asks GoogleAuth for a default one. Without a
    // value here, ADC discovery runs `gcloud config config-helper` and probes the GCE metadata
    // server (~2.5 s off GCE, on every run) just to find a default project id.
    projectId: opts.quotaProject ?? NO_DEFAULT_PROJECT,
  });
  if (!opts.impersonateServiceAccount) {
    if (opts.quotaProject) {
      // UserRefreshClient.fromJSON overwrites quotaProjectId with the file's value: set it after.
      const client = await adc.getClient();
      client.quotaProjectId = opts.quotaProject;
    }
    return adc;
  }
  const sourceClient = await adc.getClient();
  const impersonated = quietly(
    () =>
      new Impersonated({
        sourceClient,
        targetPrincipal: opts.impersonateServiceAccount,
        targetScopes: [CLOUD_PLATFORM_SCOPE],
        lifetime: 3600,
        delegates: [],
        endpoint: endpoints.iamCredentials.replace(/\/+$/, ''),
        endpoints: { oauth2TokenUrl: endpoints.oauth2Token },
        transporterOptions,
        ...(opts.quotaProject ? { quotaProjectId: opts.quotaProject } : {}),
      }),
  );
  return new GoogleAuth({ authClient: impersonated });
}

/**
 * google-auth-library 11 warns on every `Impersonated` construction that the credential
 * configuration is not validated (a risk for configurations from untrusted sources). Ours is built
 * here from gwkit.yaml, which is the operator's own: the warning would only alarm users, so that one
 * message is dropped; any other warning still shows.
 */
function quietly<T>(build: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('The `Impersonated` constructor does not validate')) return;
    warn(...args);
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}
