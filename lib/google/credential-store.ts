/**
 * The tenant's OAuth client pair in Secret Manager. Terraform creates the secret (no version);
 * `gwkit client import` adds versions; later steps read `latest`. The payload is
 * JSON `{"client_id","client_secret"}`. Secret values never appear in messages.
 */
import { secretmanager_v1 } from 'googleapis/build/src/apis/secretmanager/v1';
import type { GoogleApiAuth } from './auth';
import { crc32c } from './crc32c';
import { apiRoot, resolveEndpoints, type GoogleEndpoints } from './endpoints';
import { googleRemoteError, summarizeGoogleError, withPropagationRetry, type RetryOptions } from './errors';
import type { OAuthClientPair } from './client-credentials';
import { InputError, RemoteError } from '../errors';
import { SECRET_NAME_PATTERN } from '../naming/google';

/** The pair as stored, with the Secret Manager version number it came from. */
export interface StoredClientPair extends OAuthClientPair {
  readonly version: number;
}

/** Where a record applies: the PBX API base URL, and the PBX tenant (`domain:…`, `name:…`) or `system`. */
export interface PbxTarget {
  readonly pbx: string;
  readonly target: string;
}

/**
 * What gwkit last wrote into a PBX from this secret, kept on the secret itself (an annotation),
 * not in a ledger of ours: a PBX that masks the client secret on read cannot tell us.
 */
export interface PbxAppliedRecord extends PbxTarget {
  /** Secret Manager version whose pair the PBX was given. */
  readonly version: number;
  readonly clientId: string;
  /** ISO time of the write. */
  readonly at: string;
}

/** The last proof that the integration works: a test mail the PBX sent through Gmail. */
export interface ProofRecord extends PbxTarget {
  /** The version the PBX held then (from the applied record), when known. */
  readonly version?: number;
  /** ISO time of the test mail. */
  readonly at: string;
}

/** Which redirect URIs the stored client was checked against at import (drift: the PBX's change later). */
export interface ClientCheckRecord {
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  readonly at: string;
}

/** A secret rotation under way: the old version, the new one, and since when. */
export interface RotationRecord {
  readonly clientId: string;
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly startedAt: string;
}

/** gwkit's facts about a tenant, as recorded on its credential secret. */
export interface CredentialSecretFacts {
  readonly applied?: PbxAppliedRecord;
  readonly proof?: ProofRecord;
  readonly checked?: ClientCheckRecord;
  readonly rotation?: RotationRecord;
}

/** Annotation keys (Secret Manager keys: 1-63 chars, no slash). */
export const PBX_APPLIED_ANNOTATION = 'gwkit-pbx-applied';
export const PROOF_ANNOTATION = 'gwkit-last-proof';
export const CHECKED_ANNOTATION = 'gwkit-client-checked';
export const ROTATION_ANNOTATION = 'gwkit-rotation';

const NOT_DEPLOYED_HINT =
  'The secret does not exist: the tenant stack is probably not deployed yet (run `cdktf deploy` for the tenant), or the project/secret id is wrong.';
/** Google answers 403 for a project that does not exist, as for one the caller may not read. */
const DENIED_HINT =
  'Either the caller lacks roles/secretmanager.secretAccessor on the secret (see secretAccess.readers in gwkit.yaml), ' +
  'or the project does not exist: the tenant stack is probably not deployed yet (run `cdktf deploy` for the tenant).';
const HINTS = { NOT_FOUND: NOT_DEPLOYED_HINT, PERMISSION_DENIED: DENIED_HINT, IAM_PERMISSION_DENIED: DENIED_HINT };

export class ClientCredentialStore {
  private readonly api: secretmanager_v1.Secretmanager;
  private readonly retry: RetryOptions;

  constructor(auth: GoogleApiAuth, opts: { endpoints?: Partial<GoogleEndpoints>; retry?: RetryOptions } = {}) {
    this.retry = opts.retry ?? {};
    this.api = new secretmanager_v1.Secretmanager({
      auth,
      rootUrl: apiRoot(resolveEndpoints(opts.endpoints).secretManager),
    });
  }

  /**
   * Store the pair as a new version. Retried only while the API answers SERVICE_DISABLED (nothing
   * written); a timeout or 5xx is not retried, since a repeat could add a duplicate version.
   */
  async addVersion(secretName: string, pair: OAuthClientPair): Promise<{ version: string }> {
    checkName(secretName);
    const data = Buffer.from(JSON.stringify({ client_id: pair.clientId, client_secret: pair.clientSecret }), 'utf8');
    try {
      const res = await withPropagationRetry(
        () =>
          this.api.projects.secrets.addVersion({
            parent: secretName,
            requestBody: { payload: { data: data.toString('base64'), dataCrc32c: String(crc32c(data)) } },
          }),
        this.retry,
      );
      return { version: res.data.name ?? '' };
    } catch (e) {
      throw googleRemoteError(`adding a version to secret ${secretName}`, e, HINTS);
    }
  }

  /**
   * The pair in the newest enabled version; undefined when the secret has no enabled version yet
   * (client not imported). A missing secret is an error (stack not deployed).
   */
  async accessLatest(secretName: string): Promise<StoredClientPair | undefined> {
    checkName(secretName);
    let version = `${secretName}/versions/latest`;
    for (;;) {
      try {
        const res = await withPropagationRetry(() => this.api.projects.secrets.versions.access({ name: version }), this.retry);
        return { ...decodePayload(secretName, res.data.payload), version: Number(res.data.name?.split('/').pop()) };
      } catch (e) {
        const s = summarizeGoogleError(e);
        // Secret Manager answers the same 404 "not found or has no versions" for both cases: tell them apart.
        if (s.status === 'NOT_FOUND') {
          await this.getSecret(secretName);
          return undefined;
        }
        // `latest` is the newest version even when disabled/destroyed: fall back to the newest enabled one.
        if (s.status === 'FAILED_PRECONDITION' && version.endsWith('/latest')) {
          const enabled = await this.newestEnabledVersion(secretName);
          if (!enabled) return undefined;
          version = enabled;
          continue;
        }
        throw googleRemoteError(`reading secret ${secretName}`, e, HINTS);
      }
    }
  }

  /** gwkit's records on the secret (what the PBX holds, the last proof); absent ones undefined. */
  async readFacts(secretName: string): Promise<CredentialSecretFacts> {
    checkName(secretName);
    const annotations = (await this.getSecret(secretName)).annotations ?? {};
    return {
      applied: parseApplied(annotations[PBX_APPLIED_ANNOTATION]),
      proof: parseProof(annotations[PROOF_ANNOTATION]),
      checked: parseChecked(annotations[CHECKED_ANNOTATION]),
      rotation: parseRotation(annotations[ROTATION_ANNOTATION]),
    };
  }

  /** Record the redirect URIs an imported client was checked against. */
  recordChecked(secretName: string, record: ClientCheckRecord): Promise<void> {
    return this.annotate(secretName, CHECKED_ANNOTATION, record, 'the redirect URIs the client was checked against');
  }

  /** Record a rotation under way, or (undefined) that it is over. */
  recordRotation(secretName: string, record: RotationRecord | undefined): Promise<void> {
    return this.annotate(secretName, ROTATION_ANNOTATION, record, 'the rotation under way');
  }

  /** Forget every record (teardown: the PBX integration was stopped and the versions retired). */
  async forgetAll(secretName: string): Promise<void> {
    for (const key of [PBX_APPLIED_ANNOTATION, PROOF_ANNOTATION, CHECKED_ANNOTATION, ROTATION_ANNOTATION]) {
      await this.annotate(secretName, key, undefined, `the removal of ${key}`);
    }
  }

  /** The pair in one version (a rotation's old secret, to check it is refused). */
  async accessVersion(secretName: string, version: number): Promise<StoredClientPair> {
    checkName(secretName);
    try {
      const res = await withPropagationRetry(() => this.api.projects.secrets.versions.access({ name: `${secretName}/versions/${version}` }), this.retry);
      return { ...decodePayload(secretName, res.data.payload), version };
    } catch (e) {
      throw googleRemoteError(`reading version ${version} of secret ${secretName}`, e, HINTS);
    }
  }

  /** The enabled versions, newest first. */
  async enabledVersions(secretName: string): Promise<number[]> {
    checkName(secretName);
    const out: number[] = [];
    let pageToken: string | undefined;
    do {
      const page = pageToken;
      let res;
      try {
        res = await withPropagationRetry(() => this.api.projects.secrets.versions.list({ parent: secretName, filter: 'state:ENABLED', pageToken: page }), this.retry);
      } catch (e) {
        throw googleRemoteError(`listing versions of secret ${secretName}`, e, HINTS);
      }
      for (const v of res.data.versions ?? []) if (v.state === 'ENABLED' && v.name) out.push(Number(v.name.split('/').pop()));
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    return out.sort((a, b) => b - a);
  }

  /** Disable one version (kept, not readable; `enable` would bring it back). */
  async disableVersion(secretName: string, version: number): Promise<void> {
    checkName(secretName);
    try {
      await withPropagationRetry(() => this.api.projects.secrets.versions.disable({ name: `${secretName}/versions/${version}`, requestBody: {} }), this.retry);
    } catch (e) {
      throw googleRemoteError(`disabling version ${version} of secret ${secretName}`, e, HINTS);
    }
  }

  /** Record what the PBX was given. */
  recordApplied(secretName: string, record: PbxAppliedRecord): Promise<void> {
    return this.annotate(secretName, PBX_APPLIED_ANNOTATION, record, 'which version the PBX holds');
  }

  /** Record a successful test mail. */
  recordProof(secretName: string, record: ProofRecord): Promise<void> {
    return this.annotate(secretName, PROOF_ANNOTATION, record, 'the last proof by test mail');
  }

  /**
   * Read-modify-write of the annotations with the secret's etag, so that other annotations
   * survive and concurrent writers cannot lose each other's change.
   */
  private async annotate(secretName: string, key: string, value: object | undefined, what: string): Promise<void> {
    checkName(secretName);
    for (let attempt = 0; ; attempt++) {
      const current = await this.getSecret(secretName);
      const annotations = { ...current.annotations };
      if (value === undefined) {
        if (!(key in annotations)) return;
        delete annotations[key];
      } else annotations[key] = JSON.stringify(value);
      try {
        await withPropagationRetry(
          () =>
            this.api.projects.secrets.patch({
              name: secretName,
              updateMask: 'annotations',
              requestBody: { annotations, etag: current.etag },
            }),
          this.retry,
        );
        return;
      } catch (e) {
        const s = summarizeGoogleError(e);
        // Someone else changed the secret since it was read (Secret Manager: FAILED_PRECONDITION on an
        // etag mismatch; ABORTED on a concurrent write): read again.
        if ((s.status === 'FAILED_PRECONDITION' || s.status === 'ABORTED') && attempt < 3) continue;
        throw googleRemoteError(`recording ${what} on secret ${secretName}`, e, HINTS);
      }
    }
  }

  private async getSecret(secretName: string): Promise<secretmanager_v1.Schema$Secret> {
    try {
      return (await withPropagationRetry(() => this.api.projects.secrets.get({ name: secretName }), this.retry)).data;
    } catch (e) {
      throw googleRemoteError(`reading secret ${secretName}`, e, HINTS);
    }
  }

  private async newestEnabledVersion(secretName: string): Promise<string | undefined> {
    let pageToken: string | undefined;
    let best: { n: number; name: string } | undefined;
    do {
      let res;
      try {
        const page = pageToken;
        res = await withPropagationRetry(
          () => this.api.projects.secrets.versions.list({ parent: secretName, filter: 'state:ENABLED', pageToken: page }),
          this.retry,
        );
      } catch (e) {
        throw googleRemoteError(`listing versions of secret ${secretName}`, e, HINTS);
      }
      for (const v of res.data.versions ?? []) {
        if (v.state !== 'ENABLED' || !v.name) continue;
        const n = Number(v.name.split('/').pop());
        if (!best || n > best.n) best = { n, name: v.name };
      }
      pageToken = res.data.nextPageToken ?? undefined;
    } while (pageToken);
    return best?.name;
  }
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // unreadable: as if none
  }
}

function parseApplied(text: string | undefined): PbxAppliedRecord | undefined {
  const r = parseJson(text);
  if (typeof r?.version !== 'number' || typeof r.clientId !== 'string' || typeof r.pbx !== 'string' || typeof r.target !== 'string') return undefined;
  return { version: r.version, clientId: r.clientId, pbx: r.pbx, target: r.target, at: String(r.at ?? '') };
}

function parseProof(text: string | undefined): ProofRecord | undefined {
  const r = parseJson(text);
  if (typeof r?.at !== 'string' || typeof r.pbx !== 'string' || typeof r.target !== 'string') return undefined;
  return { at: r.at, pbx: r.pbx, target: r.target, ...(typeof r.version === 'number' ? { version: r.version } : {}) };
}

function parseChecked(text: string | undefined): ClientCheckRecord | undefined {
  const r = parseJson(text);
  if (typeof r?.clientId !== 'string' || !Array.isArray(r.redirectUris)) return undefined;
  return { clientId: r.clientId, redirectUris: r.redirectUris.map(String), at: String(r.at ?? '') };
}

function parseRotation(text: string | undefined): RotationRecord | undefined {
  const r = parseJson(text);
  if (typeof r?.clientId !== 'string' || typeof r.fromVersion !== 'number' || typeof r.toVersion !== 'number') return undefined;
  return { clientId: r.clientId, fromVersion: r.fromVersion, toVersion: r.toVersion, startedAt: String(r.startedAt ?? '') };
}

function checkName(secretName: string): void {
  if (!SECRET_NAME_PATTERN.test(secretName)) {
    throw new InputError(`not a Secret Manager secret name: "${secretName}" (expected projects/PROJECT/secrets/SECRET)`);
  }
}

function decodePayload(secretName: string, payload: secretmanager_v1.Schema$SecretPayload | undefined): OAuthClientPair {
  const data = Buffer.from(payload?.data ?? '', 'base64');
  if (payload?.dataCrc32c != null && String(crc32c(data)) !== String(payload.dataCrc32c)) {
    throw new RemoteError(`secret ${secretName}: payload checksum mismatch (corrupted in transit)`, { retryable: true });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(data.toString('utf8'));
  } catch {
    doc = undefined;
  }
  const o = doc as { client_id?: unknown; client_secret?: unknown } | undefined;
  if (typeof o?.client_id !== 'string' || typeof o.client_secret !== 'string') {
    // Say what is wrong without echoing the payload.
    throw new RemoteError(
      `secret ${secretName}: latest version is not JSON {"client_id","client_secret"} (was it written by hand?); import the client again with \`npx gwkit client import --tenant <tenant> --file <client_secret.json>\``,
    );
  }
  return { clientId: o.client_id, clientSecret: o.client_secret };
}
