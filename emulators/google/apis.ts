/**
 * Secret Manager v1, Service Usage v1 and Resource Manager v3, the REST calls googleapis makes,
 * answered with Google's resource shapes (project numbers in names) and google.rpc.Status errors.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32c } from '../../lib/google/crc32c';
import { CLOUD_PLATFORM } from './oauth';
import { HttpError, errorInfo, sendJson } from './http';
import {
  changeVersionState,
  type EmuAccessToken,
  type EmuProject,
  type EmuSecret,
  type EmuSecretVersion,
  type GoogleEmulatorState,
} from './state';

const SERVICE_TITLES: Record<string, string> = {
  'secretmanager.googleapis.com': 'Secret Manager API',
  'serviceusage.googleapis.com': 'Service Usage API',
  'cloudresourcemanager.googleapis.com': 'Cloud Resource Manager API',
  'gmail.googleapis.com': 'Gmail API',
  'admin.googleapis.com': 'Admin SDK API',
  'people.googleapis.com': 'People API',
  'iamcredentials.googleapis.com': 'IAM Service Account Credentials API',
};

/** Check `Authorization: Bearer` against tokens the emulator issued, with cloud-platform scope. */
export function authenticate(state: GoogleEmulatorState, req: IncomingMessage): EmuAccessToken {
  const header = req.headers.authorization ?? '';
  const value = header.startsWith('Bearer ') ? header.slice(7) : '';
  const t = value ? state.accessTokens.get(value) : undefined;
  if (!t || t.expiresAt < Date.now()) {
    throw new HttpError(
      401,
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      [errorInfo(value ? 'ACCESS_TOKEN_EXPIRED' : 'CREDENTIALS_MISSING', { method: req.method ?? '' })],
      { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' },
    );
  }
  if (!t.scopes.includes(CLOUD_PLATFORM)) {
    throw new HttpError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', [
      errorInfo('ACCESS_TOKEN_SCOPE_INSUFFICIENT', {}),
    ]);
  }
  return t;
}

function denied(permission: string, resource: string): HttpError {
  return new HttpError(403, 'PERMISSION_DENIED', `Permission '${permission}' denied for resource '${resource}' (or it may not exist).`, [
    errorInfo('IAM_PERMISSION_DENIED', { permission, resource }, 'iam.googleapis.com'),
  ]);
}

function requireService(state: GoogleEmulatorState, project: EmuProject, service: string): void {
  const until = project.propagatingUntil.get(service) ?? 0;
  if (project.enabledServices.has(service) && until <= state.now()) return;
  const title = SERVICE_TITLES[service] ?? service;
  const n = project.projectNumber;
  throw new HttpError(
    403,
    'PERMISSION_DENIED',
    `${title} has not been used in project ${n} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/${service}/overview?project=${n} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.`,
    [errorInfo('SERVICE_DISABLED', { service, consumer: `projects/${n}`, serviceTitle: title })],
  );
}

const secretName = (s: EmuSecret) => `projects/${s.projectNumber}/secrets/${s.secretId}`;
const secretEtag = (s: EmuSecret) =>
  `"${Buffer.from(s.createTime).toString('hex').slice(-8)}${(s.revision ?? 0).toString(16).padStart(4, '0')}"`;

function secretJson(s: EmuSecret): Record<string, unknown> {
  return {
    name: secretName(s),
    replication: { automatic: {} },
    createTime: s.createTime,
    etag: secretEtag(s),
    ...(s.annotations && Object.keys(s.annotations).length ? { annotations: s.annotations } : {}),
  };
}

/** Secret Manager's rules for annotations (keys 1-63 chars, alphanumeric ends; total under 16 KiB). */
function checkAnnotations(annotations: unknown): Record<string, string> {
  if (typeof annotations !== 'object' || annotations === null || Array.isArray(annotations)) {
    throw new HttpError(400, 'INVALID_ARGUMENT', 'annotations must be a map of strings.');
  }
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/.test(k))
      throw new HttpError(400, 'INVALID_ARGUMENT', `Invalid annotation key: ${k}`);
    if (typeof v !== 'string') throw new HttpError(400, 'INVALID_ARGUMENT', `Annotation ${k} must be a string.`);
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size >= 16 * 1024) throw new HttpError(400, 'INVALID_ARGUMENT', 'The total size of annotations must be less than 16KiB.');
  return annotations as Record<string, string>;
}

const versionEtag = (v: EmuSecretVersion) =>
  `"${Buffer.from(v.createTime).toString('hex').slice(-12)}${v.revision ? v.revision.toString(16).padStart(4, '0') : ''}"`;

function versionJson(s: EmuSecret, v: EmuSecretVersion): Record<string, unknown> {
  return {
    name: `${secretName(s)}/versions/${v.version}`,
    createTime: v.createTime,
    ...(v.state === 'DESTROYED' && v.destroyTime ? { destroyTime: v.destroyTime } : {}),
    state: v.state,
    replicationStatus: { automatic: {} },
    etag: versionEtag(v),
    ...(v.clientSpecifiedPayloadChecksum ? { clientSpecifiedPayloadChecksum: true } : {}),
  };
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString('utf8') || '{}');
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw new HttpError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
}

/**
 * Secret Manager: `rest` is the path after `/v1/projects/{p}/secrets/`. Returns a log detail
 * (never the payload).
 */
export function handleSecretManager(
  state: GoogleEmulatorState,
  method: string,
  projectRef: string,
  rest: string,
  url: URL,
  body: Buffer,
  res: ServerResponse,
): Record<string, unknown> | undefined {
  const project = state.project(projectRef);
  const m = /^([A-Za-z0-9_-]+)(?::(addVersion)|\/versions(?:\/([^/:]+)(?::(access|disable|enable|destroy))?)?)?$/.exec(rest);
  if (!m) throw new HttpError(404, 'NOT_FOUND', 'Requested entity was not found.');
  const [, secretId, addVersion, versionRef, verb] = m as unknown as [string, string, string?, string?, string?];
  const access = verb === 'access';
  const stateChange = verb === 'disable' || verb === 'enable' || verb === 'destroy' ? verb : undefined;
  const resourceRef = `projects/${projectRef}/secrets/${secretId}${versionRef !== undefined ? `/versions/${versionRef}` : ''}`;
  if (!project) {
    const permission = addVersion
      ? 'secretmanager.versions.add'
      : stateChange
        ? `secretmanager.versions.${stateChange}`
        : 'secretmanager.secrets.get';
    throw denied(permission, addVersion || stateChange ? resourceRef : `projects/${projectRef}/secrets/${secretId}`);
  }
  requireService(state, project, 'secretmanager.googleapis.com');
  const secret = state.secret(project, secretId);
  const displayName = `projects/${project.projectNumber}/secrets/${secretId}`;

  if (addVersion && method === 'POST') {
    if (!secret) throw new HttpError(404, 'NOT_FOUND', `Secret [${displayName}] not found.`);
    const payload = parseJson(body).payload as { data?: unknown; dataCrc32c?: unknown } | undefined;
    if (typeof payload?.data !== 'string') throw new HttpError(400, 'INVALID_ARGUMENT', 'Payload must not be empty.');
    const data = Buffer.from(payload.data, 'base64');
    if (data.length > 65536) throw new HttpError(400, 'INVALID_ARGUMENT', 'Secret payload cannot exceed 65536 bytes.');
    const crcSent = payload.dataCrc32c !== undefined && payload.dataCrc32c !== null;
    if (crcSent && String(payload.dataCrc32c) !== String(crc32c(data))) {
      throw new HttpError(400, 'INVALID_ARGUMENT', 'Checksum mismatch: the data_crc32c provided does not match the payload.');
    }
    const v: EmuSecretVersion = {
      version: secret.versions.length + 1,
      data,
      state: 'ENABLED',
      createTime: new Date().toISOString(),
      clientSpecifiedPayloadChecksum: crcSent,
    };
    secret.versions.push(v);
    sendJson(res, 200, versionJson(secret, v));
    return { secret: displayName, version: v.version, payload: '[redacted]' };
  }
  if (method === 'PATCH' && versionRef === undefined && !rest.includes('/versions') && !addVersion) {
    // secrets.patch: only `annotations` is emulated; the etag, when sent, must be current.
    if (!secret) throw new HttpError(404, 'NOT_FOUND', `Secret [${displayName}] not found.`);
    const mask = (url.searchParams.get('updateMask') ?? '').split(',').filter(Boolean);
    if (mask.length === 0 || mask.some((f) => f !== 'annotations')) {
      throw new HttpError(400, 'INVALID_ARGUMENT', `The emulator only updates annotations (updateMask=${mask.join(',') || 'none'}).`);
    }
    const update = parseJson(body);
    if (update.etag !== undefined && update.etag !== secretEtag(secret)) {
      throw new HttpError(400, 'FAILED_PRECONDITION', 'The etag provided in the request does not match the current etag of the secret.');
    }
    secret.annotations = { ...checkAnnotations(update.annotations ?? {}) };
    secret.revision = (secret.revision ?? 0) + 1;
    sendJson(res, 200, secretJson(secret));
    return { secret: displayName, annotations: Object.keys(secret.annotations) };
  }
  if (stateChange && versionRef !== undefined) {
    if (method !== 'POST') throw new HttpError(405, 'INVALID_ARGUMENT', `Method ${method} not allowed.`);
    return changeVersion(secret, displayName, versionRef, stateChange, body, res);
  }
  if (method !== 'GET' || addVersion) throw new HttpError(405, 'INVALID_ARGUMENT', `Method ${method} not allowed.`);

  if (versionRef === undefined && !rest.includes('/versions')) {
    if (!secret) throw new HttpError(404, 'NOT_FOUND', `Secret [${displayName}] not found.`);
    sendJson(res, 200, secretJson(secret));
    return undefined;
  }
  if (versionRef === undefined) {
    // list versions, newest first, optional `filter=state:ENABLED`
    if (!secret) throw new HttpError(404, 'NOT_FOUND', `Secret [${displayName}] not found.`);
    const filter = url.searchParams.get('filter') ?? '';
    const fm = /^state\s*[:=]\s*(ENABLED|DISABLED|DESTROYED)$/i.exec(filter.trim());
    if (filter && !fm) throw new HttpError(400, 'INVALID_ARGUMENT', `Invalid filter: ${filter}`);
    const versions = [...secret.versions]
      .reverse()
      .filter((v) => !fm || v.state === fm[1]!.toUpperCase())
      .map((v) => versionJson(secret, v));
    sendJson(res, 200, versions.length ? { versions, totalSize: versions.length } : {});
    return undefined;
  }
  // get / access one version ("latest" = the most recently created one, whatever its state)
  let v: EmuSecretVersion | undefined;
  if (versionRef === 'latest') {
    v = secret?.versions.at(-1);
    if (!v) throw new HttpError(404, 'NOT_FOUND', `Secret [${displayName}] not found or has no versions.`);
  } else {
    if (!/^\d+$/.test(versionRef)) throw new HttpError(400, 'INVALID_ARGUMENT', `Invalid version id: ${versionRef}`);
    v = secret?.versions[Number(versionRef) - 1];
    if (!secret) throw new HttpError(404, 'NOT_FOUND', `Secret [${displayName}] not found or has no versions.`);
    if (!v) throw new HttpError(404, 'NOT_FOUND', `Secret Version [${displayName}/versions/${versionRef}] not found.`);
  }
  const s = secret!;
  if (!access) {
    sendJson(res, 200, versionJson(s, v));
    return undefined;
  }
  if (v.state !== 'ENABLED') {
    throw new HttpError(400, 'FAILED_PRECONDITION', `Secret Version [${displayName}/versions/${v.version}] is in ${v.state} state.`);
  }
  sendJson(res, 200, {
    name: `${displayName}/versions/${v.version}`,
    payload: { data: v.data.toString('base64'), dataCrc32c: String(crc32c(v.data)) },
  });
  return { secret: displayName, version: v.version, access: true };
}

const TARGET_STATE = { disable: 'DISABLED', enable: 'ENABLED', destroy: 'DESTROYED' } as const;

/**
 * versions.disable / enable / destroy (POST .../versions/{n}:verb, body `{etag?}`): answers the
 * version with its new state. Disabling a disabled (or enabling an enabled) version is a no-op;
 * nothing can be done to a destroyed one. The log detail names the version, never its payload.
 */
function changeVersion(
  secret: EmuSecret | undefined,
  displayName: string,
  versionRef: string,
  verb: keyof typeof TARGET_STATE,
  body: Buffer,
  res: ServerResponse,
): Record<string, unknown> {
  if (!/^\d+$/.test(versionRef)) throw new HttpError(400, 'INVALID_ARGUMENT', `Invalid version id: ${versionRef}`);
  const v = secret?.versions[Number(versionRef) - 1];
  if (!secret || !v) throw new HttpError(404, 'NOT_FOUND', `Secret Version [${displayName}/versions/${versionRef}] not found.`);
  const { etag } = parseJson(body);
  if (etag !== undefined && etag !== '' && etag !== versionEtag(v)) {
    throw new HttpError(
      400,
      'FAILED_PRECONDITION',
      'The etag provided in the request does not match the current etag of the secret version.',
    );
  }
  if (v.state === 'DESTROYED') {
    throw new HttpError(400, 'FAILED_PRECONDITION', `Secret Version [${displayName}/versions/${v.version}] is in DESTROYED state.`);
  }
  const from = v.state;
  const to = TARGET_STATE[verb];
  if (from !== to) changeVersionState(v, to);
  sendJson(res, 200, versionJson(secret, v));
  return { secret: displayName, version: v.version, [verb]: true, state: to };
}

function serviceJson(p: EmuProject, service: string): Record<string, unknown> {
  return {
    name: `projects/${p.projectNumber}/services/${service}`,
    config: { name: service, title: SERVICE_TITLES[service] ?? service },
    state: p.enabledServices.has(service) ? 'ENABLED' : 'DISABLED',
    parent: `projects/${p.projectNumber}`,
  };
}

/** Service Usage: `services/{svc}` or `services:batchGet?names=...` under `/v1/projects/{p}/`. */
export function handleServiceUsage(state: GoogleEmulatorState, projectRef: string, rest: string, url: URL, res: ServerResponse): void {
  const project = state.project(projectRef);
  if (!project) throw denied('serviceusage.services.get', `projects/${projectRef}`);
  if (rest === 'services:batchGet') {
    const names = url.searchParams.getAll('names');
    if (names.length > 30) throw new HttpError(400, 'INVALID_ARGUMENT', 'At most 30 names may be requested.');
    const services = names.map((n) => {
      const m = /^projects\/([^/]+)\/services\/([^/]+)$/.exec(n);
      if (!m || state.project(m[1]!) !== project) {
        throw new HttpError(400, 'INVALID_ARGUMENT', `Invalid service name ${n}: it must be under the parent projects/${projectRef}.`);
      }
      return serviceJson(project, m[2]!);
    });
    sendJson(res, 200, { services });
    return;
  }
  const m = /^services\/([^/:]+)$/.exec(rest);
  if (!m) throw new HttpError(404, 'NOT_FOUND', 'Requested entity was not found.');
  sendJson(res, 200, serviceJson(project, m[1]!));
}

/** Resource Manager v3 projects.get: unknown ids get 403, as Google answers them. */
export function handleProjectGet(state: GoogleEmulatorState, ref: string, res: ServerResponse): void {
  const p = state.project(ref);
  if (!p) {
    throw new HttpError(403, 'PERMISSION_DENIED', 'The caller does not have permission', [
      errorInfo(
        'IAM_PERMISSION_DENIED',
        { permission: 'resourcemanager.projects.get', resource: `projects/${ref}` },
        'cloudresourcemanager.googleapis.com',
      ),
    ]);
  }
  sendJson(res, 200, {
    name: `projects/${p.projectNumber}`,
    parent: 'organizations/0',
    projectId: p.projectId,
    state: p.state,
    displayName: p.displayName,
    createTime: p.createTime,
    updateTime: p.createTime,
    etag: `W/"${p.projectNumber.slice(-8)}"`,
  });
}
