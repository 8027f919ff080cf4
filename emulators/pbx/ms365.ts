/**
 * The emulated PBX's Microsoft 365 integration (tenant level): settings (`GET|POST /ms365`), the
 * key pair it generates (`POST /ms365/certificate`, download with GET), the users it reads from
 * Graph (`GET /ms365/users`), and `POST /ms365/destroy` (v22.6). Reading users, the PBX does what
 * a daemon app does: a client-credentials token for a JWT assertion signed with its private key
 * (PS256, header x5t#S256), then Graph /users, following @odata.nextLink. The private key never
 * leaves this module. Error codes are the emulator's (README).
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, constants, randomUUID, sign, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import type { PbxBehaviour } from './behaviour';
import type { EmulatorState, TenantState } from './state';

/** What these handlers see of a request (handlers.ts passes its HandlerContext). */
interface Ms365Context {
  state: EmulatorState;
  body: Record<string, unknown>;
  behaviour: Readonly<PbxBehaviour>;
}
interface Ms365Result {
  status: number;
  body?: unknown;
  binary?: { data: Buffer; filename: string };
}
type Fail = (status: number, code: string, message: string) => Error;

export interface MicrosoftEndpoints {
  /** Root of the token endpoint: `${loginUrl}/{directory}/oauth2/v2.0/token`. Default https://login.microsoftonline.com */
  loginUrl?: string;
  /** Root of Graph. Default https://graph.microsoft.com */
  graphUrl?: string;
  caPem?: string;
}

export interface Ms365Slot {
  settings: Record<string, unknown>;
  /** The PBX's key pair: the certificate is public, the key never leaves the PBX. */
  key?: string;
  cert?: string;
}

const slots = new WeakMap<EmulatorState, Map<string, Ms365Slot>>();
const endpoints = new WeakMap<EmulatorState, { origin: string; loginUrl: string; graphUrl: string; dispatcher: Agent }>();

/** Where this PBX reaches Microsoft, and its own origin (for redirect URIs). Called by the server at start. */
export function connectMicrosoft(state: EmulatorState, origin: string, e: MicrosoftEndpoints = {}): void {
  endpoints.set(state, {
    origin,
    loginUrl: e.loginUrl ?? 'https://login.microsoftonline.com',
    graphUrl: e.graphUrl ?? 'https://graph.microsoft.com',
    dispatcher: new Agent({ connect: { ca: e.caPem ? [...rootCertificates, e.caPem] : undefined, rejectUnauthorized: true } }),
  });
}

/** The Microsoft 365 slot of a tenant (tests read it). */
export function ms365SlotOf(state: EmulatorState, tenantId: string): Ms365Slot {
  let byTenant = slots.get(state);
  if (!byTenant) {
    byTenant = new Map();
    slots.set(state, byTenant);
  }
  let slot = byTenant.get(tenantId);
  if (!slot) {
    slot = { settings: { national_cloud: 'GLOBAL', sync_time: '0 0 * * *' } };
    byTenant.set(tenantId, slot);
  }
  return slot;
}

/** The redirect URIs of a tenant's Microsoft 365 integration (paths are the emulator's: gwkit must never build them). */
export function ms365RedirectUris(origin: string, tenant: TenantState): { redirect_uri: string; sbc_redirect_uri?: string } {
  return {
    redirect_uri: `${origin}/api/ms365/emulated-redirect/${tenant.id}`,
    ...(tenant.sbc ? { sbc_redirect_uri: `${origin}/sbc/8887/ms365/emulated-redirect/${tenant.id}` } : {}),
  };
}

export function ms365Handlers<C extends Ms365Context>(tenantOf: (ctx: C) => TenantState, fail: Fail) {
  return {
    'GET /ms365': (ctx: C): Ms365Result => {
      const tenant = tenantOf(ctx);
      return {
        status: 200,
        body: { ...ms365SlotOf(ctx.state, tenant.id).settings, ...ms365RedirectUris(endpoints.get(ctx.state)?.origin ?? '', tenant) },
      };
    },
    'POST /ms365': (ctx: C): Ms365Result => {
      const slot = ms365SlotOf(ctx.state, tenantOf(ctx).id);
      slot.settings = ctx.behaviour.ms365Post === 'replace' ? { national_cloud: 'GLOBAL', ...ctx.body } : { ...slot.settings, ...ctx.body };
      return { status: 200 };
    },
    'POST /ms365/certificate': (ctx: C): Ms365Result => {
      const tenant = tenantOf(ctx);
      const slot = ms365SlotOf(ctx.state, tenant.id);
      Object.assign(slot, generateKeyPair(`PortSIP PBX ${tenant.domain}`));
      return certificateAnswer(slot, ctx.behaviour);
    },
    'GET /ms365/certificate': (ctx: C): Ms365Result => {
      const slot = ms365SlotOf(ctx.state, tenantOf(ctx).id);
      if (!slot.cert) throw fail(404, 'NOT_FOUND', 'No Microsoft 365 key pair has been generated for this tenant.');
      return certificateAnswer(slot, ctx.behaviour);
    },
    'POST /ms365/destroy': (ctx: C): Ms365Result => {
      slots.get(ctx.state)?.delete(tenantOf(ctx).id);
      return { status: 204 };
    },
    'GET /ms365/users': async (ctx: C): Promise<Ms365Result> => {
      const slot = ms365SlotOf(ctx.state, tenantOf(ctx).id);
      const users = await readUsers(ctx.state, slot, fail);
      return { status: 200, body: { count: users.length, items: users } };
    },
  };
}

function certificateAnswer(slot: Ms365Slot, behaviour: Readonly<PbxBehaviour>): Ms365Result {
  const der = behaviour.ms365CertificateFormat === 'der';
  return {
    status: 200,
    binary: {
      data: der ? new X509Certificate(slot.cert!).raw : Buffer.from(slot.cert!),
      filename: der ? 'public_key.cer' : 'public_key.pem',
    },
  };
}

/** A year-long self-signed RSA certificate, as PortSIP's "Generate New Key Pair" makes. */
function generateKeyPair(subject: string): { key: string; cert: string } {
  const work = mkdtempSync(join(tmpdir(), 'gwkit-pbx-ms365-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(work, 'k'),
        '-out',
        join(work, 'c'),
        '-days',
        '365',
        '-subj',
        `/CN=${subject}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { key: readFileSync(join(work, 'k'), 'utf8'), cert: readFileSync(join(work, 'c'), 'utf8') };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function readUsers(state: EmulatorState, slot: Ms365Slot, fail: Fail): Promise<{ id: string; name: string; email: string }[]> {
  const s = slot.settings as { directory_id?: string; application_id?: string };
  if (!s.directory_id || !s.application_id || !slot.key || !slot.cert) {
    throw fail(
      400,
      'MS365_NOT_CONFIGURED',
      'Microsoft 365 integration is not configured: directory ID, application ID and a key pair are needed.',
    );
  }
  const ms = endpoints.get(state);
  if (!ms) throw fail(400, 'MS365_NOT_CONFIGURED', 'The emulated PBX has no Microsoft endpoints.');
  const tokenUrl = `${ms.loginUrl}/${s.directory_id}/oauth2/v2.0/token`;
  const t = Math.floor(Date.now() / 1000);
  const header = {
    alg: 'PS256',
    typ: 'JWT',
    'x5t#S256': createHash('sha256').update(new X509Certificate(slot.cert).raw).digest('base64url'),
  };
  const claims = { aud: tokenUrl, iss: s.application_id, sub: s.application_id, jti: randomUUID(), nbf: t, iat: t, exp: t + 600 };
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: createPrivateKey(slot.key),
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: 32,
  }).toString('base64url');
  const call = async (url: string, init: Parameters<typeof fetch>[1]) => {
    try {
      const res = await fetch(url, { ...init, dispatcher: ms.dispatcher, signal: AbortSignal.timeout(10_000) });
      return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, any> };
    } catch (e) {
      throw fail(400, 'MS365_UNREACHABLE', `Could not reach Microsoft (${(e as Error).message}).`);
    }
  };
  const token = await call(tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: s.application_id,
      scope: 'https://graph.microsoft.com/.default',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: `${input}.${signature}`,
    }).toString(),
  });
  if (token.status !== 200)
    throw fail(
      400,
      'MS365_TOKEN_FAILED',
      `Microsoft refused a token: ${token.body.error_description ?? token.body.error ?? `HTTP ${token.status}`}`,
    );
  const users: { id: string; name: string; email: string }[] = [];
  for (let url: string | undefined = `${ms.graphUrl}/v1.0/users?$top=999`; url; ) {
    const page = await call(url, { headers: { authorization: `Bearer ${token.body.access_token}` } });
    if (page.status !== 200)
      throw fail(
        400,
        'MS365_GRAPH_FAILED',
        `Microsoft Graph answered ${page.status}: ${page.body.error?.code ?? ''} ${page.body.error?.message ?? ''}`.trim(),
      );
    for (const u of page.body.value ?? []) users.push({ id: u.id, name: u.displayName, email: u.mail ?? u.userPrincipalName });
    url = page.body['@odata.nextLink'];
  }
  return users;
}
