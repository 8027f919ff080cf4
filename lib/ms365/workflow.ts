/**
 * What gwkit does for a Microsoft 365 tenant, per command. There is no human step: the stack
 * registers the app, the PBX's certificate and the admin consent, so the stages are
 *
 *   planned → discovered → pbx-configured → verified
 *
 * - planned: gwkit has no PBX facts (redirect URIs, certificate) for the tenant: `discover`;
 * - discovered: facts recorded; the stack is deployed with them, then `post-deploy` writes the
 *   application and directory ids into the PBX;
 * - pbx-configured: the PBX holds them, but reading users through it failed (the reason is said);
 * - verified: the PBX read the directory's users through Graph (`GET /ms365/users`), live.
 *
 * Proof is live and read-only (the PBX reads Graph), so `status` proves it every run, and what
 * the PBX holds is readable back in full: no record of ours is needed (docs/microsoft-365.md).
 */
import type { Ms365TenantConfig } from '../config';
import { ExitCode, InputError } from '../errors';
import type { Ms365Integration, Ms365IntegrationUpdate, PortSipClient } from '../pbx';
import { runFleet, type FleetReport } from '../workflow/fleet-runner';
import { cdkCommand, gwkitCommand } from '../workflow/printed-commands';
import type { SessionProvider } from '../workflow/session-provider';
import type { StackOutputsFile } from '../workflow/stack-outputs';
import { certificateFact, writePbxFacts, type CertificateFact, type PbxFacts } from './pbx-facts';

export const MS365_STAGES = ['planned', 'discovered', 'pbx-configured', 'verified'] as const;
export type Ms365Stage = (typeof MS365_STAGES)[number];

export interface Ms365View {
  readonly tenant: string;
  readonly suite: 'microsoft-365';
  readonly directoryId: string;
  readonly stage: Ms365Stage;
  readonly facts: readonly string[];
  readonly nextAction?: string;
  readonly applicationId?: string;
  /** Users the PBX read from Microsoft 365 (the proof). */
  readonly users?: number;
  /** What the PBX said when reading users failed, and the likely cause. */
  readonly failure?: string;
  readonly warnings?: readonly string[];
  readonly drift?: readonly string[];
  /** post-deploy: what it wrote (field names), or nothing. */
  readonly written?: readonly string[];
}

const next = {
  discover: (t: Ms365TenantConfig) => gwkitCommand(`discover --tenant ${t.id}`),
  deploy: (t: Ms365TenantConfig) => `${cdkCommand('deploy', [t.id], '--outputs-file outputs.json')}, then ${gwkitCommand(`post-deploy --tenant ${t.id} --outputs-file outputs.json`)}`,
};

const base = (t: Ms365TenantConfig) => ({ tenant: t.id, suite: 'microsoft-365' as const, directoryId: t.microsoft365.directoryId });

/** `discover`: the PBX's redirect URIs and certificate, recorded in the tenant's facts file. A key pair is generated only when the PBX has none. */
export async function discoverMs365(sessions: SessionProvider, tenant: Ms365TenantConfig, now = new Date()): Promise<{ tenant: string; suite: 'microsoft-365'; redirectUris: string[]; certificate: CertificateFact; generated: boolean; factsFile: string }> {
  return sessions.withPbx(tenant, async (pbx) => {
    const settings = await pbx.getMs365();
    const redirectUris = [settings.redirect_uri, settings.sbc_redirect_uri].filter((u): u is string => !!u);
    if (!redirectUris.length) throw new Error(`tenant "${tenant.id}": the PBX reports no Microsoft 365 redirect URI (GET /ms365); check its web domain and certificate`);
    let served = await pbx.downloadMs365Certificate();
    const generated = !served;
    served ??= await pbx.generateMs365Certificate();
    const certificate = certificateFact(served);
    const facts: PbxFacts = { version: 1, tenant: tenant.id, redirectUris, certificates: [certificate], readAt: now.toISOString() };
    writePbxFacts(tenant.microsoft365.factsFile, facts);
    return { ...base(tenant), redirectUris, certificate, generated, factsFile: tenant.microsoft365.factsFile };
  });
}

/** What gwkit.yaml says the PBX should hold. */
export function desiredMs365(tenant: Ms365TenantConfig, applicationId: string): Ms365IntegrationUpdate {
  const m = tenant.microsoft365;
  const syncType = m.userSync.syncType.toUpperCase() as 'ALL' | 'INCLUDE' | 'EXCLUDE';
  return {
    national_cloud: m.nationalCloud === 'china' ? 'CHINA' : 'GLOBAL',
    directory_id: m.directoryId,
    application_id: applicationId,
    ...(m.userSync.syncTime ? { sync_time: m.userSync.syncTime } : {}),
    users: {
      enabled: m.userSync.enabled,
      sync_guest_users: m.userSync.syncGuestUsers,
      sync_photo: m.userSync.syncPhoto,
      sync_type: syncType,
      selected_users: [...m.userSync.selectedUsers],
      ...(m.userSync.startingExtension ? { starting_extension_number: m.userSync.startingExtension } : {}),
    },
    sign_in_as_standard_user: { enabled: m.signIn.standardUsers, sync_type: 'ALL', selected_users: [] },
    sign_in_as_administrator: { enabled: m.signIn.administrators.length > 0, selected_users: [...m.signIn.administrators] },
    personal_contacts: { enabled: m.features.includes('contacts'), sync_type: 'ALL', selected_users: [] },
    events: { enabled: m.features.includes('calendar'), sync_type: 'ALL', selected_users: [] },
  } as Ms365IntegrationUpdate;
}

/** Fields of `want` the PBX does not hold as given (dotted paths). */
export function differences(want: unknown, have: unknown, path = ''): string[] {
  if (want && typeof want === 'object' && !Array.isArray(want)) {
    return Object.entries(want).flatMap(([k, v]) => differences(v, (have as Record<string, unknown> | undefined)?.[k], path ? `${path}.${k}` : k));
  }
  if (Array.isArray(want)) return JSON.stringify(want) === JSON.stringify(have ?? []) ? [] : [path];
  return want === have ? [] : [path];
}

/** The application id the stack reported for the tenant (cdktn deploy --outputs-file). */
export function applicationIdOf(tenant: Ms365TenantConfig, outputs: StackOutputsFile | undefined, file: string): string {
  const stack = outputs?.[tenant.id] as Record<string, unknown> | undefined;
  const id = stack?.application_id;
  if (typeof id !== 'string') {
    throw new InputError(`${file}: no application_id for Microsoft 365 tenant "${tenant.id}"; deploy it first: ${cdkCommand('deploy', [tenant.id], `--outputs-file ${file}`)}`);
  }
  if (stack?.directory_id !== undefined && stack.directory_id !== tenant.microsoft365.directoryId) {
    throw new InputError(`${file}: tenant "${tenant.id}" was deployed to directory ${String(stack.directory_id)}, but gwkit.yaml says ${tenant.microsoft365.directoryId}`);
  }
  return id;
}

/**
 * `post-deploy`: write the application and directory ids and the options into the PBX, only when
 * it does not hold them already (idempotent), then read back and fail naming any field that did
 * not stick. The whole object is written (POST may replace), never the read-only redirect URIs.
 */
export async function postDeployMs365(sessions: SessionProvider, tenant: Ms365TenantConfig, options: { outputs?: StackOutputsFile; outputsFile: string; dryRun?: boolean }): Promise<Ms365View> {
  const applicationId = applicationIdOf(tenant, options.outputs, options.outputsFile);
  const want = desiredMs365(tenant, applicationId);
  return sessions.withPbx(tenant, async (pbx) => {
    const before = await pbx.getMs365();
    const changed = differences(want, before);
    const facts = [`application ${applicationId} in directory ${tenant.microsoft365.directoryId}`];
    if (!changed.length) return { ...base(tenant), stage: 'pbx-configured', applicationId, written: [], facts: [...facts, 'the PBX already holds these settings: nothing written'], nextAction: gwkitCommand(`verify --tenant ${tenant.id}`) };
    if (options.dryRun) return { ...base(tenant), stage: 'discovered', applicationId, written: [], facts: [...facts, `would write: ${changed.join(', ')}`] };
    const { redirect_uri: _r, sbc_redirect_uri: _s, ...writable } = before as Ms365Integration;
    await pbx.setMs365({ ...writable, ...want } as Ms365IntegrationUpdate);
    const after = await pbx.getMs365();
    const stuck = differences(want, after);
    if (stuck.length) throw new Error(`tenant "${tenant.id}": the PBX did not keep ${stuck.join(', ')} after POST /ms365 (read back)`);
    return { ...base(tenant), stage: 'pbx-configured', applicationId, written: changed, facts: [...facts, `written and read back: ${changed.join(', ')}`], nextAction: gwkitCommand(`verify --tenant ${tenant.id}`) };
  });
}

/** PortSIP's answer to reading users, in words a person can act on. */
export function likelyCause(tenant: Ms365TenantConfig, message: string): string {
  if (/AADSTS700027/.test(message)) return `the PBX's certificate is not registered on the app (or expired): ${next.discover(tenant)}, then ${cdkCommand('deploy', [tenant.id])}`;
  if (/AADSTS700016/.test(message)) return `the app is not in directory ${tenant.microsoft365.directoryId}: check microsoft365.directoryId and ${cdkCommand('deploy', [tenant.id])}`;
  if (/Authorization_RequestDenied|403/.test(message)) {
    return `the app lacks consent to read users (${tenant.microsoft365.graphPermissions.join(', ')} granted by the stack?): ${cdkCommand('deploy', [tenant.id])}; with usersPermission User.ReadBasic.All, try User.Read.All`;
  }
  if (/NOT_CONFIGURED/.test(message)) return `${gwkitCommand(`post-deploy --tenant ${tenant.id} --outputs-file outputs.json`)}`;
  return 'see PortSIP\'s message above';
}

/** Where the tenant stands, derived live; with the PBX configured, proven by the PBX reading users (read-only). */
export async function ms365View(sessions: SessionProvider, tenant: Ms365TenantConfig, now = new Date()): Promise<Ms365View> {
  const m = tenant.microsoft365;
  if (!m.facts) return { ...base(tenant), stage: 'planned', facts: [`no PBX facts at ${m.factsFile}`], nextAction: next.discover(tenant) };
  const warnings = certificateWarnings(tenant, now);
  return sessions.withPbx(tenant, async (pbx) => {
    const held = await pbx.getMs365();
    const facts = [`PBX facts read ${m.facts!.readAt}`];
    const drift = redirectDrift(tenant, held);
    if (!held.application_id || (held.directory_id ?? '').toLowerCase() !== m.directoryId) {
      return { ...base(tenant), stage: 'discovered', facts: [...facts, held.application_id ? `the PBX holds directory ${held.directory_id}, not ${m.directoryId}` : 'the PBX holds no application id'], nextAction: next.deploy(tenant), warnings, drift };
    }
    return { ...base(tenant), applicationId: held.application_id, ...(await proveMs365(pbx, tenant)), facts: [...facts, `the PBX holds application ${held.application_id}`], warnings, drift };
  });
}

async function proveMs365(pbx: PortSipClient, tenant: Ms365TenantConfig): Promise<Pick<Ms365View, 'stage' | 'applicationId' | 'users' | 'failure' | 'nextAction'>> {
  try {
    const users = await pbx.listMs365Users();
    return { stage: 'verified', users: users.count ?? users.items?.length ?? 0 };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/status (5\d\d)|TIMEOUT|NETWORK/i.test(message)) throw error;
    return { stage: 'pbx-configured', failure: message, nextAction: likelyCause(tenant, message) };
  }
}

function redirectDrift(tenant: Ms365TenantConfig, held: Ms365Integration): string[] {
  const recorded = new Set(tenant.microsoft365.facts?.redirectUris ?? []);
  return [held.redirect_uri, held.sbc_redirect_uri]
    .filter((u): u is string => !!u && !recorded.has(u))
    .map((u) => `the PBX now reports redirect URI ${u}, which the app does not have: ${next.discover(tenant)}, then ${cdkCommand('deploy', [tenant.id])}`);
}

/** The PBX's certificate expires after a year: warn `certificateWarningDays` before. */
export function certificateWarnings(tenant: Ms365TenantConfig, now: Date): string[] {
  const newest = [...(tenant.microsoft365.facts?.certificates ?? [])].sort((a, b) => b.notAfter.localeCompare(a.notAfter))[0];
  if (!newest) return [];
  const days = Math.floor((Date.parse(newest.notAfter) - now.getTime()) / 86_400_000);
  if (days > tenant.microsoft365.certificateWarningDays) return [];
  const when = days < 0 ? `expired ${-days} day(s) ago` : `expires in ${days} day(s)`;
  return [`the PBX's Microsoft 365 certificate ${newest.thumbprint} ${when} (${newest.notAfter}): renew it with ${gwkitCommand(`client rotate --tenant ${tenant.id}`)}`];
}

const outcome = (v: Ms365View) => ({ exitCode: v.stage === 'verified' ? ExitCode.Ok : v.failure ? ExitCode.Failed : ExitCode.WaitingOnPerson, nextAction: v.nextAction });
const fleet = <T>(sessions: SessionProvider, work: (t: Ms365TenantConfig) => Promise<T>, outcomeOf?: (r: T) => { exitCode: ExitCode; nextAction?: string }) =>
  runFleet(sessions.microsoft365Tenants, work, { progress: sessions.progress, signal: sessions.signal, outcomeOf });

export const statusMs365Fleet = (s: SessionProvider): Promise<FleetReport<Ms365View>> => fleet(s, (t) => ms365View(s, t), (v) => ({ exitCode: ExitCode.Ok, nextAction: v.nextAction }));
export const verifyMs365Fleet = (s: SessionProvider): Promise<FleetReport<Ms365View>> => fleet(s, (t) => ms365View(s, t), outcome);
export const discoverMs365Fleet = (s: SessionProvider) => fleet(s, (t) => discoverMs365(s, t));
export const postDeployMs365Fleet = (s: SessionProvider, o: { outputs?: StackOutputsFile; outputsFile: string; dryRun?: boolean }): Promise<FleetReport<Ms365View>> =>
  fleet(s, (t) => postDeployMs365(s, t, o), (v) => ({ exitCode: ExitCode.Ok, nextAction: v.nextAction }));
