/**
 * From validated files to the resolved fleet: defaults merged into each tenant, templates expanded,
 * derived values computed, fleet-wide rules (uniqueness, required settings) checked.
 */
import { InputError } from '../errors';
import { sipDomainKey } from '../naming/sip-domain';
import { resolve as resolvePath } from 'node:path';
import { GOOGLE_ONLY_SETTINGS, resolveMicrosoft365, type Microsoft365Settings } from './microsoft365';
import { tenantLocation, type Locatable, type SourcedTenant } from './sourced';
import {
  FEATURE_APIS,
  KIT_APIS,
  PASSWORD_SOURCES,
  PROJECT_ID_PATTERN,
  RESTRICTED_PROJECT_ID_WORDS,
  SETTING_DEFAULTS as D,
  type Backend,
  type DefaultsInput,
  type Feature,
  type GoogleSettingsInput,
  type PbxTenantRef,
} from './schema';

/** Stack and workspace names gwkit uses itself (stacks/hcp-workspaces-stack.ts). */
export const RESERVED_TENANT_IDS: readonly string[] = ['hcp-workspaces', 'workspaces'];

/** Secret id of the tenant's credential secret (the ClientCredentialSlot) in every tenant project. */
export const CREDENTIAL_SECRET_ID = 'gwkit-oauth-client';

/** How to reach and log in to the tenant's PBX. */
export interface PbxSettings {
  /** The REST API base, ending in /api. */
  readonly apiUrl: string;
  readonly level: 'tenant' | 'system';
  readonly role: 'system-admin' | 'tenant-admin';
  readonly username: string;
  /** Environment variable with the password. */
  readonly passwordEnv: string;
  /** Absolute path of a password file, if configured. */
  readonly passwordFile?: string;
  /** Secret Manager secret (or version) with the password, if configured. */
  readonly passwordSecret?: string;
  /** Absolute path of an extra CA file, if configured. */
  readonly caFile?: string;
  /** Where caFile is set (`file:line:col`), computed on demand, for messages about the file. */
  readonly caFileLocation?: () => string;
  readonly timeoutMs: number;
  /** Requests per minute gwkit may send to this PBX (all workers together). */
  readonly requestsPerMinute: number;
}

/** A tenant with every setting decided: what stacks and the CLI work from. */
export interface TenantConfig {
  readonly id: string;
  readonly pbxTenant: PbxTenantRef;
  readonly projectId: string;
  readonly projectName: string;
  readonly parent: { readonly kind: 'folder' | 'organization'; readonly id: string };
  readonly billingAccount: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly features: readonly Feature[];
  /** Google APIs to enable: from the features, plus what the kit needs. Sorted. */
  readonly apis: readonly string[];
  readonly consentScreen: {
    readonly appName: string;
    readonly supportEmail: string;
    readonly developerEmail: string;
    /** Internal: the project lives in the customer's own Cloud organization; external: any other. */
    readonly audience: 'internal' | 'external';
  };
  readonly environment: 'production' | 'non-production';
  readonly deletionPolicy: 'PREVENT' | 'ABANDON' | 'DELETE';
  readonly lien: boolean;
  readonly backend: Backend;
  readonly provider: { readonly impersonateServiceAccount?: string; readonly billingProject?: string };
  readonly secretAccess: { readonly importers: readonly string[]; readonly readers: readonly string[] };
  /** Secret Manager secret id of the client credential slot. */
  readonly credentialSecretId: string;
  /** `projects/PROJECT_ID/secrets/SECRET_ID`: the slot, named without waiting for outputs. */
  readonly credentialSecretName: string;
  /** Undefined when gwkit.yaml has no pbx settings for this tenant (stacks need none). */
  readonly pbx?: PbxSettings;
  readonly mail: {
    readonly switchToGmail: boolean;
    readonly sender: string;
    readonly testRecipient: string;
    /** Days after which status warns that the last proof by test mail is old. */
    readonly maxProofAgeDays: number;
  };
  /** Where the entry is written: `file:line:col`, computed on demand (it costs a second parse). */
  readonly location: () => string;
}

/** A tenant of suite microsoft-365: its PBX tenant and its Entra application (lib/config/microsoft365.ts). */
export interface Ms365TenantConfig {
  readonly suite: 'microsoft-365';
  readonly id: string;
  readonly pbxTenant: PbxTenantRef;
  readonly environment: 'production' | 'non-production';
  readonly backend: Backend;
  readonly pbx?: PbxSettings;
  readonly microsoft365: Microsoft365Settings;
  readonly location: () => string;
}

export interface Fleet {
  /** The main config file, as displayed. */
  readonly file: string;
  /** Google Workspace tenants (suite google-workspace, the default). */
  readonly tenants: readonly TenantConfig[];
  /** Microsoft 365 tenants (suite microsoft-365). */
  readonly microsoft365Tenants: readonly Ms365TenantConfig[];
  /** How the CLI reaches Google; file paths made absolute. */
  readonly google: GoogleSettingsInput;
}

type LoginInput = NonNullable<NonNullable<DefaultsInput['pbx']>['login']>;

/**
 * A tenant's login over the defaults. The password source is one setting: a tenant naming any
 * source (say its own passwordEnv) drops the inherited ones, so a default passwordSecret never
 * outranks it.
 */
function mergeLogin(defaults: LoginInput | undefined, tenant: LoginInput | undefined): LoginInput {
  const inherited = { ...defaults };
  if (PASSWORD_SOURCES.some((k) => tenant?.[k] !== undefined)) for (const k of PASSWORD_SOURCES) delete inherited[k];
  return { ...inherited, ...tenant };
}

/** The PBX REST base: PortSIP serves it under /api (docs/portsip-api.md). */
function apiUrlOf(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/api') ? trimmed : `${trimmed}/api`;
}

function projectIdProblem(projectId: string): string | undefined {
  if (!PROJECT_ID_PATTERN.test(projectId)) {
    return (
      `"${projectId}" is not a valid project id: 6-30 characters, lowercase letters, digits and hyphens, ` +
      'starting with a letter and not ending with a hyphen (shorten the tenant id or change the projectId template)'
    );
  }
  const word = RESTRICTED_PROJECT_ID_WORDS.find((w) => projectId.includes(w));
  return word ? `"${projectId}" contains "${word}", which Google does not allow in project ids` : undefined;
}

/** The tenant's PBX settings over the defaults: undefined when no pbx.url is set (stacks need none). */
function resolvePbx(
  entry: SourcedTenant,
  defaults: DefaultsInput,
  baseDir: string,
  main: Locatable,
  where: () => string,
  problems: string[],
): PbxSettings | undefined {
  const t = entry.input;
  const pbxInput = { ...defaults.pbx, ...t.pbx, login: mergeLogin(defaults.pbx?.login, t.pbx?.login) };
  if (!pbxInput.url) {
    if (pbxInput.login.username || pbxInput.caFile || pbxInput.level) {
      problems.push(`${where()}.pbx.url: required once any pbx setting is given (e.g. "https://pbx.example.com:8887")`);
    }
    return undefined;
  }
  if (!pbxInput.login.username) {
    problems.push(`${where()}.pbx.login.username: required, set it on the tenant or in defaults (e.g. "admin")`);
    return undefined;
  }
  return {
    apiUrl: apiUrlOf(pbxInput.url),
    level: pbxInput.level ?? D.pbx.level,
    role: pbxInput.login.role ?? D.pbx.role,
    username: pbxInput.login.username,
    passwordEnv: pbxInput.login.passwordEnv ?? D.pbx.passwordEnv,
    passwordFile: pbxInput.login.passwordFile ? resolvePath(baseDir, pbxInput.login.passwordFile) : undefined,
    passwordSecret: pbxInput.login.passwordSecret,
    caFile: pbxInput.caFile ? resolvePath(baseDir, pbxInput.caFile) : undefined,
    caFileLocation: t.pbx?.caFile
      ? () => entry.source.locate(['tenants', entry.index, 'pbx', 'caFile'])
      : () => main.locate(['defaults', 'pbx', 'caFile']),
    timeoutMs: (pbxInput.timeoutSeconds ?? D.pbx.timeoutSeconds) * 1000,
    requestsPerMinute: pbxInput.requestsPerMinute ?? D.pbx.requestsPerMinute,
  };
}

/**
 * A microsoft-365 tenant: PBX, backend and the microsoft365 block. Google settings written on the
 * entry itself are refused (they would silently do nothing); from defaults they are ignored.
 */
function resolveMs365Tenant(
  entry: SourcedTenant,
  defaults: DefaultsInput,
  baseDir: string,
  main: Locatable,
  problems: string[],
): Ms365TenantConfig | undefined {
  const t = entry.input;
  const where = () => `${tenantLocation(entry)}: tenants[${entry.index}] (id "${t.id}")`;
  const before = problems.length;
  for (const key of GOOGLE_ONLY_SETTINGS) {
    if (t[key] !== undefined)
      problems.push(
        `${where()}.${key}: a Google Workspace setting; this tenant has suite "microsoft-365" (its settings go under microsoft365:)`,
      );
  }
  const pbx = resolvePbx(entry, defaults, baseDir, main, where, problems);
  if (pbx?.level === 'system') problems.push(`${where()}.pbx.level: gwkit sets up Microsoft 365 per tenant only; use level "tenant"`);
  const microsoft365 = resolveMicrosoft365(t.id, t.microsoft365, defaults.microsoft365, baseDir, where, problems);
  if (problems.length > before || !microsoft365) return undefined;
  return {
    suite: 'microsoft-365',
    id: t.id,
    pbxTenant: t.pbxTenant,
    environment: t.environment ?? defaults.environment ?? 'production',
    backend: t.backend ?? defaults.backend ?? { type: 'local' },
    pbx,
    microsoft365,
    location: () => tenantLocation(entry),
  };
}

function resolveTenant(
  entry: SourcedTenant,
  defaults: DefaultsInput,
  baseDir: string,
  main: Locatable,
  problems: string[],
): TenantConfig | undefined {
  const t = entry.input;
  const where = () => `${tenantLocation(entry)}: tenants[${entry.index}] (id "${t.id}")`;
  const before = problems.length;
  const need = <T>(value: T | undefined, field: string, example: string): T => {
    if (value === undefined) problems.push(`${where()}.${field}: required, set it on the tenant or in defaults (e.g. ${example})`);
    return value as T;
  };

  const template = t.projectId ?? defaults.projectId ?? D.projectId;
  const projectId = template.replaceAll('{id}', t.id);
  if (/[{}]/.test(projectId)) problems.push(`${where()}.projectId: "${template}" has an unknown placeholder; only {id} is supported`);
  const idProblem = projectIdProblem(projectId);
  if (idProblem) problems.push(`${where()}.projectId: ${idProblem}`);

  const parent = need(t.parent ?? defaults.parent, 'parent', '"folders/123456789012"');
  const billingAccount = need(t.billingAccount ?? defaults.billingAccount, 'billingAccount', '"01ABCD-23EF45-67ABCD"');
  const features = t.features ?? defaults.features ?? D.features;
  const consent = { ...defaults.consentScreen, ...t.consentScreen };
  const supportEmail = need(consent.supportEmail, 'consentScreen.supportEmail', '"it-support@example.com"');
  const environment = t.environment ?? defaults.environment ?? D.environment;
  const labels = { ...defaults.labels, ...t.labels, 'managed-by': 'gwkit', 'gwkit-tenant': t.id };
  if (Object.keys(labels).length > 64)
    problems.push(`${where()}.labels: at most 64 labels per project (got ${Object.keys(labels).length})`);

  if (t.microsoft365 !== undefined)
    problems.push(
      `${where()}.microsoft365: this tenant has suite "google-workspace" (the default); set suite: microsoft-365 for a Microsoft 365 tenant`,
    );
  const pbx = resolvePbx(entry, defaults, baseDir, main, where, problems);
  const level = pbx?.level;
  if (level === 'system' && features.some((f) => f !== 'mail')) {
    problems.push(
      `${where()}.pbx.level: "system" only sends mail (PortSIP: user sync and SSO need the tenant level); use level "tenant" or features [mail]`,
    );
  }

  if (problems.length > before) return undefined;
  const [kind, parentId] = parent.split('/') as ['folders' | 'organizations', string];
  return {
    id: t.id,
    pbxTenant: t.pbxTenant,
    projectId,
    projectName: t.projectName ?? defaults.projectName ?? `PBX Google ${t.id}`.slice(0, 30),
    parent: { kind: kind === 'folders' ? 'folder' : 'organization', id: parentId },
    billingAccount,
    labels,
    features: [...new Set(features)],
    apis: [...new Set([...features.flatMap((f) => FEATURE_APIS[f]), ...KIT_APIS])].sort(),
    consentScreen: {
      appName: consent.appName ?? D.consentScreen.appName,
      supportEmail,
      developerEmail: consent.developerEmail ?? supportEmail,
      audience: consent.audience ?? D.consentScreen.audience,
    },
    environment,
    deletionPolicy: t.deletionPolicy ?? defaults.deletionPolicy ?? (environment === 'production' ? 'PREVENT' : 'DELETE'),
    lien: t.lien ?? defaults.lien ?? D.lien,
    backend: t.backend ?? defaults.backend ?? { type: D.backend.type },
    provider: { ...defaults.provider, ...t.provider },
    secretAccess: {
      importers: t.secretAccess?.importers ?? defaults.secretAccess?.importers ?? [],
      readers: t.secretAccess?.readers ?? defaults.secretAccess?.readers ?? [],
    },
    credentialSecretId: CREDENTIAL_SECRET_ID,
    credentialSecretName: `projects/${projectId}/secrets/${CREDENTIAL_SECRET_ID}`,
    pbx,
    mail: {
      switchToGmail: t.mail?.switchToGmail ?? defaults.mail?.switchToGmail ?? D.mail.switchToGmail,
      sender: t.mail?.sender ?? defaults.mail?.sender ?? supportEmail,
      testRecipient: t.mail?.testRecipient ?? defaults.mail?.testRecipient ?? supportEmail,
      maxProofAgeDays: t.mail?.maxProofAgeDays ?? defaults.mail?.maxProofAgeDays ?? D.mail.maxProofAgeDays,
    },
    location: () => tenantLocation(entry),
  };
}

/** Report the second and later entries that reuse a value the first one already claimed. */
function checkUnique<T extends { id: string; location: () => string }>(
  tenants: readonly T[],
  field: string,
  key: (t: T) => { shown: string; compared: string } | string,
  problems: string[],
): void {
  const first = new Map<string, T>();
  for (const tenant of tenants) {
    const value = key(tenant);
    const { shown, compared } = typeof value === 'string' ? { shown: value, compared: value.toLowerCase() } : value;
    const owner = first.get(compared);
    if (owner) {
      problems.push(
        `${tenant.location()}: tenant "${tenant.id}": ${field} "${shown}" is already used by tenant "${owner.id}" (${owner.location()}); it must be unique across the fleet`,
      );
    } else {
      first.set(compared, tenant);
    }
  }
}

/** Which PBX tenant an entry names, as written and as compared. */
function pbxTenantKey(t: Pick<TenantConfig, 'pbxTenant'>): { shown: string; compared: string } {
  const ref = t.pbxTenant;
  if (ref.id !== undefined) return { shown: `id ${ref.id}`, compared: `id ${ref.id}` };
  return 'domain' in ref
    ? { shown: `domain ${ref.domain}`, compared: `domain ${sipDomainKey(ref.domain)}` }
    : { shown: `name ${ref.name}`, compared: `name ${ref.name.toLowerCase()}` };
}

export function resolveFleet(
  file: string,
  baseDir: string,
  defaults: DefaultsInput,
  google: GoogleSettingsInput,
  entries: readonly SourcedTenant[],
  /** The main config file, to locate settings of `defaults`. */
  main: Locatable,
): Fleet {
  const problems: string[] = [];
  if (entries.length === 0)
    problems.push(`${file}: tenants: the fleet has no tenants; add at least one under "tenants:" or via "include:"`);
  const isMs365 = (e: SourcedTenant) => (e.input.suite ?? defaults.suite) === 'microsoft-365';
  // In file order, so that problems read top to bottom whatever the suites.
  const everyTenant = entries
    .map((e) =>
      isMs365(e) ? resolveMs365Tenant(e, defaults, baseDir, main, problems) : resolveTenant(e, defaults, baseDir, main, problems),
    )
    .filter((t): t is TenantConfig | Ms365TenantConfig => !!t);
  const tenants = everyTenant.filter((t): t is TenantConfig => !('suite' in t));
  const microsoft365Tenants = everyTenant.filter((t): t is Ms365TenantConfig => 'suite' in t);
  checkUnique(everyTenant, 'id', (t) => t.id, problems);
  checkUnique(tenants, 'projectId', (t) => t.projectId, problems);
  checkUnique(microsoft365Tenants, 'microsoft365.directoryId', (t) => t.microsoft365.directoryId, problems);
  // One PBX tenant per entry: by its pinned id, else by its domain (the same domain in any case or
  // spelling, lib/naming/sip-domain.ts) or name. Two pinned ids may share a domain: case twins.
  checkUnique(everyTenant, 'pbxTenant', pbxTenantKey, problems);
  // Names gwkit gives its own stack and its workspace: a tenant with one would share their state.
  for (const t of everyTenant) {
    if (RESERVED_TENANT_IDS.includes(t.id))
      problems.push(
        `${t.location()}: tenants (id "${t.id}").id: "${t.id}" is reserved for gwkit's HCP Terraform workspaces stack; choose another id`,
      );
  }
  if (problems.length) throw new InputError(`${file}: invalid configuration`, problems);
  return {
    file,
    tenants,
    microsoft365Tenants,
    google: { ...google, caFile: google.caFile ? resolvePath(baseDir, google.caFile) : undefined },
  };
}

/** The tenants a selection names, by suite. */
export interface SuiteSelection {
  readonly google: readonly TenantConfig[];
  readonly microsoft365: readonly Ms365TenantConfig[];
}

/**
 * The tenants named by `ids` (all when none), in the order given, by suite. Unknown ids are an
 * input error (exit 2) naming them, so that a typo in a CI variable never silently deploys
 * nothing. `source` names where the ids came from in messages (`--tenant`, or the GWKIT_TENANTS
 * variable of a cdktf run).
 */
export function selectSuites(fleet: Fleet, ids: readonly string[] | undefined, source = '--tenant'): SuiteSelection {
  if (!ids || ids.length === 0) return { google: fleet.tenants, microsoft365: fleet.microsoft365Tenants };
  const joined = ids.find((id) => id.includes(','));
  if (joined && source === '--tenant') {
    throw new InputError(
      `--tenant takes one id; repeat it for several: ${joined
        .split(',')
        .map((id) => `--tenant ${id.trim()}`)
        .join(' ')}`,
    );
  }
  const google = new Map(fleet.tenants.map((t) => [t.id, t]));
  const microsoft365 = new Map(fleet.microsoft365Tenants.map((t) => [t.id, t]));
  const unknown = ids.filter((id) => !google.has(id) && !microsoft365.has(id));
  if (unknown.length) {
    const shown = unknown.slice(0, 5).map((id) => JSON.stringify(id.length > 40 ? `${id.slice(0, 37)}…` : id));
    const count = fleet.tenants.length + fleet.microsoft365Tenants.length;
    throw new InputError(
      `${source}: ${fleet.file} has no tenant with id ${shown.join(', ')}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''} ` +
        `(the fleet has ${count} tenants; \`npx gwkit config validate\` lists them)`,
    );
  }
  const unique = [...new Set(ids)];
  return {
    google: unique.filter((id) => google.has(id)).map((id) => google.get(id)!),
    microsoft365: unique.filter((id) => microsoft365.has(id)).map((id) => microsoft365.get(id)!),
  };
}

/** The Google Workspace tenants `ids` name (all when none); Microsoft 365 ids are known, and left to their own commands. */
export function selectTenants(fleet: Fleet, ids: readonly string[] | undefined, source = '--tenant'): readonly TenantConfig[] {
  return selectSuites(fleet, ids, source).google;
}
