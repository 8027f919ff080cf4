/**
 * A Microsoft identity platform and Microsoft Graph stand-in over verified TLS, for tests, the
 * demo and the sandbox. What it enforces is what makes a wrong stack fail as it would for real:
 * - tokens (client credentials) only for a JWT client assertion signed with the private key of a
 *   certificate registered on the application, in a directory where the app has a service
 *   principal (AADSTS700016 otherwise; a wrong or unknown key: AADSTS700027);
 * - the token's `roles` are the Graph app roles assigned to that service principal (the admin
 *   consent), read at issuance; Graph answers 403 Authorization_RequestDenied without the role.
 * Directories, applications and assignments are created in-process (emulators/microsoft/apply.ts
 * plays Terraform); there is no Graph write API here.
 */
import { X509Certificate, constants, createHash, randomUUID, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createEmulatorCa, type EmulatorCa } from '../tls';

/** Microsoft Graph's application id, the same everywhere. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** The scope a daemon asks for: every application permission consented. */
export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';
/** Graph app roles the emulator knows (ids are the emulator's own: stacks look them up by name). */
export const GRAPH_APP_ROLES = [
  'User.Read.All',
  'User.ReadBasic.All',
  'Contacts.Read',
  'Calendars.Read',
  'Mail.Send',
  'GroupMember.Read.All',
  'MailboxSettings.Read',
  'User-Phone.ReadWrite.All',
];

export interface EntraUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail?: string;
}
export interface KeyCredential {
  thumbprintSha1: string;
  thumbprintSha256: string;
  pem: string;
  endDate: string;
}
export interface EntraApplication {
  objectId: string;
  clientId: string;
  displayName: string;
  signInAudience: string;
  redirectUris: string[];
  idTokens: boolean;
  keyCredentials: KeyCredential[];
  passwordCredentials: number;
}
export interface ServicePrincipal {
  objectId: string;
  clientId: string;
}
export interface AppRoleAssignment {
  id: string;
  principalObjectId: string;
  resourceObjectId: string;
  appRoleId: string;
}
export interface Directory {
  id: string;
  applications: Map<string, EntraApplication>;
  servicePrincipals: Map<string, ServicePrincipal>;
  assignments: AppRoleAssignment[];
  users: EntraUser[];
  graph: { objectId: string; appRoleIds: Record<string, string> };
}

export interface MicrosoftBehaviour {
  /**
   * Whether User.ReadBasic.All alone lists users for an app. Microsoft documents User.Read.All as
   * the least application permission for GET /users; reports say ReadBasic alone gets 403. Open.
   */
  readBasicListsUsers: boolean;
}

export interface MicrosoftEmulator {
  readonly origin: string;
  /** Token endpoint root: `${loginUrl}/{directory}/oauth2/v2.0/token`. */
  readonly loginUrl: string;
  /** Graph root: `${graphUrl}/v1.0/users`. */
  readonly graphUrl: string;
  readonly caFile: string;
  readonly directories: Map<string, Directory>;
  readonly behaviour: MicrosoftBehaviour;
  /** Token requests, refused or not, with the AADSTS code when refused. */
  readonly tokenLog: { directory: string; clientId?: string; error?: string; roles?: string[] }[];
  addDirectory(id: string, users?: EntraUser[]): Directory;
  close(): Promise<void>;
}

const b64url = (b: Buffer) => b.toString('base64url');

export async function startMicrosoftEmulator(
  opts: { ca?: EmulatorCa; behaviour?: Partial<MicrosoftBehaviour>; now?: () => number } = {},
): Promise<MicrosoftEmulator> {
  const ca = opts.ca ?? createEmulatorCa('gwkit Microsoft emulator CA');
  const { key, cert } = ca.issue();
  const now = opts.now ?? Date.now;
  const directories = new Map<string, Directory>();
  const tokens = new Map<string, { directory: string; roles: string[]; expiresAt: number }>();
  const tokenLog: MicrosoftEmulator['tokenLog'] = [];
  const behaviour: MicrosoftBehaviour = { readBasicListsUsers: false, ...opts.behaviour };
  let origin = '';

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const aadError = (
    res: ServerResponse,
    status: number,
    error: string,
    code: string,
    text: string,
    log: MicrosoftEmulator['tokenLog'][number],
  ) => {
    log.error = code;
    json(res, status, { error, error_description: `${code}: ${text}`, error_codes: [Number(code.slice(6))] });
  };

  async function token(req: IncomingMessage, res: ServerResponse, directoryId: string): Promise<void> {
    const form = new URLSearchParams(await body(req));
    const log: MicrosoftEmulator['tokenLog'][number] = { directory: directoryId, clientId: form.get('client_id') ?? undefined };
    tokenLog.push(log);
    const dir = directories.get(directoryId.toLowerCase());
    if (!dir) return aadError(res, 400, 'invalid_request', 'AADSTS90002', `Tenant '${directoryId}' not found.`, log);
    if (form.get('grant_type') !== 'client_credentials')
      return aadError(res, 400, 'unsupported_grant_type', 'AADSTS70003', 'The app requested an unsupported grant type.', log);
    if (form.get('client_secret')) return aadError(res, 401, 'invalid_client', 'AADSTS7000215', 'Invalid client secret provided.', log);
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' || !form.get('client_assertion')) {
      return aadError(
        res,
        400,
        'invalid_request',
        'AADSTS7000218',
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        log,
      );
    }
    if (form.get('scope') !== GRAPH_DEFAULT_SCOPE)
      return aadError(res, 400, 'invalid_scope', 'AADSTS1002012', `The provided value for scope ${form.get('scope')} is not valid.`, log);
    const [h, p, s] = form.get('client_assertion')!.split('.');
    let header: Record<string, string>, claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h!, 'base64url').toString());
      claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    } catch {
      return aadError(res, 400, 'invalid_client', 'AADSTS50027', 'JWT token is invalid or malformed.', log);
    }
    const clientId = String(claims.iss ?? '');
    log.clientId = clientId;
    const sp = [...dir.servicePrincipals.values()].find((x) => x.clientId === clientId);
    const app = [...dir.applications.values()].find((a) => a.clientId === clientId);
    if (!sp || !app || (form.get('client_id') && form.get('client_id') !== clientId)) {
      return aadError(
        res,
        400,
        'unauthorized_client',
        'AADSTS700016',
        `Application with identifier '${clientId}' was not found in the directory '${directoryId}'.`,
        log,
      );
    }
    const endpoint = `${origin}/${directoryId}/oauth2/v2.0/token`;
    const t = Math.floor(now() / 1000);
    if (
      claims.sub !== clientId ||
      claims.aud !== endpoint ||
      typeof claims.exp !== 'number' ||
      claims.exp < t ||
      (typeof claims.nbf === 'number' && claims.nbf > t + 300) ||
      !claims.jti
    ) {
      return aadError(
        res,
        400,
        'invalid_client',
        'AADSTS700024',
        'Client assertion is not within its valid time range, or its aud, sub or jti is wrong.',
        log,
      );
    }
    if (typeof claims.nbf === 'number' && claims.exp - claims.nbf > 600)
      return aadError(res, 400, 'invalid_client', 'AADSTS700024', 'Client assertion lifetime exceeds 10 minutes.', log);
    const byS256 = header.alg === 'PS256' && header['x5t#S256'];
    const byS1 = header.alg === 'RS256' && header.x5t;
    const credential = app.keyCredentials.find(
      (k) =>
        (byS256 && b64url(Buffer.from(k.thumbprintSha256, 'hex')) === header['x5t#S256']) ||
        (byS1 && b64url(Buffer.from(k.thumbprintSha1, 'hex')) === header.x5t),
    );
    if (!credential)
      return aadError(
        res,
        401,
        'invalid_client',
        'AADSTS700027',
        'Client assertion contains an invalid signature. [Reason - The key was not found.]',
        log,
      );
    if (Date.parse(credential.endDate) < now())
      return aadError(
        res,
        401,
        'invalid_client',
        'AADSTS700027',
        'Client assertion contains an invalid signature. [Reason - The key used is expired.]',
        log,
      );
    const publicKey = new X509Certificate(credential.pem).publicKey;
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      header.alg === 'PS256' ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } : publicKey,
      Buffer.from(s ?? '', 'base64url'),
    );
    if (!ok) return aadError(res, 401, 'invalid_client', 'AADSTS700027', 'Client assertion contains an invalid signature.', log);
    const roleNames = Object.fromEntries(Object.entries(dir.graph.appRoleIds).map(([n, id]) => [id, n]));
    const roles = dir.assignments
      .filter((a) => a.principalObjectId === sp.objectId && a.resourceObjectId === dir.graph.objectId)
      .map((a) => roleNames[a.appRoleId]!)
      .filter(Boolean)
      .sort();
    log.roles = roles;
    const access = b64url(Buffer.from(randomUUID()));
    tokens.set(access, { directory: dir.id, roles, expiresAt: now() + 3600_000 });
    json(res, 200, { token_type: 'Bearer', expires_in: 3599, access_token: access });
  }

  function users(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const t = bearer ? tokens.get(bearer) : undefined;
    if (!t || t.expiresAt < now()) {
      json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty or invalid.' } });
      return;
    }
    const allowed = t.roles.includes('User.Read.All') || (behaviour.readBasicListsUsers && t.roles.includes('User.ReadBasic.All'));
    if (!allowed) {
      json(res, 403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
      return;
    }
    const all = directories.get(t.directory)!.users;
    const top = Math.min(Number(url.searchParams.get('$top') ?? 100), 999);
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const page = all.slice(skip, skip + top);
    const next = skip + top < all.length ? `${origin}/v1.0/users?$top=${top}&$skiptoken=${skip + top}` : undefined;
    json(res, 200, { '@odata.context': `${origin}/v1.0/$metadata#users`, value: page, ...(next ? { '@odata.nextLink': next } : {}) });
  }

  const server = createServer({ key, cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const tokenPath = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    const run = async () => {
      if (req.method === 'POST' && tokenPath) return token(req, res, tokenPath[1]!);
      if (req.method === 'GET' && url.pathname === '/v1.0/users') return users(req, res, url);
      json(res, 404, { error: { code: 'NotFound', message: `${req.method} ${url.pathname} is not emulated` } });
    };
    run().catch((e: unknown) => json(res, 500, { error: { code: 'EmulatorError', message: String(e) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    loginUrl: origin,
    graphUrl: origin,
    caFile: ca.caFile,
    directories,
    behaviour,
    tokenLog,
    addDirectory(id, dirUsers = []) {
      const dir: Directory = {
        id: id.toLowerCase(),
        applications: new Map(),
        servicePrincipals: new Map(),
        assignments: [],
        users: dirUsers,
        graph: { objectId: randomUUID(), appRoleIds: Object.fromEntries(GRAPH_APP_ROLES.map((r) => [r, randomUUID()])) },
      };
      directories.set(dir.id, dir);
      return dir;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** SHA-1 and SHA-256 thumbprints (hex) of a PEM certificate, as Entra keys its credentials. */
export function thumbprints(pem: string): { sha1: string; sha256: string } {
  const der = new X509Certificate(pem).raw;
  return { sha1: createHash('sha1').update(der).digest('hex'), sha256: createHash('sha256').update(der).digest('hex') };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}
