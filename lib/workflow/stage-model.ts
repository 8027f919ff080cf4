/**
 * The one model of where a tenant stands:
 *
 *   planned → provisioned → client-registered → pbx-configured → consent-pending → verified
 *
 * and one stage off that path, `broken`: the PBX holds a client secret Google refuses now (checked
 * live, lib/workflow/secret-check.ts), so its mail is dead whatever was recorded before.
 *
 * how each stage is derived from the sources themselves (Resource Manager, Service Usage, Secret
 * Manager and gwkit's records on the tenant's credential secret, the PBX), what a person or gwkit
 * does next at each, and which exit code each outcome means. The PBX side is two pure steps:
 * `deriveView` (facts → view: the stage and what it rests on) and `planNext` (view → plan: the
 * next action, in the words of the command that asks). status, post-deploy, rollout and client
 * rotate all call them, so "a recorded proof means verified" and "a drift fix comes first" each
 * live here once; verify answers in the same terms.
 *
 * The PBX API has no field that says consent was given (docs/portsip-api.md): "verified" rests on
 * a test mail, recorded on the credential secret by `gwkit verify` (annotation `gwkit-last-proof`),
 * and on Google accepting the PBX's secret now (docs/what-gwkit-checks.md).
 */
import type { TenantConfig } from '../config';
import { consoleClientPage } from '../console-links';
import { ExitCode } from '../errors';
import { enabledServices, getProject, type StoredClientPair } from '../google';
import type { GoogleIntegration } from '../pbx';
import { isFor, pbxTargetOf, type CredentialSecretFacts } from '../records';
import { describePbxClient, judgePbxClient, type PbxClientVerdict } from './pbx-client';
import { cdkCommand, gwkitCommand } from './printed-commands';
import type { SecretCheck } from './secret-check';
import type { SessionProvider } from './session-provider';

export const STAGES = ['planned', 'provisioned', 'client-registered', 'pbx-configured', 'consent-pending', 'verified', 'broken'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * The stages of a Microsoft 365 tenant (lib/ms365/workflow.ts). Nothing waits on a person there
 * (the stack grants the admin consent), so there is no consent-pending: `discovered` means the
 * PBX's redirect URIs and certificate are recorded for the stack, and `pbx-configured` means the
 * PBX holds the ids but could not read the directory's users through Graph.
 */
export const MS365_STAGES = ['planned', 'discovered', 'pbx-configured', 'verified'] as const;
export type Ms365Stage = (typeof MS365_STAGES)[number];

/** Every stage of either suite, in the order reports list them. */
export const REPORT_STAGES = [
  'planned',
  'provisioned',
  'discovered',
  'client-registered',
  'pbx-configured',
  'consent-pending',
  'verified',
  'broken',
] as const;
export type AnyStage = (typeof REPORT_STAGES)[number];

/** What is known of a tenant: its stage, the facts it rests on, and what comes next. */
export interface TenantView {
  readonly tenant: string;
  readonly projectId: string;
  readonly stage: Stage;
  /** What was found, one fact per line. */
  readonly facts: readonly string[];
  /** What to do next; absent once verified. */
  readonly nextAction?: string;
  readonly consentUri?: string;
  /** Secret Manager version of the client the PBX holds, when known. */
  readonly pbxVersion?: number;
  /** ISO time of the last test mail that proved the integration, when recorded. */
  readonly lastProof?: string;
  /** What could not be checked, and why (a status run without a PBX password, say). */
  readonly unchecked?: readonly string[];
  /** Where the PBX and Google have moved apart since gwkit last set them up, one line each. */
  readonly drift?: readonly string[];
  /** What will break if left alone (an old proof, a rotation half done). */
  readonly warnings?: readonly string[];
}

/** A tenant as the next actions name it. */
type Named = Pick<TenantConfig, 'id'>;

/**
 * What comes next, in the same words wherever it is said: every next action gwkit prints is made
 * here (each command in the printed form, printed-commands.ts).
 */
export const nextAction = {
  deploy: (t: TenantConfig) => cdkCommand('deploy', [t.id]),
  createClient: (t: Named) =>
    `${gwkitCommand(`client guide --tenant ${t.id}`)}, then ${gwkitCommand(`client import --tenant ${t.id} --file <client_secret.json>`)}`,
  configurePbx: () => 'add pbx settings for this tenant to gwkit.yaml',
  /** No PBX password (or CA file) in a read-only run: the PBX side was not read. */
  pbxUnchecked: (t: Named) =>
    `give gwkit the PBX password (or CA file) as said above, then run ${gwkitCommand(`status --tenant ${t.id}`)} again to see the PBX side`,
  postDeploy: (t: Named) => gwkitCommand(`post-deploy --tenant ${t.id}`),
  writeForReal: (clientId: string) => `run without --dry-run to write client ${clientId} into the PBX`,
  noConsentLink: () => 'the PBX offers no consent link yet: check Integrations > Google Workspace in the PBX web portal',
  consent: (t: TenantConfig, consentUri: string) =>
    `a Google Workspace administrator opens ${consentUri} and allows access; then ${gwkitCommand(`verify --tenant ${t.id}`)}`,
  prove: (t: Named) => `consent at the link if not done yet, then prove it: ${gwkitCommand(`verify --tenant ${t.id}`)}`,
  /** A test mail found the authorization missing or expired. */
  consentMissing: (t: Named) =>
    `a Google Workspace administrator completes the authorization (${gwkitCommand(`post-deploy --tenant ${t.id}`)} prints the link), ` +
    `then ${gwkitCommand(`verify --tenant ${t.id}`)}. If Google's page says redirect_uri_mismatch, the client lacks a PBX redirect URI: ` +
    `${gwkitCommand(`discover --tenant ${t.id}`)} lists them; re-import with ${gwkitCommand(`client import --tenant ${t.id} --file <client_secret.json>`)}`,
  mailFailed: () => 'check the mail settings in the PBX web portal (Notifications)',
  switchToGmail: (t: Named, mailType: string) =>
    `set mail.switchToGmail: true for tenant ${t.id} in gwkit.yaml (replaces the ${mailType} setup), or choose Gmail in the PBX yourself`,
  switchForReal: () => 'run without --dry-run to switch the mail type to GMAIL and send the test mail',
  sendForReal: () => 'run without --dry-run to send the test mail',
  /** A redirect URI the PBX reports that the client was not checked against: until fixed, consent fails. */
  addRedirectUris: (t: Named, uris: readonly string[]) =>
    `add ${uris.join(' and ')} to the client's authorized redirect URIs in the Console (${gwkitCommand(`client guide --tenant ${t.id}`)}), ` +
    `download it again, then ${gwkitCommand(`client import --tenant ${t.id} --file <client_secret.json>`)}`,
  // Secret rotation (rotate.ts), step by step.
  addSecret: (t: Pick<TenantConfig, 'id' | 'projectId'>, clientId: string) =>
    `in the Console open ${consoleClientPage(t.projectId, clientId)}, choose "Add secret", download the client JSON, ` +
    `then ${gwkitCommand(`client rotate --tenant ${t.id} --file <client_secret.json>`)} (the old secret keeps working meanwhile)`,
  rotateForReal: (toVersion: number) => `run without --dry-run to write version ${toVersion} into the PBX and prove it`,
  storeForReal: () => 'run without --dry-run',
  consentForRotation: (t: Named, consentUri: string) =>
    `the PBX needs the Google authorization again: a Google Workspace administrator opens ${consentUri} and allows access; then ${gwkitCommand(`client rotate --tenant ${t.id}`)}`,
  disableOldSecret: (t: Pick<TenantConfig, 'id' | 'projectId'>, clientId: string, startedAt: string) =>
    `the new secret works; in the Console open ${consoleClientPage(t.projectId, clientId)} and disable the OLD secret ` +
    `(the one created before ${startedAt}), then ${gwkitCommand(`client rotate --tenant ${t.id}`)} to finish`,
  /**
   * Google refuses a secret gwkit would rely on. When it is the stored (newest) one, a person must
   * act in the Console; when the PBX holds an older one, writing the stored one heals it.
   */
  secretRefused: (t: TenantConfig, clientId: string, check: Extract<SecretCheck, { kind: 'refused' }>) =>
    check.pbxHoldsStored
      ? `Google refuses the client secret${check.version ? ` of version ${check.version}` : ''} (${check.verdict}): was it disabled in the Console? ` +
        `Open ${consoleClientPage(t.projectId, clientId)} and enable that secret again, then run the same command again; ` +
        `or choose "Add secret" there, download the client JSON and run ${gwkitCommand(`client rotate --tenant ${t.id} --file <client_secret.json>`)} ` +
        `(if the client itself is gone, create a new one: ${gwkitCommand(`client guide --tenant ${t.id}`)})`
      : `Google refuses the secret the PBX holds (${check.verdict}); write the stored one: ${gwkitCommand(`post-deploy --tenant ${t.id}`)}`,
} as const;

/** The Google side of a tenant: a final view (planned, provisioned, no PBX) or the stored client. */
export type GoogleSide =
  | { readonly done: TenantView }
  | { readonly done?: undefined; readonly facts: string[]; readonly stored: StoredClientPair; readonly records: CredentialSecretFacts };

/** Read the Google side: project, APIs, the stored client and gwkit's records (read-only). */
export async function googleSide(
  sessions: SessionProvider,
  tenant: TenantConfig,
  secretName = tenant.credentialSecretName,
): Promise<GoogleSide> {
  const facts: string[] = [];
  const base = { tenant: tenant.id, projectId: tenant.projectId };
  const google = await sessions.google();

  const project = await getProject(google.auth, tenant.projectId, { endpoints: google.endpoints });
  if (!project) {
    return {
      done: {
        ...base,
        stage: 'planned',
        facts: [`project ${tenant.projectId} not found (or not visible to these credentials)`],
        nextAction: nextAction.deploy(tenant),
      },
    };
  }
  facts.push(`project ${tenant.projectId} (#${project.projectNumber}) ${project.state}`);

  const apis = await enabledServices(google.auth, tenant.projectId, [...tenant.apis], { endpoints: google.endpoints });
  const off = Object.entries(apis)
    .filter(([, on]) => !on)
    .map(([name]) => name);
  if (off.length)
    return {
      done: { ...base, stage: 'planned', facts: [...facts, `APIs not enabled: ${off.join(', ')}`], nextAction: nextAction.deploy(tenant) },
    };
  facts.push(`APIs enabled: ${tenant.apis.length}`);

  const { stored, records } = await google.records.readWithLatest(secretName);
  if (!stored)
    return {
      done: {
        ...base,
        stage: 'provisioned',
        facts: [...facts, 'no OAuth client imported yet'],
        nextAction: nextAction.createClient(tenant),
      },
    };
  facts.push(`client ${stored.clientId} in Secret Manager (version ${stored.version})`);
  if (!tenant.pbx)
    return {
      done: {
        ...base,
        stage: 'client-registered',
        facts: [...facts, 'no PBX configured in gwkit.yaml'],
        nextAction: nextAction.configurePbx(),
      },
    };
  return { facts, stored, records };
}

/** The Google side once it reaches the PBX: its facts, the stored client and gwkit's records. */
export type ReadySide = Exclude<GoogleSide, { done: TenantView }>;

/** What was read of a tenant's PBX side: everything the pure derivation (`deriveView`) rests on. */
export interface PbxSideFacts {
  readonly side: ReadySide;
  /** The PBX's Google settings (after a write, the ones read back). */
  readonly onPbx: GoogleIntegration;
  readonly now: number;
  /** Whether Google accepts the secret the PBX holds, checked just now (secret-check.ts); unchecked when absent. */
  readonly held?: SecretCheck;
  /** Which client the PBX holds, when the caller knows better than the records (it just wrote it); else judged here. */
  readonly verdict?: PbxClientVerdict;
  /** The client was written into the PBX in this run: a write may reset its authorization, so an earlier proof no longer counts. */
  readonly writtenNow?: boolean;
}

/** Where a tenant stands, from what was read (no next action yet), and what the plan needs. */
export interface DerivedView {
  readonly view: Omit<TenantView, 'nextAction'>;
  readonly clientId: string;
  /** The fix for drift the PBX cannot heal by itself; it comes before anything else. */
  readonly fix?: string;
  readonly held?: SecretCheck;
}

/**
 * facts → view: does the PBX hold the stored version, does Google accept its secret now, does it
 * offer a consent link, and has a test mail proven this version since (the one place a recorded
 * proof counts as verified)? Pure: same facts, same view.
 */
export function deriveView(tenant: TenantConfig, facts: PbxSideFacts): DerivedView {
  const { side, onPbx, now, held } = facts;
  const { stored, records } = side;
  const lines = [...side.facts];
  const health = driftAndWarnings(tenant, side, onPbx, now);
  const base = {
    tenant: tenant.id,
    projectId: tenant.projectId,
    ...(health.drift.length ? { drift: health.drift } : {}),
    ...(health.warnings.length ? { warnings: health.warnings } : {}),
  };
  const derived = (view: Omit<TenantView, 'nextAction' | 'tenant' | 'projectId' | 'facts'>): DerivedView => ({
    view: { ...base, ...view, facts: lines },
    clientId: stored.clientId,
    ...(health.fix ? { fix: health.fix } : {}),
    ...(held ? { held } : {}),
  });
  // The secret counts too: after a rotation the PBX holds the right id with a dead secret. A
  // masked secret is judged by gwkit's record of what it wrote (pbx-client.ts).
  const verdict = facts.verdict ?? judgePbxClient(onPbx, stored, records.applied, pbxTargetOf(tenant));
  const found = describePbxClient(verdict, stored);
  // Whatever was recorded: a secret Google refuses now means the PBX's mail is dead.
  if (held?.kind === 'refused') {
    lines.push(`${found}; Google refuses that secret now (${held.verdict} at its token endpoint)`);
    return derived({ stage: 'broken', ...(held.version ? { pbxVersion: held.version } : {}) });
  }
  lines.push(held?.kind === 'accepted' ? `${found}; Google accepts its secret now` : found);
  if (verdict.kind !== 'current') {
    return derived({ stage: 'client-registered', pbxVersion: verdict.kind === 'other-secret' ? verdict.recordedVersion : undefined });
  }
  const pbxVersion = stored.version;
  const consentUri = httpsOnly(onPbx.auth_consent_uri);
  if (!consentUri) return derived({ stage: 'pbx-configured', pbxVersion });
  const proof = records.proof;
  if (proof && !facts.writtenNow && isProven(tenant, records, stored.version)) {
    lines.push(`proven by a test mail ${age(proof.at, now)} (${proof.at})`);
    return derived({ stage: 'verified', consentUri, pbxVersion, lastProof: proof.at });
  }
  if (proof)
    lines.push(`last test mail (${proof.at}) proved ${proof.version ? `version ${proof.version}` : 'an earlier setup'}, not this one`);
  return derived({ stage: 'consent-pending', consentUri, pbxVersion });
}

/** The command a view is planned for: each says the consent step in its own terms. */
export type Planner = 'status' | 'post-deploy' | 'rotate';

/**
 * view → plan: what comes next. A drift fix comes first (until the client is fixed, consent
 * fails), even at verified; then the stage's own step, in the words of the command that asks.
 */
export function planNext(tenant: TenantConfig, derived: DerivedView, planner: Planner): string | undefined {
  const { view, fix, held } = derived;
  switch (view.stage) {
    case 'broken':
      return held?.kind === 'refused' ? nextAction.secretRefused(tenant, derived.clientId, held) : nextAction.postDeploy(tenant);
    case 'client-registered':
      return nextAction.postDeploy(tenant);
    case 'pbx-configured':
      return nextAction.noConsentLink();
    case 'verified':
      return fix;
    default: {
      if (fix) return fix;
      const consentUri = view.consentUri!;
      return planner === 'status'
        ? nextAction.prove(tenant)
        : planner === 'rotate'
          ? nextAction.consentForRotation(tenant, consentUri)
          : nextAction.consent(tenant, consentUri);
    }
  }
}

/** facts → view → plan, in one call. */
export function viewOf(tenant: TenantConfig, facts: PbxSideFacts, planner: Planner): TenantView {
  const derived = deriveView(tenant, facts);
  const next = planNext(tenant, derived, planner);
  return { ...derived.view, ...(next ? { nextAction: next } : {}) };
}

/** The view `status` shows once the PBX's Google settings are known (read-only). */
export function pbxSideView(
  tenant: TenantConfig,
  side: ReadySide,
  onPbx: GoogleIntegration,
  now = Date.now(),
  /** Whether Google accepts the secret the PBX holds, checked just now (secret-check.ts); unchecked when absent. */
  held?: SecretCheck,
): TenantView {
  return viewOf(tenant, { side, onPbx, now, held }, 'status');
}

/**
 * The view when the PBX side could not be read (no PBX password or CA file in a read-only run):
 * the stage the Google side proves, and what was not checked. Unchecked, so its health is unknown
 * (fleet-report.ts), not "not yet".
 */
export function pbxUncheckedView(tenant: TenantConfig, side: ReadySide, problem: string): TenantView {
  return {
    tenant: tenant.id,
    projectId: tenant.projectId,
    stage: 'client-registered',
    facts: [...side.facts, `PBX not checked: ${problem}`],
    unchecked: [`PBX: ${problem}`],
    nextAction: nextAction.pbxUnchecked(tenant),
  };
}

/**
 * Drift: the PBX holds another client; its redirect URIs moved on since the client was checked (an
 * SBC added, a new host name); its consent link names another client. Warnings: the last proof is
 * old (Google deletes OAuth clients unused for six months, and a revoked token fails silently
 * until the next mail); a rotation is half done.
 */
function driftAndWarnings(tenant: TenantConfig, side: ReadySide, onPbx: GoogleIntegration, now: number) {
  const { stored, records } = side;
  const drift: string[] = [];
  const warnings: string[] = [];
  let fix: string | undefined;
  if (onPbx.client_id && onPbx.client_id !== stored.clientId)
    drift.push(`the PBX holds client ${onPbx.client_id}, not the stored ${stored.clientId}`);
  const reported = [onPbx.redirect_uri, onPbx.sbc_redirect_uri].filter((u): u is string => !!u);
  const checked = records.checked?.clientId === stored.clientId ? records.checked : undefined;
  const unchecked = checked ? reported.filter((u) => !checked.redirectUris.includes(u)) : [];
  if (unchecked.length) {
    drift.push(`the PBX now reports redirect URI ${unchecked.join(', ')}, which the client was not checked against (${checked!.at})`);
    fix = nextAction.addRedirectUris(tenant, unchecked);
  }
  const link = httpsOnly(onPbx.auth_consent_uri);
  const linkClient = link ? new URL(link).searchParams.get('client_id') : null;
  if (linkClient && onPbx.client_id === stored.clientId && linkClient !== stored.clientId) {
    drift.push(`the PBX's consent link is for client ${linkClient}, not ${stored.clientId}`);
  }
  const proof = records.proof;
  if (proof) {
    const days = Math.floor((now - Date.parse(proof.at)) / 86_400_000);
    if (days > tenant.mail.maxProofAgeDays) {
      warnings.push(
        `the last proof is ${days} days old (more than mail.maxProofAgeDays ${tenant.mail.maxProofAgeDays}): run ${gwkitCommand(`verify --tenant ${tenant.id}`)}; Google deletes OAuth clients unused for six months`,
      );
    }
  }
  if (records.rotation) {
    const to = records.rotation.toVersion
      ? `version ${records.rotation.fromVersion} → ${records.rotation.toVersion}`
      : `from version ${records.rotation.fromVersion}, new secret not stored yet`;
    warnings.push(
      `a secret rotation is under way (${to}, since ${records.rotation.startedAt}): finish it with ${gwkitCommand(`client rotate --tenant ${tenant.id}`)}`,
    );
  }
  return { drift, warnings, fix };
}

/**
 * The PBX's consent link, if it is a well-formed https URL: people are told to open it, and it is
 * handed to a browser, so anything else (another scheme, garbage) is not passed on.
 */
export function httpsOnly(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** A recorded test mail proved this version in this PBX tenant. */
export function isProven(tenant: TenantConfig, records: CredentialSecretFacts, version: number): boolean {
  const where = pbxTargetOf(tenant);
  const proof = records.proof;
  return isFor(proof, where) && proof!.version === version;
}

function age(iso: string, now: number): string {
  const days = Math.floor((now - Date.parse(iso)) / 86_400_000);
  return Number.isNaN(days) ? 'at an unknown time' : days <= 0 ? 'today' : days === 1 ? '1 day ago' : `${days} days ago`;
}

// --- outcomes and exit codes: the one place --------------------------------------------------

/** A fleet command's answer for a tenant reaching `stage`: done only when verified; broken is a failure. */
export function exitCodeOfStage(stage: Stage): ExitCode {
  if (stage === 'broken') return ExitCode.Failed;
  return stage === 'verified' ? ExitCode.Ok : ExitCode.WaitingOnPerson;
}

/**
 * `status` answers where a tenant stands, so a waiting tenant is not a failure of status (0); a
 * broken one is (1): a scheduled `gwkit status` must not stay green while a tenant's mail is dead.
 */
export function exitCodeOfStatus(view: Pick<TenantView, 'stage'>): ExitCode {
  return view.stage === 'broken' ? ExitCode.Failed : ExitCode.Ok;
}

/**
 * A Microsoft 365 tenant's answer, by the same rules as exitCodeOfStage: done only when verified;
 * a PBX that holds the ids but cannot read users through Graph is broken (1), whatever its stage
 * is called; before that, the tenant waits on a deploy or a command (3).
 */
export function exitCodeOfMs365(view: { readonly stage: Ms365Stage; readonly failure?: string }): ExitCode {
  if (view.failure) return ExitCode.Failed;
  return view.stage === 'verified' ? ExitCode.Ok : ExitCode.WaitingOnPerson;
}

/** `status` of a Microsoft 365 tenant, by the rule of exitCodeOfStatus: only a broken integration fails it. */
export function exitCodeOfMs365Status(view: { readonly failure?: string }): ExitCode {
  return view.failure ? ExitCode.Failed : ExitCode.Ok;
}

/**
 * `dry-run`: the mail settings were read and nothing was sent (a dry run proves nothing, and breaks
 * nothing). `secret-refused`: Google refuses the secret the PBX holds; no test mail was sent.
 */
export type VerifyVerdict =
  | 'verified'
  | 'consent-missing'
  | 'authorization-expired'
  | 'not-gmail'
  | 'mail-failed'
  | 'secret-refused'
  | 'dry-run';

/** Verification outcomes: a person can fix missing consent or the mail type; the rest is broken. */
export function exitCodeOfVerdict(verdict: VerifyVerdict): ExitCode {
  if (verdict === 'verified' || verdict === 'dry-run') return ExitCode.Ok;
  return verdict === 'consent-missing' || verdict === 'not-gmail' ? ExitCode.WaitingOnPerson : ExitCode.Failed;
}

/** A failed verification in one line: PortSIP's words, the likely cause, what to do. */
export function describeVerifyFailure(result: { pbxMessage?: string; likelyCause?: string; nextAction?: string }): string {
  return [result.pbxMessage, result.likelyCause && `likely cause: ${result.likelyCause}`, result.nextAction].filter(Boolean).join('; ');
}

/** "Broken" must never hide behind "waiting": the fleet's one exit code is decided with the codes (exit-codes.ts). */
export { fleetExitCode } from '../exit-codes';
