/** Shared test setup: one emulator per test file, ADC pointing at it, CA trusted per client. */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { startGoogleEmulator, type GoogleEmulator, type GoogleEmulatorOptions } from '../../emulators/google';
import { createGoogleAuth, type GoogleApiAuth } from '../../lib/google';

export const PROJECT_ID = 'acme-pbx-tenant1';
export const SECRET_ID = 'gwkit-oauth-client';
export const PBX_REDIRECT = 'https://pbx.acme.example:8887/api/google/oauth2callback';
export const SBC_REDIRECT = 'https://sbc.acme.example/api/google/oauth2callback';

export interface Fixture {
  emu: GoogleEmulator;
  auth: GoogleApiAuth;
  secretName: string;
}

/**
 * ADC is discovered exactly as in production, through GOOGLE_APPLICATION_CREDENTIALS (read by
 * google-auth-library at call time, so setting it in-process works). The CA is trusted through
 * the `caFile` option: NODE_EXTRA_CA_CERTS is only read at process start.
 */
export async function startFixture(options: GoogleEmulatorOptions = {}): Promise<Fixture> {
  const emu = await startGoogleEmulator(options);
  process.env.GOOGLE_APPLICATION_CREDENTIALS = emu.adcFile;
  emu.createProject({ projectId: PROJECT_ID, projectNumber: '123456789012' });
  const secretName = emu.createSecret(PROJECT_ID, SECRET_ID);
  const auth = await createGoogleAuth({ endpoints: emu.endpoints, caFile: emu.caFile });
  return { emu, auth, secretName };
}

/** Plain HTTPS requests to the emulator, as a browser makes them, trusting the emulator's CA. */
export function browserRequests(caFile: string) {
  const http = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
  return {
    http,
    async get(url: string) {
      const res = await request(url, { dispatcher: http });
      return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
    },
    async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
      const res = await request(url, {
        dispatcher: http,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(form).toString(),
      });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text || '{}') as Record<string, unknown> };
    },
    close: () => http.close(),
  };
}
