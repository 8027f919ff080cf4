/**
 * Where the Google clients send their requests. Real Google unless a caller overrides a root
 * explicitly (the emulator, a private proxy): nothing here reads the environment, so an
 * emulator can never be picked up by accident.
 */
export interface GoogleEndpoints {
  /** OAuth 2.0 token endpoint (authorization-code, refresh-token grants; the token probe). */
  oauth2Token: string;
  /** OAuth 2.0 authorization (consent) endpoint. */
  authorization: string;
  /** API roots, with a trailing slash, as googleapis' `rootUrl` expects. */
  secretManager: string;
  serviceUsage: string;
  resourceManager: string;
  iamCredentials: string;
}

export const GOOGLE_ENDPOINTS: GoogleEndpoints = Object.freeze({
  oauth2Token: 'https://oauth2.googleapis.com/token',
  authorization: 'https://accounts.google.com/o/oauth2/v2/auth',
  secretManager: 'https://secretmanager.googleapis.com/',
  serviceUsage: 'https://serviceusage.googleapis.com/',
  resourceManager: 'https://cloudresourcemanager.googleapis.com/',
  iamCredentials: 'https://iamcredentials.googleapis.com/',
});

/** The real endpoints with the given overrides; every result must be an https URL. */
export function resolveEndpoints(overrides: Partial<GoogleEndpoints> = {}): GoogleEndpoints {
  const merged = { ...GOOGLE_ENDPOINTS };
  for (const [key, value] of Object.entries(overrides) as [keyof GoogleEndpoints, string | undefined][]) {
    if (value === undefined) continue;
    const url = new URL(value); // throws on garbage, which is a programming/config error
    if (url.protocol !== 'https:') throw new Error(`Google endpoint ${key} must be https, got ${value}`);
    merged[key] = value;
  }
  return merged;
}

/** Same as `resolveEndpoints`, for API roots: guarantees the trailing slash googleapis joins paths onto. */
export function apiRoot(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
