/**
 * In-memory state of the Google emulator: projects, secrets, OAuth clients and tokens.
 * Everything a test may want to assert on is reachable from `GoogleEmulatorState`.
 */
import { randomBytes, randomInt } from 'node:crypto';

export interface EmuProject {
  projectId: string;
  projectNumber: string;
  displayName: string;
  /** Consent screen app name, set in the Console's Branding page (the human step); absent before. */
  appName?: string;
  state: 'ACTIVE' | 'DELETE_REQUESTED';
  enabledServices: Set<string>;
  /** Enabled services whose APIs still answer SERVICE_DISABLED until this time (propagation, docs/google-cloud.md). */
  propagatingUntil: Map<string, number>;
  createTime: string;
}

export interface EmuSecretVersion {
  /** 1, 2, ... as Secret Manager numbers them. */
  version: number;
  /** The payload bytes: server-side only, never logged. */
  data: Buffer;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  createTime: string;
  clientSpecifiedPayloadChecksum: boolean;
  /** Set when the version is destroyed (Secret Manager's `destroyTime`). */
  destroyTime?: string;
  /** Bumped by every state change; the version's etag derives from it. */
  revision?: number;
}

export interface EmuSecret {
  projectNumber: string;
  secretId: string;
  createTime: string;
  versions: EmuSecretVersion[];
  /** Free-form metadata (gwkit records which version the PBX holds here). */
  annotations?: Record<string, string>;
  /** Bumped by every change of the secret's metadata; its etag derives from it. */
  revision?: number;
}

/**
 * One secret of an OAuth client. Since Google's 2025 client-secret rotation a client may hold
 * more than one: the Console's "Add secret" creates a second, enabled one, and "Disable" turns
 * the old one off (the token endpoint then refuses it with invalid_client).
 */
export interface EmuClientSecret {
  secret: string;
  enabled: boolean;
  createTime: string;
}

export interface EmuOAuthClient {
  clientId: string;
  /** Every secret of the client, oldest first. */
  secrets: EmuClientSecret[];
  /**
   * Single-secret view kept for older callers. Reading gives the newest enabled secret (the newest
   * secret if none is enabled). Assigning is the legacy Console "Reset secret": the client then
   * has exactly that one, enabled secret.
   */
  clientSecret: string;
  projectId: string;
  name: string;
  /** 'web' = created by a person in the Console; 'adc' = gcloud's client behind ADC files. */
  kind: 'web' | 'adc';
  redirectUris: string[];
}

/** Build a client holding one enabled secret (what creating a client in the Console gives). */
export function newOAuthClient(init: Omit<EmuOAuthClient, 'secrets' | 'clientSecret'> & { clientSecret: string }): EmuOAuthClient {
  const { clientSecret, ...rest } = init;
  return {
    ...rest,
    secrets: [{ secret: clientSecret, enabled: true, createTime: new Date().toISOString() }],
    get clientSecret(): string {
      const s = this.secrets.filter((x) => x.enabled).at(-1) ?? this.secrets.at(-1);
      return s?.secret ?? '';
    },
    set clientSecret(value: string) {
      this.secrets.splice(0, this.secrets.length, { secret: value, enabled: true, createTime: new Date().toISOString() });
    },
  };
}

/** Whether the token endpoint accepts `secret` for this client: it must be one of its enabled secrets. */
export function clientAcceptsSecret(client: EmuOAuthClient, secret: string | undefined): boolean {
  return secret !== undefined && client.secrets.some((s) => s.enabled && s.secret === secret);
}

export interface EmuAuthCode {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  user: string;
  offline: boolean;
  used: boolean;
  expiresAt: number;
}

export interface EmuRefreshToken {
  clientId: string;
  scopes: string[];
  user: string;
  revoked: boolean;
}

export interface EmuAccessToken {
  /** Who the token speaks for: a user e-mail or a service account e-mail. */
  principal: string;
  clientId?: string;
  scopes: string[];
  expiresAt: number;
}

export interface EmuPendingConsent {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state?: string;
  offline: boolean;
}

/** One handled request; bodies are summarized with secrets/codes/tokens redacted. */
export interface EmuRequestLogEntry {
  time: string;
  method: string;
  path: string;
  status: number;
  principal?: string;
  /** Redacted summary of the request body, when useful (grant_type, client_id, ...). */
  detail?: Record<string, unknown>;
}

export class GoogleEmulatorState {
  readonly projects = new Map<string, EmuProject>(); // by projectId
  readonly secrets = new Map<string, EmuSecret>(); // by `${projectNumber}/${secretId}`
  readonly clients = new Map<string, EmuOAuthClient>(); // by clientId
  readonly serviceAccounts = new Set<string>();
  readonly authCodes = new Map<string, EmuAuthCode>();
  readonly refreshTokens = new Map<string, EmuRefreshToken>();
  readonly accessTokens = new Map<string, EmuAccessToken>();
  readonly pendingConsents = new Map<string, EmuPendingConsent>();
  readonly requests: EmuRequestLogEntry[] = [];

  /**
   * @param now The clock of API enablement propagation (a test's virtual clock). OAuth tokens keep
   *   the wall clock: google-auth-library judges their expiry by it.
   */
  constructor(readonly now: () => number = Date.now) {}

  /** Find a project by id or number (Google accepts both in resource names). */
  project(idOrNumber: string): EmuProject | undefined {
    const byId = this.projects.get(idOrNumber);
    if (byId) return byId;
    for (const p of this.projects.values()) if (p.projectNumber === idOrNumber) return p;
    return undefined;
  }

  secret(project: EmuProject, secretId: string): EmuSecret | undefined {
    return this.secrets.get(`${project.projectNumber}/${secretId}`);
  }

  /** A secret's annotations (gwkit's record of what the PBX holds lives there). */
  secretAnnotations(projectIdOrNumber: string, secretId: string): Record<string, string> {
    const p = this.project(projectIdOrNumber);
    return { ...(p && this.secret(p, secretId))?.annotations };
  }

  /** Secret versions as tests want to see them (payload decoded as UTF-8). */
  secretVersions(projectIdOrNumber: string, secretId: string): { version: number; state: string; payload: string }[] {
    const p = this.project(projectIdOrNumber);
    const s = p && this.secret(p, secretId);
    return (s?.versions ?? []).map((v) => ({ version: v.version, state: v.state, payload: v.data.toString('utf8') }));
  }
}

export function token(prefix: string, bytes = 24): string {
  return prefix + randomBytes(bytes).toString('base64url');
}

/** A 12-digit project number like Google's. */
export function newProjectNumber(): string {
  return String(randomInt(100_000_000_000, 999_999_999_999));
}

export function lowerAlnum(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * Move a secret version to `to`, as Secret Manager's enable/disable/destroy do: destroying drops
 * the payload for good and records `destroyTime`; every change bumps the etag.
 */
export function changeVersionState(v: EmuSecretVersion, to: EmuSecretVersion['state']): void {
  v.state = to;
  if (to === 'DESTROYED') {
    v.data = Buffer.alloc(0);
    v.destroyTime ??= new Date().toISOString();
  }
  v.revision = (v.revision ?? 0) + 1;
}
