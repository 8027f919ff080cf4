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
import { entraLinks, type EntraLinks } from '../entra-links';
import { ExitCode, InputError } from '../errors';
import { PortSipError, type Ms365Integration, type Ms365IntegrationUpdate, type PortSipClient } from '../pbx';
import { mergeReports, runFleet, type FleetReport } from '../workflow/fleet-runner';
import { postDeployFleet, type PostDeployFleetOptions, type PostDeployResult } from '../workflow/post-deploy';
import { cdkCommand, gwkitCommand } from '../workflow/printed-commands';
import type { SessionProvider } from '../workflow/session-provider';
import { exitCodeOfMs365, exitCodeOfMs365Status, MS365_STAGES, nextAction, type Ms365Stage } from '../workflow/stage-model';
import { readStackOutputs, type StackOutputsFile } from '../workflow/stack-outputs';
import { certificateFact, writePbxFacts, type CertificateFact, type PbxFacts } from './pbx-facts';

export { MS365_STAGES, type Ms365Stage };

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
  /** What could not be checked, and why (status without a PBX password). */
  readonly unchecked?: readonly string[];
  /** The app's pages in the Entra admin center, once the PBX holds its id. */
  readonly entraLinks?: EntraLinks;
}

/** Every next action a Microsoft 365 tenant is given (printed-commands.test.ts runs each). */
export const ms365NextAction = {
  discover: (t: Pick<Ms365TenantConfig, 'id'>) => gwkitCommand(`discover --tenant ${t.id}`),
  deploy: (t: Pick<Ms365TenantConfig, 'id'>) =>
    `${cdkCommand('deploy', [t.id], '--outputs-file outputs.json')}, then ${gwkitCommand(`post-deploy --tenant ${t.id} --outputs-file outputs.json`)}`,
  /** After discover wrote the facts file: the stack must register what it records. */
  deployFacts: (t: Pick<Ms365TenantConfig, 'id' | 'microsoft365'>) =>
    `commit ${t.microsoft365.factsFile} (synth reads it), then ${cdkCommand('deploy', [t.id], '--outputs-file outputs.json')}, then ${gwkitCommand(`rollout --tenant ${t.id} --outputs-file outputs.json`)}`,
  verify: (t: Pick<Ms365TenantConfig, 'id'>) => gwkitCommand(`verify --tenant ${t.id}`),
  renew: (t: Pick<Ms365TenantConfig, 'id'>) => gwkitCommand(`client rotate --tenant ${t.id} --new-certificate`),
  finishRotation: (t: Pick<Ms365TenantConfig, 'id'>) => gwkitCommand(`client rotate --tenant ${t.id}`),
  writeForReal: (t: Pick<Ms365TenantConfig, 'id'>) =>
    `run ${gwkitCommand(`post-deploy --tenant ${t.id} --outputs-file outputs.json`)} without --dry-run to write it`,
};
const next = ms365NextAction;

const base = (t: Ms365TenantConfig) => ({ tenant: t.id, suite: 'microsoft-365' as const, directoryId: t.microsoft365.directoryId });

export interface Ms365Discovery {
  readonly tenant: string;
  readonly suite: 'microsoft-365';
  readonly redirectUris: string[];
  /** The certificate the PBX uses now. */
  readonly certificate: CertificateFact;
  /** Every certificate the stack registers: the current one first, then older ones not yet expired (a renewal under way). */
  readonly certificates: readonly CertificateFact[];
  /** The PBX had no key pair, so discover had it generate one. */
  readonly generated: boolean;
  readonly factsFile: string;
  /** Whether the facts file changed (an unchanged PBX leaves it as it was, so git shows no change). */
  readonly changed: boolean;
  readonly nextAction?: string;
}

/**
 * `discover`: the PBX's redirect URIs and certificate, recorded in the tenant's facts file. A key
 * pair is generated only when the PBX has none. Certificates recorded before stay in the file
 * until they expire or `client rotate` retires them, so the app keeps the old and the new side by
 * side through a renewal.
 */
export async function discoverMs365(sessions: SessionProvider, tenant: Ms365TenantConfig, now = new Date()): Promise<Ms365Discovery> {
  return sessions.withPbx(tenant, async (pbx) => {
    const settings = await pbx.getMs365();
    const redirectUris = [settings.redirect_uri, settings.sbc_redirect_uri].filter((u): u is string => !!u);
    if (!redirectUris.length)
      throw new Error(
        `tenant "${tenant.id}": the PBX reports no Microsoft 365 redirect URI (GET /ms365); check its web domain and certificate`,
      );
    let served = await pbx.downloadMs365Certificate();
    const generated = !served;
    served ??= await pbx.generateMs365Certificate();
    const certificate = certificateFact(served);
    const { changed, certificates } = recordFacts(tenant, { redirectUris, current: certificate }, now);
    const nextAction = changed ? next.deployFacts(tenant) : undefined;
    return {
      ...base(tenant),
      redirectUris,
      certificate,
      certificates,
      generated,
      factsFile: tenant.microsoft365.factsFile,
      changed,
      ...(nextAction ? { nextAction } : {}),
    };
  });
}

/**
 * Write what the PBX reported into the tenant's facts file, keeping recorded certificates that are
 * neither the current one nor expired (`keep: 'current'` drops them: a renewal proven), and only
 * when something changed.
 */
export function recordFacts(
  tenant: Ms365TenantConfig,
  reported: { readonly redirectUris?: readonly string[]; readonly current: CertificateFact; readonly keep?: 'all' | 'current' },
  now: Date,
): { changed: boolean; certificates: CertificateFact[] } {
  const recorded = tenant.microsoft365.facts;
  const older =
    reported.keep === 'current'
      ? []
      : (recorded?.certificates ?? []).filter(
          (c) => c.thumbprint !== reported.current.thumbprint && Date.parse(c.notAfter) > now.getTime(),
        );
  const certificates = [reported.current, ...older];
  const redirectUris = [...(reported.redirectUris ?? recorded?.redirectUris ?? [])];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const changed = !recorded || !same(recorded.redirectUris, redirectUris) || !same(recorded.certificates, certificates);
  if (changed) {
    const facts: PbxFacts = { version: 1, tenant: tenant.id, redirectUris, certificates, readAt: now.toISOString() };
    writePbxFacts(tenant.microsoft365.factsFile, facts);
  }
  return { changed, certificates };
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
    return Object.entries(want).flatMap(([k, v]) =>
      differences(v, (have as Record<string, unknown> | undefined)?.[k], path ? `${path}.${k}` : k),
    );
  }
  if (Array.isArray(want)) return JSON.stringify(want) === JSON.stringify(have ?? []) ? [] : [path];
  return want === have ? [] : [path];
}

/** The application id the stack reported for the tenant (cdktn deploy --outputs-file). */
export function applicationIdOf(tenant: Ms365TenantConfig, outputs: StackOutputsFile | undefined, file: string): string {
  const stack = outputs?.[tenant.id] as Record<string, unknown> | undefined;
  const id = stack?.application_id;
  if (typeof id !== 'string') {
    throw new InputError(
      `${file}: no application_id for Microsoft 365 tenant "${tenant.id}"; deploy it first: ${cdkCommand('deploy', [tenant.id], `--outputs-file ${file}`)}`,
    );
  }
  if (stack?.directory_id !== undefined && stack.directory_id !== tenant.microsoft365.directoryId) {
    throw new InputError(
      `${file}: tenant "${tenant.id}" was deployed to directory ${String(stack.directory_id)}, but gwkit.yaml says ${tenant.microsoft365.directoryId}`,
    );
  }
  return id;
}

/**
 * `post-deploy`: write the application and directory ids and the options into the PBX, only when
 * it does not hold them already (idempotent), then read back and fail naming any field that did
 * not stick. The whole object is written (POST may replace), never the read-only redirect URIs.
 */
export async function postDeployMs365(
  sessions: SessionProvider,
  tenant: Ms365TenantConfig,
  options: { outputs?: StackOutputsFile; outputsFile: string; dryRun?: boolean },
): Promise<Ms365View> {
  const applicationId = applicationIdOf(tenant, options.outputs, options.outputsFile);
  const want = desiredMs365(tenant, applicationId);
  return sessions.withPbx(tenant, async (pbx) => {
    const before = await pbx.getMs365();
    const changed = differences(want, before);
    const facts = [`application ${applicationId} in directory ${tenant.microsoft365.directoryId}`];
    // What the stage is rests on the PBX reading users now (a read), never on the write alone.
    if (!changed.length)
      return {
        ...base(tenant),
        applicationId,
        written: [],
        facts: [...facts, 'the PBX already holds these settings: nothing written'],
        ...(await proveMs365(pbx, tenant)),
      };
    if (options.dryRun) {
      return {
        ...base(tenant),
        stage: before.application_id ? 'pbx-configured' : 'discovered',
        applicationId,
        written: [],
        facts: [...facts, `would write: ${changed.join(', ')}`],
        nextAction: next.writeForReal(tenant),
      };
    }
    const { redirect_uri: _r, sbc_redirect_uri: _s, ...writable } = before as Ms365Integration;
    await pbx.setMs365({ ...writable, ...want } as Ms365IntegrationUpdate);
    const after = await pbx.getMs365();
    const stuck = differences(want, after);
    if (stuck.length) throw new Error(`tenant "${tenant.id}": the PBX did not keep ${stuck.join(', ')} after POST /ms365 (read back)`);
    return {
      ...base(tenant),
      applicationId,
      written: changed,
      facts: [...facts, `written and read back: ${changed.join(', ')}`],
      ...(await proveMs365(pbx, tenant)),
    };
  });
}

/** PortSIP's answer to reading users, in words a person can act on. */
export function likelyCause(tenant: Ms365TenantConfig, message: string): string {
  if (/AADSTS700027/.test(message))
    return `the PBX's certificate is not registered on the app (or expired): ${next.discover(tenant)}, then ${cdkCommand('deploy', [tenant.id])}`;
  if (/AADSTS700016/.test(message))
    return `the app is not in directory ${tenant.microsoft365.directoryId}: check microsoft365.directoryId and ${cdkCommand('deploy', [tenant.id])}`;
  if (/Authorization_RequestDenied|403/.test(message)) {
    return `the app lacks consent to read users (${tenant.microsoft365.graphPermissions.join(', ')} granted by the stack?): ${cdkCommand('deploy', [tenant.id])}; with usersPermission User.ReadBasic.All, try User.Read.All`;
  }
  if (/NOT_CONFIGURED/.test(message)) return `${gwkitCommand(`post-deploy --tenant ${tenant.id} --outputs-file outputs.json`)}`;
  return "see PortSIP's message above";
}

/** Where the tenant stands, derived live; with the PBX configured, proven by the PBX reading users (read-only). */
export async function ms365View(sessions: SessionProvider, tenant: Ms365TenantConfig, now = new Date()): Promise<Ms365View> {
  const m = tenant.microsoft365;
  if (!m.facts) return { ...base(tenant), stage: 'planned', facts: [`no PBX facts at ${m.factsFile}`], nextAction: next.discover(tenant) };
  const warnings = certificateWarnings(tenant, now);
  return sessions.withPbx(tenant, async (pbx) => {
    const held = await pbx.getMs365();
    const facts = [`PBX facts read ${m.facts!.readAt}`];
    const drift = [...redirectDrift(tenant, held), ...certificateDrift(tenant, await pbx.downloadMs365Certificate())];
    if (!held.application_id || (held.directory_id ?? '').toLowerCase() !== m.directoryId) {
      return {
        ...base(tenant),
        stage: 'discovered',
        facts: [
          ...facts,
          held.application_id ? `the PBX holds directory ${held.directory_id}, not ${m.directoryId}` : 'the PBX holds no application id',
        ],
        nextAction: next.deploy(tenant),
        warnings,
        drift,
      };
    }
    const proof = await proveMs365(pbx, tenant);
    const older = m.facts!.certificates.length - 1;
    if (proof.stage === 'verified' && older > 0) {
      warnings.push(
        `${older} older certificate(s) are still registered on the app though the PBX's new one works: retire them with ${next.finishRotation(tenant)}`,
      );
    }
    const links = entraLinks(m.nationalCloud, held.application_id);
    return {
      ...base(tenant),
      applicationId: held.application_id,
      ...proof,
      facts: [...facts, `the PBX holds application ${held.application_id}`],
      warnings,
      drift,
      entraLinks: links,
    };
  });
}

async function proveMs365(
  pbx: PortSipClient,
  tenant: Ms365TenantConfig,
): Promise<Pick<Ms365View, 'stage' | 'applicationId' | 'users' | 'failure' | 'nextAction'>> {
  try {
    const users = await pbx.listMs365Users();
    return { stage: 'verified', users: users.count ?? users.items?.length ?? 0 };
  } catch (error) {
    const refusal = integrationRefusal(error);
    if (refusal === undefined) throw error;
    return { stage: 'pbx-configured', failure: refusal, nextAction: likelyCause(tenant, refusal) };
  }
}

/**
 * What the PBX said when it could not read users: an answer (4xx, or an error in a 2xx body) is
 * the integration failing; undefined for a fault of the PBX or the way to it (5xx, 429, timeout,
 * network), which fails the tenant as any remote fault does instead of passing for a broken
 * integration.
 */
export function integrationRefusal(error: unknown): string | undefined {
  return error instanceof PortSipError && error.status !== undefined && !error.retryable ? error.message : undefined;
}

function redirectDrift(tenant: Ms365TenantConfig, held: Ms365Integration): string[] {
  const recorded = new Set(tenant.microsoft365.facts?.redirectUris ?? []);
  return [held.redirect_uri, held.sbc_redirect_uri]
    .filter((u): u is string => !!u && !recorded.has(u))
    .map(
      (u) =>
        `the PBX now reports redirect URI ${u}, which the app does not have: ${next.discover(tenant)}, then ${cdkCommand('deploy', [tenant.id])}`,
    );
}

/** The PBX uses a certificate the facts file (and so the app) does not hold: a key pair generated outside gwkit, or a renewal not recorded. */
function certificateDrift(tenant: Ms365TenantConfig, served: Buffer | string | undefined): string[] {
  if (!served)
    return [
      `the PBX has no Microsoft 365 certificate now (its key pair was reset): ${next.discover(tenant)}, then ${cdkCommand('deploy', [tenant.id])}`,
    ];
  const current = certificateFact(served);
  if (tenant.microsoft365.facts?.certificates.some((c) => c.thumbprint === current.thumbprint)) return [];
  return [
    `the PBX uses certificate ${current.thumbprint}, which ${tenant.microsoft365.factsFile} (and so the app) does not hold: record it with ${next.finishRotation(tenant)}, then deploy`,
  ];
}

/** The PBX's certificate expires after a year: warn `certificateWarningDays` before. */
export function certificateWarnings(tenant: Ms365TenantConfig, now: Date): string[] {
  const newest = [...(tenant.microsoft365.facts?.certificates ?? [])].sort((a, b) => b.notAfter.localeCompare(a.notAfter))[0];
  if (!newest) return [];
  const days = Math.floor((Date.parse(newest.notAfter) - now.getTime()) / 86_400_000);
  if (days > tenant.microsoft365.certificateWarningDays) return [];
  const when = days < 0 ? `expired ${-days} day(s) ago` : `expires in ${days} day(s)`;
  return [`the PBX's Microsoft 365 certificate ${newest.thumbprint} ${when} (${newest.notAfter}): renew it with ${next.renew(tenant)}`];
}

const outcome = (v: Ms365View) => ({ exitCode: exitCodeOfMs365(v), nextAction: v.nextAction });
const fleet = <T>(
  sessions: SessionProvider,
  work: (t: Ms365TenantConfig) => Promise<T>,
  outcomeOf?: (r: T) => { exitCode: ExitCode; nextAction?: string },
) => runFleet(sessions.microsoft365Tenants, work, { progress: sessions.progress, signal: sessions.signal, outcomeOf });

/** `status`: the view, or, without the PBX's password or CA file in a read-only run, what the facts file says and what was not checked. */
export async function ms365Status(sessions: SessionProvider, tenant: Ms365TenantConfig, now = new Date()): Promise<Ms365View> {
  const problem = tenant.microsoft365.facts ? await sessions.pbxProblem(tenant) : undefined;
  if (!problem) return ms365View(sessions, tenant, now);
  return {
    ...base(tenant),
    stage: 'discovered',
    facts: [`PBX facts read ${tenant.microsoft365.facts!.readAt}`, `PBX not checked: ${problem}`],
    unchecked: [`PBX: ${problem}`],
    warnings: certificateWarnings(tenant, now),
    nextAction: nextAction.pbxUnchecked(tenant),
  };
}

export const statusMs365Fleet = (s: SessionProvider): Promise<FleetReport<Ms365View>> =>
  fleet(
    s,
    (t) => ms365Status(s, t),
    (v) => ({ exitCode: exitCodeOfMs365Status(v), nextAction: v.nextAction }),
  );
export const verifyMs365Fleet = (s: SessionProvider): Promise<FleetReport<Ms365View>> => fleet(s, (t) => ms365View(s, t), outcome);
// discover reports what the PBX offers, as Google's discover does: a read that worked is done (0), whatever the stage.
export const discoverMs365Fleet = (s: SessionProvider): Promise<FleetReport<Ms365Discovery>> =>
  fleet(
    s,
    (t) => discoverMs365(s, t),
    (d) => ({ exitCode: ExitCode.Ok, nextAction: d.nextAction }),
  );
/**
 * What post-deploy needs for Microsoft 365 tenants, checked before any tenant of either suite is
 * written (bad input changes nothing): an outputs file, when given, must hold an application id
 * for each. Without one, they are not written: each says where it stands and what comes next.
 */
export function ms365Outputs(
  tenants: readonly Ms365TenantConfig[],
  outputsFile: string | undefined,
): { outputs?: StackOutputsFile; outputsFile?: string } {
  if (!tenants.length || !outputsFile) return {};
  const outputs = readStackOutputs(outputsFile);
  for (const t of tenants) applicationIdOf(t, outputs, outputsFile);
  return { outputs, outputsFile };
}

/** post-deploy of every selected Microsoft 365 tenant (PBX passwords checked before the first write); without stack outputs, a read-only view. */
export async function postDeployMs365Fleet(
  s: SessionProvider,
  o: { outputs?: StackOutputsFile; outputsFile?: string; dryRun?: boolean },
): Promise<FleetReport<Ms365View>> {
  await s.assertPbxReady();
  const { outputs, outputsFile } = o;
  if (!outputs || !outputsFile) return fleet(s, (t) => ms365View(s, t), outcome);
  // A dry run proves nothing and breaks nothing (exit 0, as for Google); otherwise the one rule of the stage model.
  return fleet(
    s,
    (t) => postDeployMs365(s, t, { outputs, outputsFile, dryRun: o.dryRun }),
    o.dryRun ? (v) => ({ exitCode: ExitCode.Ok, nextAction: v.nextAction }) : outcome,
  );
}

/**
 * `gwkit post-deploy` over both suites. Microsoft 365 inputs are checked before either suite
 * writes anything (bad input changes nothing); Google Workspace tenants check theirs in postDeployFleet.
 */
export async function postDeployAcrossSuites(
  sessions: SessionProvider,
  options: PostDeployFleetOptions,
): Promise<FleetReport<PostDeployResult | Ms365View>> {
  const ms365 = ms365Outputs(sessions.microsoft365Tenants, options.outputsFile);
  return acrossSuites(
    sessions,
    () => postDeployFleet(sessions, options),
    () => postDeployMs365Fleet(sessions, { ...ms365, dryRun: options.dryRun }),
  );
}

/**
 * A fleet command over both suites: the Google Workspace tenants' run, then the Microsoft 365
 * tenants', as one report with the fleet's one exit code. A suite with no selected tenant is not run.
 */
export async function acrossSuites<A, B>(
  sessions: SessionProvider,
  google: () => Promise<FleetReport<A>>,
  microsoft365: () => Promise<FleetReport<B>>,
): Promise<FleetReport<A | B>> {
  const a: FleetReport<A> = sessions.tenants.length ? await google() : { tenants: [], exitCode: ExitCode.Ok };
  const b: FleetReport<B> = sessions.microsoft365Tenants.length ? await microsoft365() : { tenants: [], exitCode: ExitCode.Ok };
  return mergeReports(a, b);
}

/** A result of a Microsoft 365 tenant, among the results of a fleet command over both suites. */
export function isMs365Result(result: unknown): result is { readonly suite: 'microsoft-365' } {
  return (result as { suite?: string } | undefined)?.suite === 'microsoft-365';
}

/** What `rollout` did for a Microsoft 365 tenant, in the terms of a Google tenant's rollout (from, reached, done). */
export interface Ms365RolloutResult extends Omit<Ms365View, 'stage'> {
  readonly from: Ms365Stage;
  readonly stage: Ms365Stage;
  readonly done: readonly string[];
}

/**
 * `rollout` for a Microsoft 365 tenant, as far as automation goes without Terraform: record the
 * PBX's facts when there are none (the stack needs them), write the application and directory ids
 * when the stack's outputs are given, and prove the result (the proof is a read: always done).
 */
export async function rolloutMs365(
  sessions: SessionProvider,
  tenant: Ms365TenantConfig,
  options: { outputs?: StackOutputsFile; outputsFile?: string; dryRun?: boolean },
): Promise<Ms365RolloutResult> {
  if (!tenant.microsoft365.facts) {
    if (options.dryRun) {
      return {
        ...base(tenant),
        from: 'planned',
        stage: 'planned',
        facts: [],
        done: [`would record the PBX's redirect URIs and certificate in ${tenant.microsoft365.factsFile} (dry run)`],
        nextAction: next.discover(tenant),
      };
    }
    const found = await discoverMs365(sessions, tenant);
    const done = [
      `recorded the PBX's redirect URIs and certificate ${found.certificate.thumbprint} in ${found.factsFile}${found.generated ? ' (the PBX generated its key pair)' : ''}`,
    ];
    return { ...base(tenant), from: 'planned', stage: 'discovered', facts: [], done, nextAction: next.deployFacts(tenant) };
  }
  const before = await ms365View(sessions, tenant);
  if (options.outputs?.[tenant.id] === undefined) {
    const done =
      before.stage === 'verified'
        ? [`already proven: the PBX read ${before.users} user(s) through Graph`]
        : ['no stack outputs for it (--outputs-file): nothing written'];
    return { ...before, from: before.stage, done };
  }
  // post-deploy writes only what differs from gwkit.yaml, so a verified tenant whose options changed is updated too.
  const written = await postDeployMs365(sessions, tenant, {
    outputs: options.outputs,
    outputsFile: options.outputsFile ?? 'outputs.json',
    dryRun: options.dryRun,
  });
  const done = options.dryRun
    ? written.facts.slice(1).map((f) => `${f} (dry run)`)
    : [written.written?.length ? `wrote and read back ${written.written.join(', ')} in the PBX` : 'the PBX already held these settings'];
  if (options.dryRun) return { ...before, from: before.stage, done };
  const after = await ms365View(sessions, tenant);
  return {
    ...after,
    from: before.stage,
    done: [
      ...done,
      after.stage === 'verified' ? `proven: the PBX read ${after.users} user(s) through Graph` : 'not proven: reading users failed',
    ],
  };
}

export const rolloutMs365Fleet = (
  s: SessionProvider,
  o: { outputs?: StackOutputsFile; outputsFile?: string; dryRun?: boolean; concurrency?: number },
): Promise<FleetReport<Ms365RolloutResult>> =>
  runFleet(s.microsoft365Tenants, (t) => rolloutMs365(s, t, o), {
    concurrency: o.concurrency,
    progress: s.progress,
    signal: s.signal,
    outcomeOf: (r) => ({ exitCode: exitCodeOfMs365(r), nextAction: r.nextAction }),
  });
