/**
 * The tenant's OAuth client pair in Secret Manager. Terraform creates the secret (no version);
 * `gwkit client import` adds versions; later steps read `latest`. The payload is
 * JSON `{"client_id","client_secret"}`. Secret values never appear in messages.
 *
 * The store knows versions and annotations as Secret Manager has them; what gwkit records in the
 * annotations (what the PBX was given, the last proof, ...) is lib/records' business.
 */
import { secretmanager_v1 } from 'googleapis/build/src/apis/secretmanager/v1';
import type { GoogleApiAuth } from './auth';
import { apiRoot, resolveEndpoints, type GoogleEndpoints } from './endpoints';
import { googleRemoteError, summarizeGoogleError, withPropagationRetry, type RetryOptions } from './errors';
import type { OAuthClientPair } from './client-credentials';
import { systemClock } from '../clock';
import { InputError, RemoteError } from '../errors';
import { SECRET_NAME_PATTERN } from '../naming/google';
import { retrying } from '../retry';
import { payloadBytes, payloadOf } from './secret-payload';

/** The pair as stored, with the Secret Manager version number it came from. */
export interface StoredClientPair extends OAuthClientPair {
  readonly version: number;
}

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
            requestBody: { payload: payloadOf(data) },
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
          const [newest] = await this.enabledVersions(secretName);
          if (newest === undefined) return undefined;
          version = `${secretName}/versions/${newest}`;
          continue;
        }
        throw googleRemoteError(`reading secret ${secretName}`, e, HINTS);
      }
    }
  }

  /** The secret's annotations (key → text); none is {}. */
  async readAnnotations(secretName: string): Promise<Record<string, string>> {
    checkName(secretName);
    return (await this.getSecret(secretName)).annotations ?? {};
  }

  /** The pair in one version (a rotation's old secret, to check it is refused). */
  async accessVersion(secretName: string, version: number): Promise<StoredClientPair> {
    checkName(secretName);
    try {
      const res = await withPropagationRetry(
        () => this.api.projects.secrets.versions.access({ name: `${secretName}/versions/${version}` }),
        this.retry,
      );
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
        res = await withPropagationRetry(
          () => this.api.projects.secrets.versions.list({ parent: secretName, filter: 'state:ENABLED', pageToken: page }),
          this.retry,
        );
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
      await withPropagationRetry(
        () => this.api.projects.secrets.versions.disable({ name: `${secretName}/versions/${version}`, requestBody: {} }),
        this.retry,
      );
    } catch (e) {
      throw googleRemoteError(`disabling version ${version} of secret ${secretName}`, e, HINTS);
    }
  }

  /**
   * Set (or, undefined, remove) one annotation: read-modify-write with the secret's etag, so that
   * other annotations survive and concurrent writers cannot lose each other's change. `what` names
   * the annotation in an error.
   */
  async annotate(secretName: string, key: string, value: string | undefined, what: string): Promise<void> {
    checkName(secretName);
    try {
      await retrying(
        async () => {
          const current = await this.getSecret(secretName);
          const annotations = { ...current.annotations };
          if (value === undefined) {
            if (!(key in annotations)) return;
            delete annotations[key];
          } else annotations[key] = value;
          await withPropagationRetry(
            () =>
              this.api.projects.secrets.patch({
                name: secretName,
                updateMask: 'annotations',
                requestBody: { annotations, etag: current.etag },
              }),
            this.retry,
          );
        },
        {
          clock: this.retry.clock ?? systemClock,
          // Someone else changed the secret since it was read (Secret Manager: FAILED_PRECONDITION on
          // an etag mismatch; ABORTED on a concurrent write): read again, at once.
          retries: 3,
          initialDelayMs: 0,
          shouldRetry: (outcome) => !outcome.ok && isConcurrentChange(outcome.error),
        },
      );
    } catch (e) {
      if (e instanceof RemoteError || e instanceof InputError) throw e; // reading the secret failed: already said
      throw googleRemoteError(`recording ${what} on secret ${secretName}`, e, HINTS);
    }
  }

  private async getSecret(secretName: string): Promise<secretmanager_v1.Schema$Secret> {
    try {
      return (await withPropagationRetry(() => this.api.projects.secrets.get({ name: secretName }), this.retry)).data;
    } catch (e) {
      throw googleRemoteError(`reading secret ${secretName}`, e, HINTS);
    }
  }
}

function isConcurrentChange(e: unknown): boolean {
  const { status } = summarizeGoogleError(e);
  return status === 'FAILED_PRECONDITION' || status === 'ABORTED';
}

function checkName(secretName: string): void {
  if (!SECRET_NAME_PATTERN.test(secretName)) {
    throw new InputError(`not a Secret Manager secret name: "${secretName}" (expected projects/PROJECT/secrets/SECRET)`);
  }
}

function decodePayload(secretName: string, payload: secretmanager_v1.Schema$SecretPayload | undefined): OAuthClientPair {
  const data = payloadBytes(secretName, payload);
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
