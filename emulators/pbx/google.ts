/**
 * What the emulated PBX does towards Google: build the consent link, exchange the code that comes
 * back, and refresh the token before sending mail. Google's token URL is configurable so tests and
 * the sandbox point it at the Google emulator; TLS to it is verified against the given CA.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, fetch } from 'undici';

/** Scopes the PBX asks for: mail (SMTP XOAUTH2), SSO, and user/directory sync. */
export const GOOGLE_SCOPES = [
  'https://mail.google.com/',
  'openid',
  'email',
  'profile',
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/directory.readonly',
];

export interface GoogleEndpoints {
  /** Default https://accounts.google.com/o/oauth2/v2/auth */
  authorizationUrl?: string;
  /** Default https://oauth2.googleapis.com/token */
  tokenUrl?: string;
  /** PEM file of an extra CA to trust when calling tokenUrl (system CAs stay trusted). */
  caFile?: string;
  /** Same as caFile, as PEM text. */
  caPem?: string;
}

export class GoogleConnector {
  readonly authorizationUrl: string;
  readonly tokenUrl: string;
  private readonly dispatcher: Agent;

  constructor(endpoints: GoogleEndpoints = {}) {
    this.authorizationUrl = endpoints.authorizationUrl ?? 'https://accounts.google.com/o/oauth2/v2/auth';
    this.tokenUrl = endpoints.tokenUrl ?? 'https://oauth2.googleapis.com/token';
    const extra = endpoints.caPem ?? (endpoints.caFile ? readFileSync(endpoints.caFile, 'utf8') : undefined);
    this.dispatcher = new Agent({ connect: { ca: extra ? [...rootCertificates, extra] : undefined, rejectUnauthorized: true } });
  }

  consentUri(clientId: string, redirectUri: string, state: string): string {
    const url = new URL(this.authorizationUrl);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: GOOGLE_SCOPES.join(' '),
      access_type: 'offline',
      prompt: 'consent',
      state,
    }).toString();
    return url.toString();
  }

  /** POST to the token URL; resolves to Google's JSON, or a failure reason (never a secret). */
  async token(form: Record<string, string>): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; error: string }> {
    try {
      const res = await fetch(this.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        /* non-JSON answer: reported below by status */
      }
      if (!res.ok) {
        const err = typeof body.error === 'string' ? body.error : `HTTP ${res.status}`;
        const desc = typeof body.error_description === 'string' ? `: ${body.error_description}` : '';
        return { ok: false, error: `${err}${desc}` };
      }
      return { ok: true, body };
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return { ok: false, error: `could not reach Google token endpoint (${cause?.code ?? cause?.message ?? (e as Error).message})` };
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}
