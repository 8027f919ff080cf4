/** Shared fixtures for the PBX tests: the emulator, a minimal Google token endpoint, raw HTTPS. */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Agent, fetch } from 'undici';
import type { EmulatorCa } from '../../emulators/tls';
import { startPbxEmulator, type PbxEmulator, type PbxEmulatorOptions } from '../../emulators/pbx';
import { PortSipClient, type PbxConnectionOptions, type TenantRef } from '../../lib/pbx';
import { enterTenant } from '../../lib/pbx/session';

export const SYSTEM_ADMIN = { username: 'admin', password: 'admin-password' };
export const ACME_ADMIN = { username: 'acme-admin', password: 'acme-password', domain: 'acme.pbx.test' };

export function connection(pbx: PbxEmulator, extra: Partial<PbxConnectionOptions> = {}): PbxConnectionOptions {
  return { baseUrl: pbx.url, caFile: pbx.caFile, timeoutMs: 5000, ...SYSTEM_ADMIN, ...extra };
}

/**
 * A session logged in and acting inside one tenant, as PbxSessionPool makes one for each worker
 * (login, then enterTenant): for tests that drive a single session directly.
 */
export async function openTenantSession(opts: PbxConnectionOptions, tenantRef: TenantRef, asSystemAdmin: boolean): Promise<PortSipClient> {
  const client = await PortSipClient.login(
    asSystemAdmin ? { ...opts, domain: undefined } : { ...opts, domain: opts.domain ?? tenantRef.domain },
  );
  try {
    await enterTenant(client, tenantRef, { systemAdmin: asSystemAdmin, tenants: () => client.listTenants(), pbx: opts.baseUrl });
    return client;
  } catch (e) {
    await client.logout().catch(() => undefined);
    throw e;
  }
}

/** fetch that trusts the emulator CA (for raw, spec-level requests). */
export function rawFetcher(ca: EmulatorCa) {
  const dispatcher = new Agent({ connect: { ca: ca.caPem } });
  return {
    fetch: (url: string, init: Parameters<typeof fetch>[1] = {}) => fetch(url, { ...init, dispatcher }),
    close: () => dispatcher.close(),
  };
}

/**
 * Just enough of Google's token endpoint for the PBX side: authorization_code and refresh_token
 * grants, RFC 6749 error bodies. The real Google emulator lives elsewhere; this keeps these tests
 * independent of it.
 */
export interface FakeGoogle {
  tokenUrl: string;
  authorizationUrl: string;
  /** code -> refresh token handed out when it is exchanged. */
  codes: Map<string, string>;
  validRefreshTokens: Set<string>;
  exchanges: Record<string, string>[];
  client: { id: string; secret: string };
  close(): Promise<void>;
}

export async function startFakeGoogle(
  ca: EmulatorCa,
  client = { id: 'client-1.apps.googleusercontent.com', secret: 'GOCSPX-fake-secret' },
): Promise<FakeGoogle> {
  const { key, cert } = ca.issue();
  const codes = new Map<string, string>();
  const validRefreshTokens = new Set<string>();
  const exchanges: Record<string, string>[] = [];
  const server = createServer({ key, cert }, (req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(raw));
      exchanges.push(form);
      const answer = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (form.client_id !== client.id || form.client_secret !== client.secret) return answer(401, { error: 'invalid_client' });
      if (form.grant_type === 'authorization_code') {
        const refresh = codes.get(form.code ?? '');
        if (!refresh) return answer(400, { error: 'invalid_grant', error_description: 'Bad Request' });
        codes.delete(form.code!);
        validRefreshTokens.add(refresh);
        return answer(200, { access_token: 'ya29.x', expires_in: 3599, refresh_token: refresh, token_type: 'Bearer' });
      }
      if (form.grant_type === 'refresh_token') {
        if (!validRefreshTokens.has(form.refresh_token ?? ''))
          return answer(400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
        return answer(200, { access_token: 'ya29.y', expires_in: 3599, token_type: 'Bearer' });
      }
      return answer(400, { error: 'unsupported_grant_type' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    tokenUrl: `https://127.0.0.1:${port}/token`,
    authorizationUrl: `https://127.0.0.1:${port}/o/oauth2/v2/auth`,
    codes,
    validRefreshTokens,
    exchanges,
    client,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

export async function startPbx(options: PbxEmulatorOptions = {}): Promise<PbxEmulator> {
  return startPbxEmulator(options);
}
