/**
 * Google Cloud Console deep links for the human step (docs/google-cloud.md: the Google Auth Platform pages
 * take the project as a query parameter).
 */
export interface ConsoleLinks {
  /** App name, support email, developer contact. */
  readonly branding: string;
  /** User type External, publishing status In production. */
  readonly audience: string;
  /** The OAuth clients list. */
  readonly clients: string;
  /** Create a Web application client. */
  readonly createClient: string;
  /** The project's API library (to check enablement). */
  readonly enabledApis: string;
}

export function consoleLinks(projectId: string): ConsoleLinks {
  const q = `?project=${encodeURIComponent(projectId)}`;
  const base = 'https://console.cloud.google.com';
  return {
    branding: `${base}/auth/branding${q}`,
    audience: `${base}/auth/audience${q}`,
    clients: `${base}/auth/clients${q}`,
    createClient: `${base}/auth/clients/create${q}`,
    enabledApis: `${base}/apis/dashboard${q}`,
  };
}

/** One OAuth client's page: where "Add secret", and "Disable" and "Enable" of each secret, are. */
export function consoleClientPage(projectId: string, clientId: string): string {
  return `https://console.cloud.google.com/auth/clients/${encodeURIComponent(clientId)}?project=${encodeURIComponent(projectId)}`;
}
