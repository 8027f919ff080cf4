/**
 * The gwkit Google emulator: one HTTPS origin on loopback serving the OAuth endpoints, IAM
 * Credentials, Secret Manager v1, Service Usage v1 and Resource Manager v3 under Google's paths,
 * so the real googleapis / google-auth-library clients can talk to it with only their root URLs
 * changed. TLS is real: clients must trust `caFile`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulatorCa, type EmulatorCa } from '../tls';
import type { GoogleEndpoints } from '../../lib/google/endpoints';
import { authenticate, handleProjectGet, handleSecretManager, handleServiceUsage } from './apis';
import { HttpError, readBody, sendJson, sendRpcError } from './http';
import { CLOUD_PLATFORM, handleAuthorize, handleConsent, handleGenerateAccessToken, handleToken } from './oauth';
import {
  GoogleEmulatorState,
  changeVersionState,
  lowerAlnum,
  newOAuthClient,
  newProjectNumber,
  token,
  type EmuOAuthClient,
  type EmuProject,
} from './state';

/** What `terraform apply` of a tenant stack enables by default (WorkspaceApis + Secret Manager). */
export const DEFAULT_ENABLED_SERVICES = [
  'secretmanager.googleapis.com',
  'serviceusage.googleapis.com',
  'cloudresourcemanager.googleapis.com',
  'gmail.googleapis.com',
  'admin.googleapis.com',
  'people.googleapis.com',
];

/** gcloud's ADC refresh tokens carry these scopes. */
const ADC_SCOPES = [
  'openid',
  'https://www.googleapis.com/auth/userinfo.email',
  CLOUD_PLATFORM,
  'https://www.googleapis.com/auth/sqlservice.login',
];

export interface GoogleEmulatorOptions {
  /** Share one CA between several emulators; a fresh one otherwise. */
  ca?: EmulatorCa;
  /** 0 (default) = any free port. */
  port?: number;
  /** The signed-in Google user on the consent page and behind the ADC file. */
  user?: string;
  /** Directory for the generated ADC file (a temp dir otherwise). */
  dir?: string;
  /** The clock of API enablement propagation (`setServiceEnabled`'s `propagationMs`); default `Date.now`. */
  now?: () => number;
}

export interface WebClient {
  clientId: string;
  clientSecret: string;
  /** The Console's "Download JSON" text (its auth_uri/token_uri name real Google, as the Console's do). */
  downloadJson: string;
}

export interface GoogleEmulator {
  /** Origin, e.g. https://127.0.0.1:43123 */
  readonly url: string;
  readonly endpoints: GoogleEndpoints;
  /** PEM file of the CA clients must trust. */
  readonly caFile: string;
  readonly ca: EmulatorCa;
  readonly state: GoogleEmulatorState;
  /** An `authorized_user` ADC file (like gcloud's) whose refresh token this emulator accepts. */
  readonly adcFile: string;
  /** The signed-in user. */
  readonly user: string;
  /** Simulate `terraform apply` of the project. */
  createProject(opts: { projectId: string; projectNumber?: string; enabledServices?: string[]; displayName?: string }): {
    projectId: string;
    projectNumber: string;
  };
  /**
   * Enable/disable an API. With `propagationMs`, Service Usage says ENABLED at once but the API
   * itself keeps answering 403 SERVICE_DISABLED for that long, as real Google does after enabling.
   */
  setServiceEnabled(projectId: string, service: string, enabled: boolean, opts?: { propagationMs?: number }): void;
  /** Simulate the Terraform-created secret (no version). Returns `projects/{projectId}/secrets/{secretId}`. */
  createSecret(projectId: string, secretId: string): string;
  /** A version added outside gwkit (an operator storing, say, the PBX password with gcloud). */
  addSecretVersion(projectId: string, secretId: string, text: string): number;
  /** Set a version's state (ENABLED/DISABLED/DESTROYED), like `gcloud secrets versions disable`. */
  setSecretVersionState(projectId: string, secretId: string, version: number, state: 'ENABLED' | 'DISABLED' | 'DESTROYED'): void;
  /** Simulate the human creating a "Web application" client in the Console (one enabled secret). */
  createWebClient(opts: { projectId: string; redirectUris: string[]; name?: string }): WebClient;
  /**
   * The Console's "Add secret" (client-secret rotation): a new, enabled secret beside the existing
   * ones. `downloadJson` has createWebClient's shape and carries the new secret.
   */
  addClientSecret(clientId: string): { clientSecret: string; downloadJson: string };
  /** The Console's "Disable" on one secret: the token endpoint then answers invalid_client for it. */
  disableClientSecret(clientId: string, secret: string): void;
  /** The Console's "Enable" on a disabled secret (undoing a Disable clicked by mistake). */
  enableClientSecret(clientId: string, secret: string): void;
  /**
   * Delete the client for good (as Google does with unused clients once the restore window is
   * over): the token endpoint answers invalid_client and the consent page refuses it.
   */
  deleteClient(clientId: string): void;
  /** The Console's Branding page (human step): the app name the consent page shows. */
  setBranding(projectId: string, branding: { appName: string }): void;
  /** Register a service account that callers may impersonate. */
  createServiceAccount(email: string): void;
  /** Write another `authorized_user` ADC file (fresh refresh token) and return its path. */
  writeAdcFile(path?: string): string;
  /** Expire/revoke every refresh token of a client (app left in "Testing": dead after 7 days). Returns how many. */
  revokeRefreshTokens(clientId: string): number;
  close(): Promise<void>;
}

export async function startGoogleEmulator(options: GoogleEmulatorOptions = {}): Promise<GoogleEmulator> {
  const ca = options.ca ?? createEmulatorCa('gwkit Google emulator CA');
  const { key, cert } = ca.issue(['127.0.0.1', 'localhost']);
  const state = new GoogleEmulatorState(options.now);
  const user = options.user ?? 'admin@example.com';
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'gwkit-google-emu-'));

  const server: Server = createServer({ key, cert }, (req, res) => {
    void route(state, user, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;
  const endpoints: GoogleEndpoints = {
    oauth2Token: `${url}/token`,
    authorization: `${url}/o/oauth2/v2/auth`,
    secretManager: `${url}/`,
    serviceUsage: `${url}/`,
    resourceManager: `${url}/`,
    iamCredentials: `${url}/`,
  };

  // gcloud's ADC client: an OAuth client like any other, so refreshes go through the token endpoint.
  const adcClient = {
    clientId: `${newProjectNumber()}-${lowerAlnum(32)}.apps.googleusercontent.com`,
    clientSecret: token('d-FL95Q19q7MQmFpd7hHD0T', 3),
  };
  state.clients.set(
    adcClient.clientId,
    newOAuthClient({ ...adcClient, projectId: 'gcloud-adc', name: 'Google Auth Library', kind: 'adc', redirectUris: [] }),
  );

  const requireClient = (clientId: string): EmuOAuthClient => {
    const c = state.clients.get(clientId);
    if (!c) throw new Error(`emulator: no OAuth client ${clientId}`);
    return c;
  };
  const clientSecretOf = (clientId: string, secret: string) => {
    const s = requireClient(clientId).secrets.find((x) => x.secret === secret);
    if (!s) throw new Error(`emulator: client ${clientId} has no such secret`);
    return s;
  };

  const requireProject = (projectId: string): EmuProject => {
    const p = state.project(projectId);
    if (!p) throw new Error(`emulator: no project ${projectId} (call createProject first)`);
    return p;
  };

  const writeAdcFile = (path = join(dir, `adc-${lowerAlnum(6)}.json`)): string => {
    const refresh = token('1//emu-adc-', 48);
    state.refreshTokens.set(refresh, { clientId: adcClient.clientId, scopes: ADC_SCOPES, user, revoked: false });
    const json = {
      account: '',
      client_id: adcClient.clientId,
      client_secret: adcClient.clientSecret,
      refresh_token: refresh,
      type: 'authorized_user',
      universe_domain: 'googleapis.com',
    };
    writeFileSync(path, JSON.stringify(json, null, 2), { mode: 0o600 });
    return path;
  };
  const adcFile = writeAdcFile(join(dir, 'application_default_credentials.json'));

  return {
    url,
    endpoints,
    caFile: ca.caFile,
    ca,
    state,
    adcFile,
    user,
    createProject({ projectId, projectNumber, enabledServices, displayName }) {
      const p: EmuProject = {
        projectId,
        projectNumber: projectNumber ?? newProjectNumber(),
        displayName: displayName ?? projectId,
        state: 'ACTIVE',
        enabledServices: new Set(enabledServices ?? DEFAULT_ENABLED_SERVICES),
        propagatingUntil: new Map(),
        createTime: new Date().toISOString(),
      };
      state.projects.set(projectId, p);
      return { projectId, projectNumber: p.projectNumber };
    },
    setBranding(projectId, branding) {
      requireProject(projectId).appName = branding.appName;
    },
    setServiceEnabled(projectId, service, enabled, opts = {}) {
      const p = requireProject(projectId);
      if (enabled) p.enabledServices.add(service);
      else p.enabledServices.delete(service);
      if (enabled && opts.propagationMs) p.propagatingUntil.set(service, state.now() + opts.propagationMs);
      else p.propagatingUntil.delete(service);
    },
    createSecret(projectId, secretId) {
      const p = requireProject(projectId);
      state.secrets.set(`${p.projectNumber}/${secretId}`, {
        projectNumber: p.projectNumber,
        secretId,
        createTime: new Date().toISOString(),
        versions: [],
      });
      return `projects/${projectId}/secrets/${secretId}`;
    },
    addSecretVersion(projectId, secretId, text) {
      const secret = state.secret(requireProject(projectId), secretId);
      if (!secret) throw new Error(`emulator: no secret ${secretId} in ${projectId}`);
      secret.versions.push({
        version: secret.versions.length + 1,
        data: Buffer.from(text, 'utf8'),
        state: 'ENABLED',
        createTime: new Date().toISOString(),
        clientSpecifiedPayloadChecksum: false,
      });
      return secret.versions.length;
    },
    setSecretVersionState(projectId, secretId, version, vstate) {
      const p = requireProject(projectId);
      const v = state.secret(p, secretId)?.versions[version - 1];
      if (!v) throw new Error(`emulator: no version ${version} of secret ${secretId}`);
      changeVersionState(v, vstate);
    },
    createWebClient({ projectId, redirectUris, name }) {
      const p = requireProject(projectId);
      // Real client IDs start with the project number.
      const clientId = `${p.projectNumber}-${lowerAlnum(32)}.apps.googleusercontent.com`;
      const clientSecret = newClientSecret();
      const client = newOAuthClient({
        clientId,
        clientSecret,
        projectId,
        name: name ?? 'Web client 1',
        kind: 'web',
        redirectUris: [...redirectUris],
      });
      state.clients.set(clientId, client);
      return { clientId, clientSecret, downloadJson: downloadJson(client, clientSecret) };
    },
    addClientSecret(clientId) {
      const client = requireClient(clientId);
      const clientSecret = newClientSecret();
      client.secrets.push({ secret: clientSecret, enabled: true, createTime: new Date().toISOString() });
      return { clientSecret, downloadJson: downloadJson(client, clientSecret) };
    },
    disableClientSecret(clientId, secret) {
      clientSecretOf(clientId, secret).enabled = false;
    },
    enableClientSecret(clientId, secret) {
      clientSecretOf(clientId, secret).enabled = true;
    },
    deleteClient(clientId) {
      requireClient(clientId);
      state.clients.delete(clientId);
      // Nothing issued to it can be used any more: codes, pending consents, refresh tokens.
      for (const [code, grant] of state.authCodes) if (grant.clientId === clientId) state.authCodes.delete(code);
      for (const [id, pending] of state.pendingConsents) if (pending.clientId === clientId) state.pendingConsents.delete(id);
      for (const rt of state.refreshTokens.values()) if (rt.clientId === clientId) rt.revoked = true;
    },
    createServiceAccount(email) {
      state.serviceAccounts.add(email);
    },
    writeAdcFile,
    revokeRefreshTokens(clientId) {
      let n = 0;
      for (const rt of state.refreshTokens.values()) {
        if (rt.clientId === clientId && !rt.revoked) {
          rt.revoked = true;
          n++;
        }
      }
      return n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Web client secret as the Console makes them (GOCSPX- and 28 characters). */
function newClientSecret(): string {
  return `GOCSPX-${token('', 21).slice(0, 28)}`;
}

/** The Console's "Download JSON" for a Web client, carrying `clientSecret`. */
function downloadJson(client: EmuOAuthClient, clientSecret: string): string {
  return JSON.stringify({
    web: {
      client_id: client.clientId,
      project_id: client.projectId,
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: 'https://oauth2.googleapis.com/token',
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_secret: clientSecret,
      redirect_uris: [...client.redirectUris],
    },
  });
}

async function route(state: GoogleEmulatorState, user: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'https://emulator.invalid');
  const path = url.pathname;
  const entry: { principal?: string; detail?: Record<string, unknown> } = {};
  try {
    const body = await readBody(req);
    const route = {
      serviceAccount: /^\/v1\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/.exec(path),
      secret: /^\/v1\/projects\/([^/]+)\/secrets\/(.+)$/.exec(path),
      services: /^\/v1\/projects\/([^/]+)\/(services(?::batchGet|\/[^/]+))$/.exec(path),
      project: /^\/v3\/projects\/([^/]+)$/.exec(path),
    };
    if (path === '/token' && method === 'POST') {
      entry.detail = handleToken(state, req, res, body);
    } else if (path === '/o/oauth2/v2/auth' && method === 'GET') {
      handleAuthorize(state, url, res, user);
    } else if (path === '/o/oauth2/v2/auth/consent' && method === 'POST') {
      entry.detail = handleConsent(state, body, res, user);
    } else if (route.serviceAccount && method === 'POST') {
      entry.principal = authenticate(state, req).principal;
      handleGenerateAccessToken(state, decodeURIComponent(route.serviceAccount[1]!), body, res);
    } else if (route.secret) {
      entry.principal = authenticate(state, req).principal;
      entry.detail = handleSecretManager(
        state,
        method,
        decodeURIComponent(route.secret[1]!),
        decodeURIComponent(route.secret[2]!),
        url,
        body,
        res,
      );
    } else if (route.services && method === 'GET') {
      entry.principal = authenticate(state, req).principal;
      handleServiceUsage(state, decodeURIComponent(route.services[1]!), decodeURIComponent(route.services[2]!), url, res);
    } else if (route.project && method === 'GET') {
      entry.principal = authenticate(state, req).principal;
      handleProjectGet(state, decodeURIComponent(route.project[1]!), res);
    } else if (path === '/' && method === 'GET') {
      sendJson(res, 200, { emulator: 'gwkit Google emulator', note: 'not Google' });
    } else {
      throw new HttpError(404, 'NOT_FOUND', `The requested URL ${path} was not found on this server.`);
    }
  } catch (e) {
    if (e instanceof HttpError) {
      sendRpcError(res, e);
    } else {
      sendRpcError(res, new HttpError(500, 'INTERNAL', 'Internal error encountered.'));
      process.stderr.write(`gwkit Google emulator: ${(e as Error).stack ?? String(e)}\n`);
    }
  } finally {
    state.requests.push({
      time: new Date().toISOString(),
      method,
      // query strings can carry codes and state: keep only the path
      path,
      status: res.statusCode,
      ...entry,
    });
  }
}
